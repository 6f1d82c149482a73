"""The emulator server's `on_events` hook: PutEvents → matching bus rules → real deliveries → traces.

The server calls the hook after PutEvents has stored the events and their PutEvent traces. The hook
reads the bus's rules from the state, compiles each pattern once (cached by its text), and hands every
event to a `Dispatcher`, which records FilterEvent/PushEvent traces back into the state.

With `background=True` (what `crnotify emulator serve` wants: BACKOFF_RETRY sleeps 10–20 s on a real
clock) deliveries run on one worker thread, in order, and PutEvents answers at once; `drain()` waits for
them. Tests on a ManualClock use the default, synchronous mode.
"""

from __future__ import annotations

import functools
import json
import logging
import queue
import threading
from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from crnotify.clock import Clock
from crnotify.delivery.send import HttpSender
from crnotify.emulator.bus_router import Dispatcher, DispatchResult, Route, TraceSink
from crnotify.model import BusRule
from crnotify.patterns import CompiledPattern, InvalidPatternError, compile_pattern

log = logging.getLogger(__name__)


class BusRuleRecord(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def pattern(self) -> str: ...

    @property
    def enabled(self) -> bool: ...

    def to_bus_rule(self) -> BusRule: ...


class RuleSource(TraceSink, Protocol):
    """What the hook needs of the emulator state."""

    def all_rules(self, account: str, region: str, *, bus: str) -> Sequence[BusRuleRecord]: ...


class BusRefLike(Protocol):
    @property
    def account(self) -> str: ...

    @property
    def region(self) -> str: ...

    @property
    def name(self) -> str: ...


@functools.lru_cache(maxsize=1024)
def _compiled(pattern: str) -> CompiledPattern | None:
    try:
        return compile_pattern(json.loads(pattern), dialect="alibaba")
    except (ValueError, InvalidPatternError):
        return None  # the state validated it on write; an unreadable pattern matches nothing


class DeliveryHook:
    def __init__(
        self,
        state: RuleSource,
        *,
        clock: Clock,
        sender: HttpSender | None = None,
        allow_remote: bool = False,
        seed: int | None = None,
        background: bool = False,
        dingtalk_robot: str | None = None,
        channel_robot: str | None = None,
    ) -> None:
        self.state = state
        self.dispatcher = Dispatcher(
            clock=clock,
            traces=state,
            sender=sender,
            allow_remote=allow_remote,
            seed=seed,
            dingtalk_robot=dingtalk_robot,
            channel_robot=channel_robot,
        )
        self.results: deque[DispatchResult] = deque(maxlen=1000)  # the latest, for tests and debugging
        self._queue: queue.Queue[tuple[BusRefLike, list[Mapping[str, Any]]] | None] | None = None
        self._worker: threading.Thread | None = None
        if background:
            self._queue = queue.Queue()
            self._worker = threading.Thread(target=self._work, name="crnotify-delivery", daemon=True)
            self._worker.start()

    def routes(self, bus: BusRefLike) -> list[Route]:
        routes = []
        for record in self.state.all_rules(bus.account, bus.region, bus=bus.name):
            matcher = _compiled(record.pattern)
            if matcher is not None:
                rule = record.to_bus_rule()
                routes.append(
                    Route(name=rule.name, matcher=matcher, targets=rule.targets, enabled=rule.enabled)
                )
        return routes

    def __call__(self, bus: BusRefLike, events: Sequence[Mapping[str, Any]]) -> None:
        if self._queue is not None:
            self._queue.put((bus, list(events)))
        else:
            self._deliver(bus, events)

    def _deliver(self, bus: BusRefLike, events: Sequence[Mapping[str, Any]]) -> None:
        routes = self.routes(bus)
        for event in events:
            result = self.dispatcher.dispatch(
                bus.account, bus.region, bus.name, event, routes, put_traced=True
            )
            self.results.append(result)

    def _work(self) -> None:
        assert self._queue is not None
        while (item := self._queue.get()) is not None:
            try:
                self._deliver(*item)
            except Exception:  # a failing delivery must not stop the ones after it
                log.exception("delivery failed")
            finally:
                self._queue.task_done()
        self._queue.task_done()

    def close(self) -> None:
        if self._queue is not None and self._worker is not None:
            self._queue.put(None)
            self._worker.join()
            self._queue = self._worker = None
        self.dispatcher.close()
