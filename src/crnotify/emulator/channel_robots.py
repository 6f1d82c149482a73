"""Local chat robots for Lark, WeCom, Slack and Teams: one server, each channel on its real webhook path.

`POST /open-apis/bot/v2/hook/<token>` is a Lark bot, `/cgi-bin/webhook/send?key=<key>` a WeCom robot,
`/services/T…/B…/<secret>` a Slack webhook, `/workflows/<id>/triggers/manual/paths/invoke?…&sig=…` a
Teams workflow — so `crnotify test --deliver --robot URL` keeps each message's path and query and only
swaps the host. `ChannelRobots` decides (robot, size, shape, keywords, rate limit — in that order, so
only a message that would be posted counts towards the limit) and records each request; the answers
are each channel's own (`delivery/<channel>.py`, `Channel.answers`). `GET /_received` lists them.

Bounded like the DingTalk robot: a body over the channel's size (or MAX_BODY_BYTES) is refused
without being held, and the history is a ring of the last `history` requests.
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
from crnotify.delivery import channels
from crnotify.delivery.channels import Answer, Channel, Verdict
from crnotify.delivery.ratelimit import RateLimiter, of_channel
from crnotify.emulator import http_guard

RECEIVED_PATH = "/_received"
MAX_BODY_BYTES = 64 * 1024  # above every channel's own limit: those are answered in its own words
MAX_DRAINED_BYTES = 1 << 20
DEFAULT_HISTORY = 1000
REJECTED_PREVIEW = 200


@dataclass(frozen=True, slots=True)
class Received:
    at: float
    kind: str
    hook: str
    verdict: str
    status: int
    body: str  # in full when accepted; the first REJECTED_PREVIEW characters when rejected
    size: int

    @property
    def accepted(self) -> bool:
        return self.verdict == Verdict.OK


class ChannelRobots:
    """The robots of the `kinds` served. `hooks=None` accepts any credential (each one is a robot);
    `keywords` applies to channels that offer keyword security (Lark)."""

    def __init__(
        self,
        *,
        clock: Clock,
        kinds: Collection[str] = channels.ROBOT_KINDS,
        keywords: Collection[str] = (),
        hooks: Collection[str] | None = None,
        history: int = DEFAULT_HISTORY,
    ) -> None:
        if history < 1:
            raise ValueError(f"history must be at least 1, not {history}")
        unknown = sorted(set(kinds) - set(channels.ROBOT_KINDS))
        if unknown:
            raise ValueError(
                f"no local robot for {', '.join(unknown)} (one of {', '.join(channels.ROBOT_KINDS)})"
            )
        self.clock = clock
        self.kinds = tuple(kinds)
        self.keywords = tuple(keywords)
        self.hooks = None if hooks is None else frozenset(hooks)
        # One limiter per channel, from its own facts: the same `ratelimit.admit` replay decides with.
        self._limiters = {
            kind: RateLimiter(limits)
            for kind in self.kinds
            if (limits := of_channel(channels.get(kind))) is not None
        }
        self._received: deque[Received] = deque(maxlen=history)
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def route(self, path: str, query: dict[str, str]) -> tuple[Channel, str | None] | None:
        """The channel a request path is for, and the robot (credential) it names."""
        for kind in self.kinds:
            channel = channels.get(kind)
            if channel.path is not None and channel.path.fullmatch(path):
                return channel, channel.robot_id(path, query)
        return None

    def receive(self, channel: Channel, hook: str | None, body: bytes, *, size: int | None = None) -> Answer:
        """The answer to one request; `size` set (and `body` empty) when the body was too large to read."""
        now = self.clock.now()
        with self._lock:
            verdict = self._decide(channel, hook, body, size, now)
        answer = channel.answers[verdict]
        text = body.decode("utf-8", "replace")
        self._record(
            Received(
                at=now,
                kind=channel.name,
                hook=hook or "",
                verdict=verdict.value,
                status=answer.status,
                body=text if verdict is Verdict.OK else text[:REJECTED_PREVIEW],
                size=len(body) if size is None else size,
            )
        )
        return answer

    def _decide(
        self, channel: Channel, hook: str | None, body: bytes, size: int | None, now: float
    ) -> Verdict:
        if not hook or (self.hooks is not None and hook not in self.hooks):
            return Verdict.UNKNOWN_HOOK
        limit = channel.max_body_bytes or MAX_BODY_BYTES
        if size is not None or len(body) > limit:
            return Verdict.TOO_LARGE
        try:
            message = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return Verdict.BAD_BODY
        if not channel.shape_ok(message):
            return Verdict.BAD_BODY
        form = channel.parse(message)
        if form is not None:
            fmt, text, _ = form
            text_limit = channel.max_text_bytes.get(fmt)
            measured = len(text) if channel.text_unit == "characters" else len(text.encode())
            if text_limit is not None and measured > text_limit:
                return Verdict.TOO_LARGE
        if channel.keywords and self.keywords:
            texts = channels.shown_texts(message)
            if not any(keyword in text for keyword in self.keywords for text in texts):
                return Verdict.KEYWORD
        limiter = self._limiters.get(channel.name)
        if limiter is not None and not limiter.admit(hook, now).allowed:
            return Verdict.RATE_LIMITED
        return Verdict.OK

    def _record(self, entry: Received) -> None:
        with self._lock:
            if len(self._received) == self._received.maxlen:
                self._counts["evicted"] += 1
            self._received.append(entry)
            self._counts["accepted" if entry.accepted else "rejected"] += 1

    def received(self, *, accepted_only: bool = False) -> list[Received]:
        with self._lock:
            return [m for m in self._received if m.accepted or not accepted_only]

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {
                "accepted": self._counts["accepted"],
                "rejected": self._counts["rejected"],
                "evicted": self._counts["evicted"],
                "stored": len(self._received),
            }


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30
    server: _Server

    def do_POST(self) -> None:
        parts = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
        robots = self.server.robots
        routed = robots.route(parts.path, query)
        try:
            body = http_guard.read_body(
                self, limit=MAX_BODY_BYTES, drain_limit=MAX_DRAINED_BYTES, required=True
            )
        except http_guard.BodyRefused as exc:
            if exc.too_large and routed is not None:
                channel, hook = routed
                self._answer(robots.receive(channel, hook, b"", size=int(self.headers["Content-Length"])))
            else:
                self._json(exc.http_status, {"error": exc.reason})
            return
        if routed is None:
            self._json(404, {"error": f"no robot at {parts.path}"})
            return
        channel, hook = routed
        self._answer(robots.receive(channel, hook, body))

    def do_GET(self) -> None:
        if urllib.parse.urlsplit(self.path).path != RECEIVED_PATH:
            self._json(404, {"error": "not found"})
            return
        robots = self.server.robots
        self._json(200, {"received": [asdict(m) for m in robots.received()], "stats": robots.stats()})

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        self.close_connection = True
        self._json(code, {"error": message or "bad request"})

    def _json(self, status: int, payload: object) -> None:
        self._answer(Answer(status=status, body=json.dumps(payload, ensure_ascii=False)))

    def _answer(self, answer: Answer) -> None:
        data = answer.body.encode()
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in answer.headers:
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # stdlib signature
        """Quiet: paths and queries carry the webhooks' credentials."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], robots: ChannelRobots) -> None:
        super().__init__(address, _Handler)
        self.robots = robots


