"""Sending rendered deliveries to real endpoints, with EventBridge's retry strategies on the emulator clock.

Only loopback hosts (`localhost`, 127.0.0.0/8, ::1) are contacted unless the caller passes
`allow_remote=True`: the emulator and `crnotify test --deliver` must not surprise anyone by posting to a
real DingTalk group or webhook.

Which failures are retried is not documented by Alibaba Cloud; the emulator retries what can succeed
later — a connection error or timeout, HTTP 408/429/5xx, and DingTalk's `130101` (rate limited) — and
gives up at once on answers that will not change (other 4xx, DingTalk security errors).
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import random
import ssl
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from crnotify.clock import Clock
from crnotify.delivery import channels, dingtalk
from crnotify.delivery.push_retry import retry_delays
from crnotify.delivery.transform import Delivery, DingTalkDelivery, HttpDelivery
from crnotify.errors import CrnotifyError

RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504})
_STALE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)


class DeliveryRefused(CrnotifyError):
    """The destination is not allowed (a remote host without `allow_remote`, or not HTTP(S))."""


def check_destination(url: str, *, allow_remote: bool) -> urllib.parse.SplitResult:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DeliveryRefused(f"cannot deliver to {dingtalk.redact_url(url)!r}: not an http(s) URL")
    if allow_remote or is_loopback(parts.hostname):
        return parts
    raise DeliveryRefused(
        f"refusing to deliver to {parts.hostname}: only loopback hosts are contacted",
        hint="pass --allow-remote (allow_remote=True) to send to this endpoint for real",
    )


def is_loopback(host: str) -> bool:
    """`localhost` or a loopback address: the only hosts contacted unless remote is allowed."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def to_robot(delivery: Delivery, robot: str | None) -> Delivery:
    """A DingTalk delivery sent to `robot` (`http://127.0.0.1:8090`, a `crnotify emulator dingtalk`)
    instead of its webhook's host: path, access token and signing unchanged. Others are unchanged."""
    if robot is None or not isinstance(delivery, DingTalkDelivery):
        return delivery
    parts, base = urllib.parse.urlsplit(delivery.webhook), urllib.parse.urlsplit(robot)
    webhook = urllib.parse.urlunsplit((base.scheme, base.netloc, parts.path, parts.query, ""))
    return replace(delivery, webhook=webhook)


def to_channel_robot(delivery: Delivery, robot: str | None) -> Delivery:
    """A chat channel's delivery (Lark, WeCom, Slack, Teams) sent to `robot` (`crnotify emulator
    robot`'s http://127.0.0.1:PORT) instead of the channel's host: path and query unchanged, so the
    robot reads the same credential. Others are unchanged."""
    if robot is None or not isinstance(delivery, HttpDelivery):
        return delivery
    channel = channels.for_url(delivery.url)
    if channel is None or not channel.answers:
        return delivery
    parts, base = urllib.parse.urlsplit(delivery.url), urllib.parse.urlsplit(robot)
    url = urllib.parse.urlunsplit((base.scheme, base.netloc, parts.path, parts.query, ""))
    return replace(delivery, url=url, channel=channel.name)


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    body: bytes


class HttpSender:
    """POSTs over kept-alive connections, one set per thread (http.client connections are not shared)."""

    def __init__(
        self, *, timeout: float = 10.0, allow_remote: bool = False, ssl_context: ssl.SSLContext | None = None
    ) -> None:
        self.timeout = timeout
        self.allow_remote = allow_remote
        self._ssl_context = ssl_context
        self._local = threading.local()
        self._all: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    def _pool(self) -> dict[tuple[str, str, int | None], http.client.HTTPConnection]:
        pool = getattr(self._local, "pool", None)
        if pool is None:
            pool = self._local.pool = {}
        return pool

    def _connect(self, parts: urllib.parse.SplitResult) -> http.client.HTTPConnection:
        host, port = parts.hostname or "", parts.port
        conn: http.client.HTTPConnection
        if parts.scheme == "https":
            context = self._ssl_context or ssl.create_default_context()
            conn = http.client.HTTPSConnection(host, port, timeout=self.timeout, context=context)
        else:
            conn = http.client.HTTPConnection(host, port, timeout=self.timeout)
        with self._lock:
            self._all.append(conn)
        return conn

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> Response:
        parts = check_destination(url, allow_remote=self.allow_remote)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        key = (parts.scheme, parts.hostname or "", parts.port)
        pool = self._pool()
        while True:
            conn = pool.pop(key, None)
            reused = conn is not None
            conn = conn or self._connect(parts)
            try:
                conn.request("POST", path, body=body, headers=dict(headers))
                response = conn.getresponse()
                data = response.read()
            except _STALE:
                conn.close()
                if reused:  # the server closed an idle kept-alive connection: reconnect once
                    continue
                raise
            except BaseException:
                conn.close()
                raise
            if response.will_close:
                conn.close()
            else:
                pool[key] = conn
            return Response(response.status, data)

    def close(self) -> None:
        with self._lock:
            connections, self._all = self._all, []
        for conn in connections:
            conn.close()


