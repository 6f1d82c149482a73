"""WeCom (WeChat Work, 企业微信) group robots: the webhook, its messages and its answers.

Source: the group-robot guide (https://developer.work.weixin.qq.com/document/path/91770): the webhook
is `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=<key>`, the key being the robot's only
credential; a robot sends at most 20 messages a minute; a `text` message's content is at most 2048
bytes, a `markdown` message's at most 4096 bytes. There is no keyword or signature security. Answers
are HTTP 200 with `{"errcode": N, "errmsg": "…"}`: 0 ok, 93000 an invalid webhook key, 40008 an
invalid message type, 44004 empty content, 40058 content over its limit, 45009 "api freq out of
limit" (the global error-code list, https://developer.work.weixin.qq.com/document/path/90313).
"""

from __future__ import annotations

import re
from typing import Any

from crnotify.delivery._channel import Channel, Form, Message, Verdict, dig, json_answer, read_code
from crnotify.model import TemplateFormat

HOST = "qyapi.weixin.qq.com"
PATH = "/cgi-bin/webhook/send"
PER_MINUTE = 20
MAX_TEXT_BYTES = 2048
MAX_MARKDOWN_BYTES = 4096
RATE_LIMITED_CODE = 45009


def build(fmt: TemplateFormat, text: str, title: str | None) -> Message | None:
    if fmt is TemplateFormat.TEXT:
        return {"msgtype": "text", "text": {"content": text}}
    if fmt is TemplateFormat.MARKDOWN:
        return {"msgtype": "markdown", "markdown": {"content": text}}
    return None


def parse(message: Any) -> Form | None:
    kind = dig(message, "msgtype")
    if kind == "text" and isinstance(dig(message, "text", "content"), str):
        return TemplateFormat.TEXT, message["text"]["content"], None
    if kind == "markdown" and isinstance(dig(message, "markdown", "content"), str):
        return TemplateFormat.MARKDOWN, message["markdown"]["content"], None
    return None


MESSAGE_TYPES = ("text", "markdown", "markdown_v2", "image", "news", "file", "voice", "template_card")


def shape_ok(message: Any) -> bool:
    kind = dig(message, "msgtype")
    return kind in MESSAGE_TYPES and isinstance(dig(message, kind), dict)


def _answer(errcode: int, errmsg: str) -> Any:
    return json_answer(200, {"errcode": errcode, "errmsg": errmsg})


CHANNEL = Channel(
    name="wecom",
    label="WeCom",
    example_url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${env:WECOM_KEY}",
    hosts=(HOST,),
    path=re.compile(re.escape(PATH)),
    secret_query="key",  # noqa: S106 -- the name of the query parameter, not a secret
    titled=False,  # WeCom markdown has no title: write a heading line in the text
    max_text_bytes={TemplateFormat.TEXT: MAX_TEXT_BYTES, TemplateFormat.MARKDOWN: MAX_MARKDOWN_BYTES},
    size_source="WeCom's group-robot guide",
    windows=((PER_MINUTE, 60.0),),
    rate_source="WeCom's group-robot guide",
    build=build,
    parse=parse,
    shape_ok=shape_ok,
    answers={
        Verdict.OK: _answer(0, "ok"),
        Verdict.UNKNOWN_HOOK: _answer(93000, "invalid webhook url"),
        Verdict.TOO_LARGE: _answer(40058, "content exceed max length"),
        Verdict.BAD_BODY: _answer(40008, "invalid message type"),
        Verdict.RATE_LIMITED: _answer(RATE_LIMITED_CODE, "api freq out of limit"),
    },
    read_answer=lambda status, body: read_code(
        status, body, key="errcode", message_key="errmsg", retry=frozenset({RATE_LIMITED_CODE})
    ),
)