class RobotServer(http_guard.LocalServer):
    """The HTTP wire around `ChannelRobots`; `port=0` picks a free port; loopback unless `allow_remote`."""

    def __init__(
        self, robots: ChannelRobots, *, host: str = "127.0.0.1", port: int = 0, allow_remote: bool = False
    ) -> None:
        http_guard.require_loopback(
            host,
            allow_remote=allow_remote,
            what="the chat robots",
            why="anyone who can reach them may post messages and read every one received",
            hint="bind 127.0.0.1, or pass --allow-remote",
        )
        self.robots = robots
        super().__init__(_Server((host, port), robots), "robots")

    def webhook(self, kind: str, hook: str) -> str:
        """A webhook URL of `kind` on this server, naming robot `hook`."""
        channel = channels.get(kind)
        example = urllib.parse.urlsplit(channel.example_url)
        if channel.secret_query is not None:
            query = urllib.parse.parse_qsl(example.query, keep_blank_values=True)
            text = "&".join(f"{k}={hook if k == channel.secret_query else v}" for k, v in query)
            return f"{self.url}{example.path}?{text}"
        return f"{self.url}{example.path.rsplit('/', 1)[0]}/{hook}"

    def start(self) -> RobotServer:
        self._start()
        return self


@contextmanager
def running(robots: ChannelRobots, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[RobotServer]:
    server = RobotServer(robots, host=host, port=port).start()
    try:
        yield server
    finally:
        server.stop()
