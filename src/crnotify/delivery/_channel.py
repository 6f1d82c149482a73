"""What every chat channel is described by: the shape `delivery/<channel>.py` fills in once.

A channel is an HTTPS webhook whose body is the channel's own JSON. Its module states its facts
(hosts, URL shape, which part of the URL is the secret, size and rate limits, its answers) and two
pure functions: `build` (template vocabulary → body) and `parse` (body → template vocabulary, the
inverse `import` uses). `delivery.channels` is the registry; nothing else names a channel.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from crnotify.model import ENV_REFERENCE, TemplateFormat

Message = dict[str, Any]
# (format, text, title) — the template vocabulary a body is built from and parsed back into.
Form = tuple[TemplateFormat, str, "str | None"]


class Verdict(StrEnum):
    """What a local robot decides about one request, in the order it checks."""

    OK = "ok"
    UNKNOWN_HOOK = "unknown_hook"  # the URL names no robot
    TOO_LARGE = "too_large"
    BAD_BODY = "bad_body"  # not JSON, or not one of the channel's message shapes
    KEYWORD = "keyword"  # keyword security: no keyword in the shown text
    RATE_LIMITED = "rate_limited"


@dataclass(frozen=True, slots=True)
class Answer:
    """What the channel's service answers: HTTP status and body (JSON text, or Slack's plain words)."""

    status: int
    body: str
    content_type: str = "application/json; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Outcome:
    """The sender's reading of an answer."""

    ok: bool
    retryable: bool
    detail: str
    # The channel's own code for the answer, as `detail` starts with it (`code 11232`, `errcode 45009`,
    # `HTTP 429: rate_limited`): what `crnotify health` recognises in a trace's answer.
    code: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Channel:
    name: str  # the `notify:` key
    label: str  # for people: "Lark/Feishu"
    example_url: str  # a URL of the right shape, with its secret as ${env:…}
    hosts: tuple[str, ...]  # exact hosts, or ".suffix" for any subdomain; () = any https host
    path: re.Pattern[str] | None  # the whole path the URL must have
    secret_path: bool = False  # the last path segment is the credential
    secret_query: str | None = None  # this query parameter is the credential
    retired: Callable[[str, str], str | None] = field(default=lambda host, path: None)
    # `json` is the escape hatch: the text is the body, sent as written (e.g. a Lark `post`).
    formats: tuple[TemplateFormat, ...] = (TemplateFormat.TEXT, TemplateFormat.MARKDOWN, TemplateFormat.JSON)
    titled: bool = True  # whether its rich form shows a title
    max_body_bytes: int | None = None  # the whole request body
    max_text_bytes: Mapping[TemplateFormat, int] = field(default_factory=dict)  # the text field alone
    text_unit: str = "bytes"  # how max_text_bytes counts: "bytes" (UTF-8) or "characters"
    size_source: str = ""
    # Rate limits per robot: (messages, seconds) windows; the broad-scope warning and AWS's API
    # destination rate read them, the local robot enforces them.
    windows: tuple[tuple[int, float], ...] = ()
    rate_source: str = ""
    keywords: bool = False  # the service offers keyword security
    signing_refused: str | None = None  # why a per-message signature cannot be honoured
    build: Callable[[TemplateFormat, str, str | None], Message | None]
    parse: Callable[[Any], Form | None]
    # Whether a body is one of the channel's message shapes at all (the local robot's first check).
    shape_ok: Callable[[Any], bool] = field(default=lambda message: False)
    answers: Mapping[Verdict, Answer] = field(default_factory=dict)
    read_answer: Callable[[int, bytes], Outcome] | None = None

    # --- URL facts ---------------------------------------------------------------------------------

    def host_matches(self, host: str | None) -> bool:
        if not host:
            return False
        if not self.hosts:
            return True
        host = host.lower()
        return any(host.endswith(h) if h.startswith(".") else host == h for h in self.hosts)

    def url_problem(self, url: str) -> str | None:
        """Why `url` (as written, secrets possibly `${env:…}`) is not this channel's webhook, or None."""
        parts = urlsplit(url)
        host, path = (parts.hostname or "").lower(), parts.path
        retired = self.retired(host, path)
        if retired is not None:
            return retired
        if parts.scheme != "https":
            return f"a {self.label} webhook is https://, not {parts.scheme or 'a relative URL'}"
        if not self.host_matches(host):
            return (
                f"host {host or '(none)'} is not a {self.label} webhook host ({', '.join(self.shown_hosts)})"
            )
        if self.path is not None and not self.path.fullmatch(path):
            return f"path {path or '/'} is not a {self.label} webhook path"
        if self.secret_query is not None:
            values = [v for k, v in parse_qsl(parts.query, keep_blank_values=True) if k == self.secret_query]
            if len(values) != 1 or not values[0]:
                return f"a {self.label} webhook needs exactly one {self.secret_query}= query parameter"
        return None

    def literal_secret(self, url: str) -> bool:
        """Whether the URL's credential is written in the YAML rather than as `${env:…}`."""
        parts = urlsplit(url)
        if self.secret_path:
            last = parts.path.rstrip("/").rsplit("/", 1)[-1]
            if last and not ENV_REFERENCE.fullmatch(last):
                return True
        if self.secret_query is not None:
            for key, value in parse_qsl(parts.query, keep_blank_values=True):
                if key == self.secret_query and value and not ENV_REFERENCE.fullmatch(value):
                    return True
        return False

    def redact(self, url: str) -> str:
        """The URL with its credential replaced by `***` (unless it is an `${env:…}` reference)."""
        parts = urlsplit(url)
        path, query = parts.path, parts.query
        if self.secret_path and path:
            head, _, last = path.rstrip("/").rpartition("/")
            if last and not last.startswith("${env:"):
                path = f"{head}/***"
        if self.secret_query is not None and query:
            query = "&".join(
                f"{k}={'***' if k == self.secret_query and not v.startswith('${env:') else v}"
                for k, v in parse_qsl(query, keep_blank_values=True)
            )
        return parts._replace(path=path, query=query).geturl()

    def robot_id(self, path: str, query: Mapping[str, str]) -> str | None:
        """Which robot a request to the local robot addresses (its credential), or None."""
        if self.path is None or not self.path.fullmatch(path):
            return None
        if self.secret_query is not None:
            return query.get(self.secret_query) or None
        return path.rstrip("/").rsplit("/", 1)[-1] or None

    @property
    def shown_hosts(self) -> tuple[str, ...]:
        return tuple(f"*{h}" if h.startswith(".") else h for h in self.hosts)

    # --- limits -----------------------------------------------------------------------------------

    @property
    def per_second(self) -> int | None:
        """The highest whole rate per second every window allows (at least 1: AWS's minimum)."""
        if not self.windows:
            return None
        return max(1, int(min(count / seconds for count, seconds in self.windows)))

    def rate_text(self) -> str:
        return " and ".join(f"{count} a {_per(seconds)}" for count, seconds in self.windows)

    # --- bodies -----------------------------------------------------------------------------------

    def body(self, fmt: TemplateFormat, text: str, title: str | None) -> str:
        message = self.build(fmt, text, title)
        if message is None:
            return text  # json: the text is the body
        return json.dumps(message, ensure_ascii=False)

    def template_of(self, body: str) -> Form | None:
        try:
            message = json.loads(body)
        except ValueError:
            return None
        return self.parse(message)


