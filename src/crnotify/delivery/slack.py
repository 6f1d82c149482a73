"""Slack incoming webhooks: the webhook, its messages and its answers.

Source: "Sending messages using incoming webhooks" (https://api.slack.com/messaging/webhooks): the
webhook is `https://hooks.slack.com/services/T…/B…/<secret>`, the URL being the credential; the body
is `{"text": …}` or `{"text": <fallback>, "blocks": [...]}` (the text is shown in notifications when
blocks are sent). Errors are an HTTP status with a plain-text reason: 400 `invalid_payload`, 403
`invalid_token`, 404 `no_service`, 410 `channel_is_archived`; rate limits (https://api.slack.com/docs/
rate-limits, "Incoming webhooks: 1 per second, short bursts allowed") answer HTTP 429 with
`Retry-After`. Block Kit limits (https://api.slack.com/reference/block-kit/blocks): a `section`'s
text is at most 3000 characters, a `header`'s 150; a message's `text` is truncated at 40,000.
"""

from __future__ import annotations

import re
from typing import Any

from crnotify.delivery._channel import Answer, Channel, Form, Message, Outcome, Verdict, dig
from crnotify.model import TemplateFormat

HOST = "hooks.slack.com"
SECTION_MAX_CHARS = 3000
TEXT_MAX_CHARS = 40_000


def build(fmt: TemplateFormat, text: str, title: str | None) -> Message | None:
    if fmt is TemplateFormat.TEXT:
        return {"text": text}
    if fmt is TemplateFormat.MARKDOWN:
        blocks: list[dict[str, Any]] = []
        if title:
            blocks.append({"type": "header", "text": {"type": "plain_text", "text": title}})
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
        return {"text": title or text, "blocks": blocks}
    return None


def parse(message: Any) -> Form | None:
    if not isinstance(message, dict) or not isinstance(message.get("text"), str):
        return None
    if set(message) == {"text"}:
        return TemplateFormat.TEXT, message["text"], None
    blocks = message.get("blocks")
    if set(message) != {"text", "blocks"} or not isinstance(blocks, list) or not 1 <= len(blocks) <= 2:
        return None
    title = (
        dig(blocks, 0, "text", "text") if len(blocks) == 2 and dig(blocks, 0, "type") == "header" else None
    )
    section = blocks[-1]
    if dig(section, "type") != "section" or dig(section, "text", "type") != "mrkdwn":
        return None
    if len(blocks) == 2 and not isinstance(title, str):
        return None
    return TemplateFormat.MARKDOWN, str(dig(section, "text", "text")), title


def shape_ok(message: Any) -> bool:
    """A message has text or blocks (or attachments); `invalid_payload` otherwise."""
    if not isinstance(message, dict):
        return False
    text, blocks = message.get("text"), message.get("blocks")
    return (isinstance(text, str) and bool(text)) or (isinstance(blocks, list) and bool(blocks))


def _read(status: int, body: bytes) -> Outcome:
    text = body.decode("utf-8", "replace").strip()[:200]
    detail = f"HTTP {status}: {text}"  # Slack's answer is its code (`invalid_token`, `rate_limited`)
    return Outcome(ok=status == 200 and text == "ok", retryable=status == 429, detail=detail, code=detail)


def _plain(status: int, text: str, *headers: tuple[str, str]) -> Answer:
    return Answer(status=status, body=text, content_type="text/plain; charset=utf-8", headers=headers)


CHANNEL = Channel(
    name="slack",
    label="Slack",
    example_url="https://hooks.slack.com/services/T0000/B0000/${env:SLACK_HOOK}",
    hosts=(HOST,),
    path=re.compile(r"/services/[^/]+/[^/]+/[^/]+"),
    secret_path=True,
    max_text_bytes={TemplateFormat.MARKDOWN: SECTION_MAX_CHARS, TemplateFormat.TEXT: TEXT_MAX_CHARS},
    text_unit="characters",
    size_source="Slack's Block Kit reference",
    windows=((1, 1.0),),
    rate_source="Slack's rate limits for incoming webhooks",
    build=build,
    parse=parse,
    shape_ok=shape_ok,
    answers={
        Verdict.OK: _plain(200, "ok"),
        Verdict.UNKNOWN_HOOK: _plain(403, "invalid_token"),
        Verdict.TOO_LARGE: _plain(400, "invalid_blocks"),
        Verdict.BAD_BODY: _plain(400, "invalid_payload"),
        Verdict.RATE_LIMITED: _plain(429, "rate_limited", ("Retry-After", "1")),
    },
    read_answer=_read,
)
