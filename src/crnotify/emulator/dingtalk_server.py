"""A local DingTalk custom robot: `POST /robot/send?access_token=…[&timestamp=…&sign=…]`.

`DingTalkRobots` decides (token, signature, message, keywords, rate limit — in that order, so only a
message that would be posted counts towards the limit) and records every request; `DingTalkServer`
is the HTTP wire around it (stdlib `ThreadingHTTPServer`). Answers are always HTTP 200 with
`{"errcode": N, "errmsg": "…"}`, as DingTalk does. `GET /_received` returns what was received.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from crnotify.clock import Clock
from crnotify.delivery import dingtalk
from crnotify.delivery.ratelimit import DEFAULT_LIMITS, Limits, RateLimiter

SEND_PATH = "/robot/send"
RECEIVED_PATH = "/_received"


@dataclass(frozen=True, slots=True)
class ReceivedMessage:
    at: float
    access_token: str
    errcode: int
    errmsg: str
    body: str
    message: dict[str, Any] | None

    @property
    def accepted(self) -> bool:
        return self.errcode == 0


class DingTalkRobots:
    """Every robot of one emulated DingTalk: same signing secret and keywords, one limit per token.

    `access_tokens=None` accepts any token (each one is a robot); `secret=None` turns signing off.
    """

    def __init__(
        self,
        *,
        clock: Clock,
        secret: str | None = None,
        keywords: Collection[str] = (),
        access_tokens: Collection[str] | None = None,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self.clock = clock
        self._secret = secret
        self.keywords = tuple(keywords)
        self.access_tokens = None if access_tokens is None else frozenset(access_tokens)
        self.limiter = RateLimiter(limits)
        self._received: list[ReceivedMessage] = []
        self._lock = threading.Lock()

    def receive(
        self, *, access_token: str | None, timestamp: str | None, sign: str | None, body: bytes
    ) -> tuple[int, str]:
        now = self.clock.now()
        message = dingtalk.parse_message(body)
        verdict = self._decide(access_token, timestamp, sign, message, now)
        with self._lock:
            self._received.append(
                ReceivedMessage(
                    at=now,
                    access_token=access_token or "",
                    errcode=verdict[0],
                    errmsg=verdict[1],
                    body=body.decode("utf-8", "replace"),
                    message=message,
                )
            )
        return verdict

    def _decide(
        self,
        access_token: str | None,
        timestamp: str | None,
        sign: str | None,
        message: dict[str, Any] | None,
        now: float,
    ) -> tuple[int, str]:
        if not access_token or (self.access_tokens is not None and access_token not in self.access_tokens):
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

    def received(self, *, accepted_only: bool = False) -> list[ReceivedMessage]:
        with self._lock:
            return [m for m in self._received if m.accepted or not accepted_only]

    def clear(self) -> None:
        with self._lock:
            self._received.clear()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_POST(self) -> None:
        parts = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if parts.path != SEND_PATH:
            self._reply(404, {"errcode": 404, "errmsg": f"no such path {parts.path}"})
            return
        query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
        errcode, errmsg = self.server.robots.receive(
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
        received = [asdict(m) for m in self.server.robots.received()]
        self._reply(200, {"received": received})

    def _reply(self, status: int, payload: object) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # stdlib signature
        """Quiet: the query string carries the access token and signature."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], robots: DingTalkRobots) -> None:
        super().__init__(address, _Handler)
        self.robots = robots


class DingTalkServer:
    """The HTTP wire around `DingTalkRobots`; `port=0` picks a free port."""

    def __init__(self, robots: DingTalkRobots, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.robots = robots
        self._server = _Server((host, port), robots)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def webhook(self, access_token: str) -> str:
        return f"{self.url}{SEND_PATH}?access_token={urllib.parse.quote(access_token)}"

    def start(self) -> DingTalkServer:
        # A short poll interval makes `stop` quick; the cost is one select() wake-up every 50 ms.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="dingtalk", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()


@contextmanager
def running(robots: DingTalkRobots, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[DingTalkServer]:
    server = DingTalkServer(robots, host=host, port=port).start()
    try:
        yield server
    finally:
        server.stop()
