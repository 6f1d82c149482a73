"""`crnotify test` results as text, for people: per event file the rules that fire (with the messages they
would send), those that do not and why, deliveries and expectations; then the totals."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from crnotify.delivery.dingtalk import parse_message
from crnotify.offline.runner import Message
from crnotify.offline.verdicts import EventResult, summary
from crnotify.render._text import safe


def _describe_event(event: Any) -> str:
    data = event.get("data") if isinstance(event.get("data"), dict) else {}
    image = ""
    if {"RepoNamespaceName", "RepoName"} <= set(data):
        image = f" {data['RepoNamespaceName']}/{data['RepoName']}:{data.get('Tag', '')}"
    kind = event.get("type") or event.get("detail-type") or "?"
    return f"{kind}{image} (id {event.get('id', '?')})"


def _indent(text: str, prefix: str) -> list[str]:
    return [prefix + line for line in text.splitlines()] or [prefix]


def _message_lines(message: Message) -> list[str]:
    lines = [
        f"    → {message.target_id} {message.kind} {message.endpoint}"
        + (" (signed)" if message.signed else "")
    ]
    if message.error is not None:
        return [*lines, f"      cannot render: {message.error}"]
    for key, value in message.headers:
        if key != "content-type":
            lines.append(f"      {key}: {value}")
    parsed = parse_message(message.body) if message.kind == "dingtalk" else None
    if parsed is not None:
        kind = parsed["msgtype"]
        content = parsed.get(kind) or {}
        if content.get("title"):
            lines.append(f"      [{kind}] {content['title']}")
        else:
            lines.append(f"      [{kind}]")
        text = content.get("text", content.get("content", ""))
        lines += _indent(str(text), "      | ")
    else:
        lines += _indent(message.body, "      ")
    return lines


def render(results: Sequence[EventResult]) -> str:
    lines: list[str] = []
    for result in results:
        lines.append(f"{result.case.path}: {_describe_event(result.case.event)}")
        for verdict in result.verdicts:
            if verdict.fires:
                lines.append(f"  fires  {verdict.qualified}")
                for message in verdict.messages:
                    lines += _message_lines(message)
            elif verdict.skipped:
                lines.append(f"  skip   {verdict.qualified}: {verdict.reason}")
            else:
                first, *rest = verdict.reason.splitlines() or [""]
                lines.append(f"  no     {verdict.qualified}: {first}")
                lines += [f"           {line.strip()}" for line in rest]
        for sent in result.sent:
            mark = "sent  " if sent.ok else "FAILED"
            lines.append(f"  {mark} {sent.rule} → {sent.target_id} {sent.endpoint}: {sent.detail}")
        for check in result.checks:
            mark = "ok  " if check.passed else "FAIL"
            lines.append(
                f"  {mark}   expect {check.description}" + (f": {check.detail}" if check.detail else "")
            )
    totals = summary(results)
    tail = (
        f"{totals['events']} event(s), {totals['firings']} rule firing(s); expectations: "
        f"{totals['expectations_passed']} passed, {totals['expectations_failed']} failed"
    )
    if totals["deliveries_ok"] or totals["deliveries_failed"]:
        tail += f"; deliveries: {totals['deliveries_ok']} ok, {totals['deliveries_failed']} failed"
    lines.append(tail)
    # Event files and configs are user input: no terminal escape sequences reach the screen.
    return "\n".join(safe(line) for line in lines) + "\n"
