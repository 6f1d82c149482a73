"""Routing one event through a bus's rules to their targets, leaving EventBridge's traces behind.

For each event: a `PutEvent` trace when it reaches the bus; per enabled rule whose pattern matches, a
`FilterEvent` trace; per target of that rule, one `PushEvent` trace per delivery attempt (so retries are
visible), with the endpoint (access token redacted), the status and the latency. This is the order the
EventBridge trace API lists them in (QueryEventTraces `Action`: PutEvent, FilterEvent, PushEvent).

The dispatcher depends on two small protocols rather than on the emulator's state: a `TraceSink` (the
emulator state's `record_trace`) and a `Matcher` (a compiled `crnotify.patterns` pattern).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from crnotify.clock import Clock
from crnotify.delivery.dingtalk import redact_url
from crnotify.delivery.send import (
    Attempt,
    DeliveryRefused,
    DeliveryResult,
    HttpSender,
    deliver,
    endpoint_of,
    to_channel_robot,
    to_robot,
)
from crnotify.delivery.transform import TransformError, render_target
from crnotify.model import Target

TraceAction = Literal["PutEvent", "FilterEvent", "PushEvent"]
NOTIFY_SUCCESS = "Success"
NOTIFY_FAILED = "Failed"


def failed_status(detail: str) -> str:
    """A failed push's `NotifyStatus`: `Failed: ` and the target's own answer (`HTTP 500`,
    `errcode 130101: send too fast…`, `TimeoutError: timed out`), as the trace API's documented
    `[500]Internal Server Error` form carries the endpoint's answer; what `crnotify health` reads."""
    return f"{NOTIFY_FAILED}: {detail}" if detail else NOTIFY_FAILED


class TraceSink(Protocol):
    def record_trace(
        self,
        account: str,
        region: str,
        *,
        bus: str,
        event_id: str,
        event_source: str,
        action: TraceAction,
        rule_name: str | None = None,
        endpoint: str | None = None,
        notify_status: str | None = None,
        notify_latency_ms: int | None = None,
        at: float,
    ) -> None: ...


class Matcher(Protocol):
    def matches(self, event: Mapping[str, Any]) -> bool: ...


@dataclass(frozen=True, slots=True)
class Route:
    """A bus rule as the dispatcher needs it: a compiled pattern and the targets."""

    name: str
    matcher: Matcher
    targets: tuple[Target, ...]
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class TargetOutcome:
    rule_name: str
    target_id: str
    result: DeliveryResult | None  # None when the target could not be rendered or was refused
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.result is not None and self.result.ok


@dataclass(frozen=True, slots=True)
class DispatchResult:
    event_id: str
    matched: tuple[str, ...]
    outcomes: tuple[TargetOutcome, ...]


@dataclass(frozen=True, slots=True)
class _Where:
    account: str
    region: str
    bus: str


class Dispatcher:
    """Deliver events for one account and region. `seed` makes retry delays reproducible."""

    def __init__(
        self,
        *,
        clock: Clock,
        traces: TraceSink | None = None,
        sender: HttpSender | None = None,
        allow_remote: bool = False,
        seed: int | None = None,
        dingtalk_robot: str | None = None,
        channel_robot: str | None = None,
    ) -> None:
        self.clock = clock
        self.dingtalk_robot = dingtalk_robot  # DingTalk messages go there (see delivery.to_robot)
        # Lark, WeCom, Slack and Teams messages go there, on their channel's real path (to_channel_robot):
        # `crnotify emulator robot`. A generic webhook's host is the user's own and is never rerouted.
        self.channel_robot = channel_robot
        self.traces = traces
        self.sender = sender or HttpSender(allow_remote=allow_remote)
        self._rng = random.Random(seed)
        self._rng_lock = threading.Lock()

    def _trace(self, where: _Where, event: Mapping[str, Any], **fields: Any) -> None:
        if self.traces is not None:
            self.traces.record_trace(
                where.account,
                where.region,
                bus=where.bus,
                event_id=str(event.get("id", "")),
                event_source=str(event.get("source", "")),
                **fields,
            )

    def dispatch(
        self,
        account: str,
        region: str,
        bus: str,
        event: Mapping[str, Any],
        routes: Iterable[Route],
        *,
        put_traced: bool = False,
    ) -> DispatchResult:
        """Route `event`; `put_traced=True` when the caller (the emulator's PutEvents) has already
        recorded its PutEvent trace."""
        where = _Where(account, region, bus)
        if not put_traced:
            self._trace(where, event, action="PutEvent", at=self.clock.now())
        matched: list[Route] = []
        for route in routes:
            if route.enabled and route.matcher.matches(event):
                matched.append(route)
                self._trace(where, event, action="FilterEvent", rule_name=route.name, at=self.clock.now())
        outcomes = [
            self._push(where, event, route.name, target) for route in matched for target in route.targets
        ]
        return DispatchResult(
            event_id=str(event.get("id", "")),
            matched=tuple(route.name for route in matched),
            outcomes=tuple(outcomes),
        )

    def _push(self, where: _Where, event: Mapping[str, Any], rule: str, target: Target) -> TargetOutcome:
        def trace_attempt(endpoint: str, attempt: Attempt) -> None:
            self._trace(
                where,
                event,
                action="PushEvent",
                rule_name=rule,
                endpoint=endpoint,
                notify_status=NOTIFY_SUCCESS if attempt.ok else failed_status(attempt.detail),
                notify_latency_ms=attempt.latency_ms,
                at=attempt.at,
            )

        try:
            delivery = to_channel_robot(
                to_robot(render_target(target, event), self.dingtalk_robot), self.channel_robot
            )
            endpoint = endpoint_of(delivery)
            with self._rng_lock:
                rng = random.Random(self._rng.getrandbits(64))
            result = deliver(
                delivery,
                sender=self.sender,
                clock=self.clock,
                strategy=target.retry_strategy,
                rng=rng,
                on_attempt=lambda attempt: trace_attempt(endpoint, attempt),
            )
        except (TransformError, DeliveryRefused) as exc:
            trace_attempt(redact_url(target.endpoint), Attempt(self.clock.now(), False, False, str(exc), 0))
            return TargetOutcome(rule_name=rule, target_id=target.id, result=None, error=exc.message)
        return TargetOutcome(rule_name=rule, target_id=target.id, result=result)

    def close(self) -> None:
        self.sender.close()
