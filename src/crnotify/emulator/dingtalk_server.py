"""A local DingTalk custom robot: `POST /robot/send?access_token=…[&timestamp=…&sign=…]`.

`DingTalkRobots` decides (token, signature, message, keywords, rate limit — in that order, so only a
message that would be posted counts towards the limit) and records each request; `DingTalkServer`
is the HTTP wire around it (stdlib `ThreadingHTTPServer`). Verdicts are HTTP 200 with `{"errcode": N,
"errmsg": "…"}`, as DingTalk answers. `GET /_received` returns what was received, with counts.

Bounded, like the emulated cloud (`crnotify.emulator.http_guard`): a body over MAX_MESSAGE_BYTES
(DingTalk's documented message size) is refused with 413 and errcode 460101 without being held in
memory; a missing, non-numeric or negative `Content-Length` is a 400 in the same JSON shape; the
history is a ring of the last `history` requests (DEFAULT_HISTORY), in which only accepted messages
keep their body in full, a rejected one only its first REJECTED_PREVIEW characters.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections import Counter, deque
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from crnotify.clock import Clock
from crnotify.delivery import dingtalk
from crnotify.delivery.ratelimit import DEFAULT_LIMITS, Limits, RateLimiter
from crnotify.emulator import http_guard

SEND_PATH = "/robot/send"
RECEIVED_PATH = "/_received"
MAX_MESSAGE_BYTES = dingtalk.MAX_MESSAGE_BYTES
# An oversized body up to this size is read and dropped so the sender gets the answer, not a reset.
MAX_DRAINED_BYTES = 1 << 20
# 1,000 requests of at most 20,000 bytes: the history stays under ~20 MB of bodies whatever is sent.
DEFAULT_HISTORY = 1000
REJECTED_PREVIEW = 200


@dataclass(frozen=True, slots=True)
class ReceivedMessage:
    at: float
    access_token: str
    errcode: int
    errmsg: str
    body: str  # in full when accepted; the first REJECTED_PREVIEW characters when rejected
    message: dict[str, Any] | None  # None when rejected
    size: int  # bytes the request declared

    @property
    def accepted(self) -> bool:
        return self.errcode == 0


class DingTalkRobots:
    """Every robot of one emulated DingTalk: same signing secret and keywords, one limit per token.

    `access_tokens=None` accepts any token (each one is a robot) — a convenience for tests in one
    process; `crnotify emulator dingtalk` always names its tokens, as DingTalk knows its robots.
    `secret=None` turns signing off. `history` bounds how many requests are remembered.
    """

    def __init__(
        self,
        *,
        clock: Clock,
        secret: str | None = None,
        keywords: Collection[str] = (),
        access_tokens: Collection[str] | None = None,
        limits: Limits = DEFAULT_LIMITS,
        history: int = DEFAULT_HISTORY,
    ) -> None:
        if history < 1:
            raise ValueError(f"history must be at least 1, not {history}")
        self.clock = clock
        self._secret = secret
        self.keywords = tuple(keywords)
        self.access_tokens = None if access_tokens is None else frozenset(access_tokens)
        self.limiter = RateLimiter(limits)
        self._received: deque[ReceivedMessage] = deque(maxlen=history)
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def receive(
        self, *, access_token: str | None, timestamp: str | None, sign: str | None, body: bytes
    ) -> tuple[int, str]:
        now = self.clock.now()
        message = dingtalk.parse_message(body)
        verdict = self._decide(access_token, timestamp, sign, message, now)
        text = body.decode("utf-8", "replace")
        accepted = verdict == dingtalk.OK
        self._record(
            ReceivedMessage(
                at=now,
                access_token=access_token or "",
                errcode=verdict[0],
                errmsg=verdict[1],
                body=text if accepted else text[:REJECTED_PREVIEW],
                message=message if accepted else None,
                size=len(body),
            )
        )
        return verdict

    def refuse_oversized(self, *, access_token: str | None, size: int) -> tuple[int, str]:
        """The verdict on a body over MAX_MESSAGE_BYTES, which was never read: an unknown token
        first (as for any request), else 460101. Counted and remembered without a body."""
        verdict = dingtalk.MESSAGE_TOO_LONG if self._knows(access_token) else dingtalk.TOKEN_NOT_EXIST
        self._record(
            ReceivedMessage(
                at=self.clock.now(),
                access_token=access_token or "",
                errcode=verdict[0],
                errmsg=verdict[1],
                body="",
                message=None,
                size=size,
            )
        )
        return verdict

    def _knows(self, access_token: str | None) -> bool:
        return bool(access_token) and (self.access_tokens is None or access_token in self.access_tokens)

    def _decide(
        self,
        access_token: str | None,
        timestamp: str | None,
        sign: str | None,
        message: dict[str, Any] | None,
        now: float,
    ) -> tuple[int, str]:
        if not access_token or not self._knows(access_token):
            return dingtalk.TOKEN_NOT_EXIST
        if self._secret is not None:
            verdict = dingtalk.check_signature(self._secret, timestamp, sign, int(now * 1000))
            if verdict != dingtalk.OK:
                return verdict
        if message is None:
            return dingtalk.INVALID_MESSAGE
        if self.keywords:
            texts = dingtalk.message_texts(message)
            if not any(keyword in text for keyword in self.keywords for text in texts):
                return dingtalk.KEYWORDS_NOT_IN_CONTENT
        if not self.limiter.admit(access_token, now).allowed:
            return dingtalk.SEND_TOO_FAST
        return dingtalk.OK

    def _record(self, entry: ReceivedMessage) -> None:
        with self._lock:
            if len(self._received) == self._received.maxlen:
                self._counts["evicted"] += 1
            self._received.append(entry)
            self._counts["accepted" if entry.accepted else "rejected"] += 1

    def received(self, *, accepted_only: bool = False) -> list[ReceivedMessage]:
        with self._lock:
            return [m for m in self._received if m.accepted or not accepted_only]

    def stats(self) -> dict[str, int]:
        """Requests accepted and rejected since the start (or `clear`), how many fell out of the
        history, and what the history holds now: entries and characters of body."""
        with self._lock:
            return {
                "accepted": self._counts["accepted"],
                "rejected": self._counts["rejected"],
                "evicted": self._counts["evicted"],
                "stored": len(self._received),
                "stored_body_chars": sum(len(m.body) for m in self._received),
            }

    def clear(self) -> None:
        with self._lock:
            self._received.clear()
            self._counts.clear()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30  # seconds a connection may sit idle or mid-body before it is closed
    server: _Server

    def do_POST(self) -> None:
        parts = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
        robots = self.server.robots
        try:
            body = http_guard.read_body(
                self, limit=MAX_MESSAGE_BYTES, drain_limit=MAX_DRAINED_BYTES, required=True
            )
        except http_guard.BodyRefused as exc:
            if exc.too_large and parts.path == SEND_PATH:
                size = int(self.headers["Content-Length"])
                errcode, errmsg = robots.refuse_oversized(access_token=query.get("access_token"), size=size)
                self._reply(exc.http_status, {"errcode": errcode, "errmsg": errmsg})
            else:
                self._reply(exc.http_status, {"errcode": exc.http_status, "errmsg": exc.reason})
            return
        if parts.path != SEND_PATH:
            self._reply(404, {"errcode": 404, "errmsg": f"no such path {parts.path}"})
            return
        errcode, errmsg = robots.receive(
            access_token=query.get("access_token"),
            timestamp=query.get("timestamp"),
            sign=query.get("sign"),
            body=body,
        )
        self._reply(200, {"errcode": errcode, "errmsg": errmsg})

    def do_GET(self) -> None:
        if urllib.parse.urlsplit(self.path).path != RECEIVED_PATH:
            self._reply(404, {"errcode": 404, "errmsg": "not found"})
            return
        robots = self.server.robots
        received = [asdict(m) for m in robots.received()]
        self._reply(200, {"received": received, "stats": robots.stats()})

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (a request line over 64 KiB, bad headers) in the robot's JSON."""
        self.close_connection = True
        self._reply(code, {"errcode": code, "errmsg": message or "bad request"})

    def _reply(self, status: int, payload: object) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # stdlib signature
        """Quiet: the query string carries the access token and signature."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], robots: DingTalkRobots) -> None:
        super().__init__(address, _Handler)
        self.robots = robots


class DingTalkServer(http_guard.LocalServer):
    """The HTTP wire around `DingTalkRobots`; `port=0` picks a free port. Loopback only unless
    `allow_remote`: the history it serves holds every token and message it received."""

    def __init__(
        self, robots: DingTalkRobots, *, host: str = "127.0.0.1", port: int = 0, allow_remote: bool = False
    ) -> None:
        http_guard.require_loopback(
            host,
            allow_remote=allow_remote,
            what="the DingTalk robot",
            why="anyone who can reach it may post messages and read every one received",
            hint="bind 127.0.0.1, or pass --allow-remote",
        )
        self.robots = robots
        super().__init__(_Server((host, port), robots), "dingtalk")

    def webhook(self, access_token: str) -> str:
        return f"{self.url}{SEND_PATH}?access_token={urllib.parse.quote(access_token)}"

    def start(self) -> DingTalkServer:
        self._start()
        return self


@contextmanager
def running(robots: DingTalkRobots, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[DingTalkServer]:
    server = DingTalkServer(robots, host=host, port=port).start()
    try:
        yield server
    finally:
        server.stop()
