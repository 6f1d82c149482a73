"""Lark (Feishu) custom bots: the webhook, its messages and its answers.

Source: the custom-bot guide (https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot, and
https://open.larksuite.com/document/client-docs/bot-v3/add-custom-bot for Lark): the webhook is
`https://open.feishu.cn/open-apis/bot/v2/hook/<token>` (open.larksuite.com for Lark); a request body
is at most 20 KB; a bot sends at most 100 messages a minute and 5 a second; security is custom
keywords (the message must contain one), an IP allow-list, or signature verification — `timestamp`
and `sign` (HMAC-SHA256 of `timestamp\\nsecret`) in the body of every message, which an EventBridge
template cannot compute. Answers are `{"code": N, "msg": "…", "data": {}}`: 0 success, 9499 Bad
Request (not JSON, or not a message), 19001 an unknown hook token, 19021 a bad signature, 19024 no
keyword found, 11232 frequency limited (the rate-limit code Lark clients retry, e.g.
openclaw/openclaw commit 90c7870). The HTTP status of a refusal is not documented; the local robot
answers 400 for 9499 and 200 with the code otherwise, as observed answers show.
"""

from __future__ import annotations

import re
from typing import Any

from crnotify.delivery._channel import (
    Channel,
    Form,
    Message,
    Verdict,
    dig,
    json_answer,
    read_code,
)
from crnotify.model import TemplateFormat

HOSTS = ("open.feishu.cn", "open.larksuite.com")
MAX_BODY_BYTES = 20 * 1024
PER_SECOND, PER_MINUTE = 5, 100
RATE_LIMITED_CODE = 11232
SIGNING_REFUSED = (
    "Lark's signature verification needs a timestamp and an HMAC-SHA256 of it in every message, "
    "and an EventBridge template sends the same text each time: it cannot compute one"
)


def build(fmt: TemplateFormat, text: str, title: str | None) -> Message | None:
    if fmt is TemplateFormat.TEXT:
        return {"msg_type": "text", "content": {"text": text}}
    if fmt is TemplateFormat.MARKDOWN:
        card: dict[str, Any] = {"elements": [{"tag": "markdown", "content": text}]}
        if title:
            card = {"header": {"title": {"tag": "plain_text", "content": title}}, **card}
        return {"msg_type": "interactive", "card": card}
    return None


def parse(message: Any) -> Form | None:
    kind = dig(message, "msg_type")
    if kind == "text" and isinstance(dig(message, "content", "text"), str):
        return TemplateFormat.TEXT, message["content"]["text"], None
    if kind == "interactive" and isinstance(dig(message, "card", "elements", 0, "content"), str):
        elements = message["card"]["elements"]
        title = dig(message, "card", "header", "title", "content")
        if len(elements) == 1 and elements[0].get("tag") == "markdown":
            return TemplateFormat.MARKDOWN, elements[0]["content"], title if isinstance(title, str) else None
    return None


def shape_ok(message: Any) -> bool:
    kind = dig(message, "msg_type")
    if kind == "text":
        return isinstance(dig(message, "content", "text"), str)
    if kind == "post":
        return isinstance(dig(message, "content", "post"), dict)
    if kind == "interactive":
        return isinstance(dig(message, "card"), dict)
    return kind in ("image", "share_chat") and isinstance(dig(message, "content"), dict)


CHANNEL = Channel(
    name="lark",
    label="Lark/Feishu",
    example_url="https://open.feishu.cn/open-apis/bot/v2/hook/${env:LARK_HOOK}",
    hosts=HOSTS,
    path=re.compile(r"/open-apis/bot/v2/hook/[^/]+"),
    secret_path=True,
    max_body_bytes=MAX_BODY_BYTES,
    size_source="Lark's custom-bot guide",
    windows=((PER_SECOND, 1.0), (PER_MINUTE, 60.0)),
    rate_source="Lark's custom-bot guide",
    keywords=True,
    signing_refused=SIGNING_REFUSED,
    build=build,
    parse=parse,
    shape_ok=shape_ok,
    answers={
        Verdict.OK: json_answer(200, {"code": 0, "msg": "success", "data": {}}),
        Verdict.UNKNOWN_HOOK: json_answer(
            200, {"code": 19001, "msg": "param invalid: incoming webhook access token invalid", "data": {}}
        ),
        Verdict.TOO_LARGE: json_answer(
            400, {"code": 9499, "msg": "Bad Request: body over 20 KB", "data": {}}
        ),
        Verdict.BAD_BODY: json_answer(400, {"code": 9499, "msg": "Bad Request", "data": {}}),
        Verdict.KEYWORD: json_answer(200, {"code": 19024, "msg": "Key Words Not Found", "data": {}}),
        Verdict.RATE_LIMITED: json_answer(
            200, {"code": RATE_LIMITED_CODE, "msg": "frequency limited", "data": {}}
        ),
    },
    read_answer=lambda status, body: read_code(
        status, body, key="code", message_key="msg", retry=frozenset({RATE_LIMITED_CODE})
    ),
)
