"""Pure renderers for `crnotify test` results: text for people, JSON (versioned, sorted keys) for tools."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from crnotify.delivery.dingtalk import parse_message
from crnotify.offline.runner import Message, Sent, Verdict
from crnotify.offline.verdicts import Check, EventCase
from crnotify.render._text import json_document, safe

REPORT_VERSION = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class EventResult:
    case: EventCase
    verdicts: tuple[Verdict, ...]
    checks: tuple[Check, ...] = ()
    sent: tuple[Sent, ...] = field(default=())

    @property
    def failed(self) -> bool:
        return any(not c.passed for c in self.checks) or any(not s.ok for s in self.sent)


def summary(results: Sequence[EventResult]) -> dict[str, int]:
    checks = [c for r in results for c in r.checks]
    sent = [s for r in results for s in r.sent]
    return {
        "events": len(results),
        "firings": sum(v.fires for r in results for v in r.verdicts),
        "expectations_passed": sum(c.passed for c in checks),
        "expectations_failed": sum(not c.passed for c in checks),
        "deliveries_ok": sum(s.ok for s in sent),
        "deliveries_failed": sum(not s.ok for s in sent),
    }


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


def render_text(results: Sequence[EventResult]) -> str:
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


def render_json(results: Sequence[EventResult]) -> str:
    payload = {
        "version": REPORT_VERSION,
        "events": [
            {
                "path": r.case.path,
                "event_id": r.case.event.get("id"),
                "rules": [
                    {
                        "registry": v.registry,
                        "rule": v.rule,
                        "fires": v.fires,
                        "skipped": v.skipped,
                        "reason": v.reason,
                        "messages": [
                            {
                                "target_id": m.target_id,
                                "kind": m.kind,
                                "endpoint": m.endpoint,
                                "signed": m.signed,
                                "headers": dict(m.headers),
                                "body": m.body,
                                "error": m.error,
                            }
                            for m in v.messages
                        ],
                    }
                    for v in r.verdicts
                ],
                "expectations": [
                    {"description": c.description, "passed": c.passed, "detail": c.detail} for c in r.checks
                ],
                "deliveries": [
                    {
                        "rule": s.rule,
                        "target_id": s.target_id,
                        "endpoint": s.endpoint,
                        "ok": s.ok,
                        "detail": s.detail,
                    }
                    for s in r.sent
                ],
            }
            for r in results
        ],
        "summary": summary(results),
    }
    return json_document(payload)
