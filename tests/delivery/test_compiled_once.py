"""Each bus rule's pattern is compiled once, not once per event, on the emulator's delivery path
(PutEvents → matching rules → targets). (`crnotify test` compiles its rules once into a `RuleBook`
before it reads the events.)"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from test_delivery_emulator import INSTANCE, put, spec

from crnotify.clock import ManualClock
from crnotify.emulator import delivery_hook
from crnotify.emulator.delivery_hook import DeliveryHook
from crnotify.emulator.server import EmulatorServer
from crnotify.model import EventType, NotifyMethod
from crnotify.offline.samples import acr_event
from support.local_receiver import http_receiver

EVENTS = 30


def test_the_delivery_path_compiles_each_pattern_once(
    cr_client_factory: Callable[..., Any],
    eventbridge_client_factory: Callable[..., Any],
    create_event_center_rule: Callable[..., dict[str, Any]],
) -> None:
    clock = ManualClock()
    with EmulatorServer(clock=clock) as server, http_receiver() as receiver:
        hook = DeliveryHook(server.state, clock=clock, seed=3)
        server.on_events = hook
        try:
            for name in ("scan-api", "scan-web"):
                rule = spec(NotifyMethod.HTTP, receiver.url + "/acr")
                params = {**rule.to_params(), "RuleName": name}
                create_event_center_rule(cr_client_factory(server), INSTANCE, params)
            delivery_hook._compiled.cache_clear()
            events = eventbridge_client_factory(server)
            for index in range(EVENTS):
                event = acr_event(
                    EventType.SCAN, instance_id=INSTANCE, namespace="team-a", repository="api",
                    tag="v1", at=clock.now(), event_id=f"evt-{index}", severities={"HighSeverity": 1},
                )  # fmt: skip
                put(events, event)
        finally:
            hook.close()
        assert len(receiver.requests) == 2 * EVENTS  # both rules matched every event
    cache = delivery_hook._compiled.cache_info()
    # The two rules differ only in name: one pattern, compiled once for the 30 PutEvents calls.
    assert (cache.misses, cache.hits) == (1, 2 * EVENTS - 1)