def _per(seconds: float) -> str:
    return {1.0: "second", 60.0: "minute", 3600.0: "hour"}.get(float(seconds), f"{seconds:g} seconds")


def shown_texts(message: Any) -> list[str]:
    """Every string value of a message (keyword security searches these)."""
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

    walk(message)
    return texts


def json_answer(status: int, payload: Mapping[str, Any], *headers: tuple[str, str]) -> Answer:
    return Answer(status=status, body=json.dumps(payload, ensure_ascii=False), headers=tuple(headers))


def read_code(status: int, body: bytes, *, key: str, message_key: str, retry: frozenset[int]) -> Outcome:
    """An answer of the `{"<key>": N, "<message_key>": "…"}` kind (Lark, WeCom)."""
    try:
        answer = json.loads(body)
        code, text = int(answer[key]), str(answer.get(message_key, ""))
    except (ValueError, KeyError, TypeError):
        return Outcome(ok=False, retryable=status >= 500, detail=f"HTTP {status}: not a robot answer")
    return Outcome(
        ok=status == 200 and code == 0,
        retryable=code in retry,
        detail=f"{key} {code}: {text}",
        code=f"{key} {code}",
    )


def dig(message: Any, *keys: str | int) -> Any:
    """message[k1][k2]…, or None where a step is missing or of the wrong kind."""
    value = message
    for key in keys:
        if isinstance(key, int):
            if not isinstance(value, list) or len(value) <= key:
                return None
        elif not isinstance(value, dict):
            return None
        value = value[key] if isinstance(key, int) else value.get(key)
    return value
