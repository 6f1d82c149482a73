"""The dispatcher routes an event through compiled bus rules to real local endpoints."""

from __future__ import annotations

import json
from dataclasses import replace

from crnotify.clock import ManualClock
from crnotify.emulator.bus_router import Dispatcher, Route
from crnotify.emulator.dingtalk_server import DingTalkRobots, running
from crnotify.model import EventType, NotifyMethod, Scope, ScopeKind, Target
from crnotify.offline.samples import acr_event
from crnotify.patterns import compile_pattern
from crnotify.providers.alibaba.convention import RegistrySpec, default_bus_rule
from support.local_receiver import http_receiver


def route(name: str, event_type: EventType, method: NotifyMethod, url: str, *, secret: str | None = None,
          namespaces: tuple[str, ...] = (), enabled: bool = True) -> Route:  # fmt: skip
    scope = Scope(kind=ScopeKind.NAMESPACE, namespaces=namespaces) if namespaces else Scope()
    spec = RegistrySpec(rule_name=name, event_type=event_type, scope=scope, tag_pattern=".*", method=method,
                        url=url, secret=secret)  # fmt: skip
    rule = default_bus_rule(spec, "cri-1")
    return Route(name=name, matcher=compile_pattern(rule.pattern), targets=rule.targets, enabled=enabled)


def test_matched_rules_deliver_rendered_bodies_to_real_endpoints() -> None:
    clock = ManualClock()
    robots = DingTalkRobots(clock=clock, secret="SECd")
    event = acr_event(
        EventType.SCAN, instance_id="cri-1", namespace="team-a", repository="api", tag="v3", at=0
    )
    with http_receiver() as receiver, running(robots) as dingtalk:
        routes = [
            route("scan-http", EventType.SCAN, NotifyMethod.HTTP, receiver.url + "/scan", secret="tok"),
            route(
                "scan-ding",
                EventType.SCAN,
                NotifyMethod.DINGTALK,
                dingtalk.webhook("r1"),
                secret="SECd",
                namespaces=("team-a",),
            ),
            route(
                "scan-other-ns", EventType.SCAN, NotifyMethod.HTTP, receiver.url + "/no", namespaces=("b",)
            ),
            route("build", EventType.BUILD, NotifyMethod.HTTP, receiver.url + "/build"),
            route("scan-disabled", EventType.SCAN, NotifyMethod.HTTP, receiver.url + "/off", enabled=False),
        ]
        dispatcher = Dispatcher(clock=clock, seed=1)
        result = dispatcher.dispatch("1234567890123456", "cn-hangzhou", "default", event, routes)
        dispatcher.close()
    assert result.matched == ("scan-http", "scan-ding")
    assert all(outcome.ok for outcome in result.outcomes)
    assert [r.path for r in receiver.requests] == ["/scan"]
    assert json.loads(receiver.requests[0].body) == event
    assert receiver.requests[0].headers["x-eventbridge-signature-token"] == "tok"
    (message,) = robots.received(accepted_only=True)
    assert message.message is not None
    assert "team-a/api:v3" in message.message["markdown"]["text"]


def test_targets_that_cannot_be_delivered_are_reported_not_raised() -> None:
    base = route("scan", EventType.SCAN, NotifyMethod.HTTP, "http://example.com/hook")
    mns = Target(id="mns", type="acs.mns.queue", endpoint="acs:mns:cn-hangzhou:1:queues/q")
    routes = [replace(base, targets=(*base.targets, mns))]
    event = acr_event(EventType.SCAN, instance_id="cri-1", namespace="n", repository="r", tag="t", at=0)
    result = Dispatcher(clock=ManualClock()).dispatch("1", "cn-hangzhou", "default", event, routes)
    errors = {o.target_id: o.error for o in result.outcomes}
    assert "only loopback hosts" in (errors["acr-notify"] or "")
    assert "not delivered by the emulator" in (errors["mns"] or "")
    assert not any(o.ok for o in result.outcomes)
