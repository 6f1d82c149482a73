"""DingTalk custom-robot webhooks: signing, the answers a robot gives, and reading a message.

Signing ("加签", https://help.dingtalk.io/open/dingstart/customize-robot-security-settings; research/
alibaba-facts.md §5): the string to sign is `f"{timestamp}\\n{secret}"` with `timestamp` in milliseconds;
HMAC-SHA256 keyed by the `SEC…` secret, Base64, then URL-encoded; `&timestamp=…&sign=…` is appended
to the webhook URL, and the robot refuses timestamps more than one hour from its own clock.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.parse
from typing import Any

MAX_SKEW_MS = 3_600_000
# The webhook's address: https://oapi.dingtalk.com/robot/send?access_token=… (or the .io host).
HOSTS = ("oapi.dingtalk.com", "oapi.dingtalk.io")
PATH = "/robot/send"
# A robot takes 20 messages a minute, then refuses every message for 10 minutes (research §5).
PER_MINUTE = 20
LOCK_SECONDS = 600

# Answers ({"errcode": N, "errmsg": "…"}); the messages are the ones DingTalk is observed to send.
OK = (0, "ok")
SIGN_NOT_MATCH = (310000, "sign not match")
KEYWORDS_NOT_IN_CONTENT = (310000, "keywords not in content")
INVALID_TIMESTAMP = (310000, "invalid timestamp")
SEND_TOO_FAST = (130101, f"send too fast, exceed {PER_MINUTE} times per minute")
# A webhook whose access_token names no robot; observed on the real service (e.g.
# 2lifetop/LightHouse_Automatic_Shutdown#23), though no DingTalk page lists it.
TOKEN_NOT_EXIST = (300001, "token is not exist")
# Not confirmed by a public source (research §5): the emulator's answers for a bad body and for one
# over MAX_MESSAGE_BYTES, the size DingTalk documents for a robot message.
INVALID_MESSAGE = (40035, "invalid message body")
MAX_MESSAGE_BYTES = 20_000
MESSAGE_TOO_LONG = (460101, f"message too long, exceed {MAX_MESSAGE_BYTES} bytes")

MESSAGE_TYPES = ("text", "link", "markdown", "actionCard", "feedCard")


def signature(secret: str, timestamp_ms: int) -> str:
    """Base64 HMAC-SHA256 of `timestamp\\nsecret`, before URL-encoding."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def sign(secret: str, timestamp_ms: int) -> str:
    """The `sign` query value, URL-encoded as DingTalk documents (`quote_plus`)."""
    return urllib.parse.quote_plus(signature(secret, timestamp_ms))


def signed_url(webhook: str, secret: str, timestamp_ms: int) -> str:
    joiner = "&" if urllib.parse.urlsplit(webhook).query else "?"
    return f"{webhook}{joiner}timestamp={timestamp_ms}&sign={sign(secret, timestamp_ms)}"


def check_signature(
    secret: str, timestamp: str | None, sign_value: str | None, now_ms: int
) -> tuple[int, str]:
    """The robot's verdict on a request's (already URL-decoded) `timestamp` and `sign`."""
    if not timestamp or not timestamp.isdigit():
        return INVALID_TIMESTAMP if timestamp else SIGN_NOT_MATCH
    ts = int(timestamp)
    if abs(now_ms - ts) > MAX_SKEW_MS:
        return INVALID_TIMESTAMP
    if not sign_value or not hmac.compare_digest(signature(secret, ts), sign_value):
        return SIGN_NOT_MATCH
    return OK


def parse_message(body: bytes | str) -> dict[str, Any] | None:
    """The message object, or None when the body is not a robot message."""
    try:
        message = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    if not isinstance(message, dict) or message.get("msgtype") not in MESSAGE_TYPES:
        return None
    return message


def message_texts(message: dict[str, Any]) -> list[str]:
    """Every string a group member would see (keywords are searched here)."""
    texts: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(message.get(message["msgtype"]))
    return texts


def redact_url(url: str) -> str:
    """The webhook with its `access_token` (and any `sign`) hidden, for output and logs."""
    parts = urllib.parse.urlsplit(url)
    if not parts.query:
        return url
    query = [
        (key, "***" if key in ("access_token", "sign") and not value.startswith("${env:") else value)
        for key, value in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    ]
    rebuilt = "&".join(f"{key}={value}" for key, value in query)
    return urllib.parse.urlunsplit(parts._replace(query=rebuilt))