@dataclass(frozen=True, slots=True)
class Attempt:
    at: float  # emulator-clock time the attempt started
    ok: bool
    retryable: bool
    detail: str  # `HTTP 200`, `errcode 130101: send too fast…`, `ConnectionRefusedError: …`
    latency_ms: int


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    target_id: str
    endpoint: str  # redacted: no DingTalk access token
    attempts: tuple[Attempt, ...]

    @property
    def ok(self) -> bool:
        return bool(self.attempts) and self.attempts[-1].ok


def send_once(delivery: Delivery, sender: HttpSender, clock: Clock) -> Attempt:
    """One POST of `delivery`; never raises for a failed send (except a refused destination)."""
    at = clock.now()
    if isinstance(delivery, DingTalkDelivery):
        url = delivery.webhook
        if delivery.secret:
            url = dingtalk.signed_url(url, delivery.secret, int(at * 1000))
        headers: Mapping[str, str] = {"content-type": "application/json; charset=utf-8"}
    else:
        url, headers = delivery.url, dict(delivery.headers)
    check_destination(url, allow_remote=sender.allow_remote)
    started = time.perf_counter()
    try:
        response = sender.post(url, delivery.body.encode(), headers)
    except (OSError, http.client.HTTPException) as exc:
        latency = round((time.perf_counter() - started) * 1000)
        return Attempt(
            at=at, ok=False, retryable=True, detail=f"{type(exc).__name__}: {exc}", latency_ms=latency
        )
    latency = round((time.perf_counter() - started) * 1000)
    if isinstance(delivery, DingTalkDelivery) and response.status == 200:
        return _dingtalk_attempt(at, response.body, latency)
    channel = _channel_of(delivery)
    if channel is not None and channel.read_answer is not None:  # its own answers (delivery/<channel>.py)
        outcome = channel.read_answer(response.status, response.body)
        return Attempt(
            at=at, ok=outcome.ok, retryable=outcome.retryable, detail=outcome.detail, latency_ms=latency
        )
    ok = 200 <= response.status < 300
    retryable = response.status in RETRYABLE_STATUS
    return Attempt(at=at, ok=ok, retryable=retryable, detail=f"HTTP {response.status}", latency_ms=latency)


def _dingtalk_attempt(at: float, body: bytes, latency: int) -> Attempt:
    try:
        answer = json.loads(body)
        errcode, errmsg = int(answer["errcode"]), str(answer.get("errmsg", ""))
    except (ValueError, KeyError, TypeError):
        return Attempt(at=at, ok=False, retryable=True, detail="not a DingTalk answer", latency_ms=latency)
    return Attempt(
        at=at,
        ok=errcode == 0,
        retryable=(errcode, errmsg) == dingtalk.SEND_TOO_FAST,
        detail=f"errcode {errcode}: {errmsg}",
        latency_ms=latency,
    )


def _channel_of(delivery: Delivery) -> channels.Channel | None:
    if not isinstance(delivery, HttpDelivery):
        return None
    return channels.get(delivery.channel) if delivery.channel else channels.for_url(delivery.url)


def endpoint_of(delivery: Delivery) -> str:
    url = delivery.webhook if isinstance(delivery, DingTalkDelivery) else delivery.url
    channel = _channel_of(delivery)
    return channels.redact_url(channel.redact(url) if channel is not None else url)


def deliver(
    delivery: Delivery,
    *,
    sender: HttpSender,
    clock: Clock,
    strategy: str | None,
    rng: random.Random,
    on_attempt: Callable[[Attempt], None] | None = None,
) -> DeliveryResult:
    """Send, then retry per `strategy`, sleeping on `clock` between attempts."""
    attempts = [send_once(delivery, sender, clock)]
    if on_attempt is not None:
        on_attempt(attempts[-1])
    for delay in retry_delays(strategy, rng):
        if attempts[-1].ok or not attempts[-1].retryable:
            break
        clock.sleep(delay)
        attempts.append(send_once(delivery, sender, clock))
        if on_attempt is not None:
            on_attempt(attempts[-1])
    return DeliveryResult(
        target_id=delivery.target_id, endpoint=endpoint_of(delivery), attempts=tuple(attempts)
    )
