"""End to end through the official SDKs: an ACR rule saved in the emulator, an event put on the bus,
the rendered body received by a real local endpoint, and the trace looked up — for 3 days, not after."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_eventbridge20200401 import models as eb

from crnotify.cli import main
from crnotify.clock import ManualClock
from crnotify.emulator.delivery_hook import DeliveryHook
from crnotify.emulator.dingtalk_server import DingTalkRobots, running
from crnotify.emulator.server import EmulatorServer
from crnotify.model import EventType, NotifyMethod, ScanStatus, Scope, ScopeKind
from crnotify.offline.samples import acr_event
from crnotify.providers.alibaba.convention import RegistrySpec
from support.local_receiver import http_receiver

INSTANCE = "cri-deliverytest01"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def server(clock: ManualClock) -> Iterator[EmulatorServer]:
    with EmulatorServer(clock=clock) as emulator:
        hook = DeliveryHook(emulator.state, clock=clock, seed=3)
        emulator.on_events = hook
        try:
            yield emulator
        finally:
            hook.close()


def spec(method: NotifyMethod, url: str, secret: str | None = None) -> RegistrySpec:
    return RegistrySpec(
        rule_name="scan-api",
        event_type=EventType.SCAN,
        scope=Scope(kind=ScopeKind.REPO, namespaces=("team-a",), repositories=("api",)),
        tag_pattern=".*",
        method=method,
        url=url,
        secret=secret,
        scan_status=(ScanStatus.COMPLETE,),
    )


def put(client: Any, event: dict[str, Any]) -> None:
    entry = eb.PutEventsRequestEventList(
        id=event["id"], source=event["source"], type=event["type"], subject=event["subject"],
        time=event["time"], data=json.dumps(event["data"]), data_content_type="application/json",
    )  # fmt: skip
    result = client.put_events(eb.PutEventsRequest(event_bus_name="default", event_list=[entry])).body.data
    assert result.failed_entry_count == 0


def traces(client: Any, event_id: str) -> list[dict[str, Any]]:
    request = eb.QueryEventTracesRequest(event_bus_name="default", event_id=event_id)
    return [step.to_map() for step in client.query_event_traces(request).body.data]


def scan_event(clock: ManualClock, event_id: str, namespace: str = "team-a") -> dict[str, Any]:
    return acr_event(
        EventType.SCAN, instance_id=INSTANCE, namespace=namespace, repository="api", tag="v1.4.0",
        at=clock.now(), event_id=event_id, severities={"HighSeverity": 1},
    )  # fmt: skip


def test_put_event_reaches_a_local_http_endpoint_and_leaves_a_3_day_trace(
    server: EmulatorServer,
    clock: ManualClock,
    cr_client_factory: Callable[..., Any],
    eventbridge_client_factory: Callable[..., Any],
    create_event_center_rule: Callable[..., dict[str, Any]],
) -> None:
    events = eventbridge_client_factory(server)
    with http_receiver() as receiver:
        rule = spec(NotifyMethod.HTTP, receiver.url + "/acr", secret="tok-9")
        create_event_center_rule(cr_client_factory(server), INSTANCE, rule.to_params())
        put(events, scan_event(clock, "evt-match"))
        put(events, scan_event(clock, "evt-other-namespace", namespace="team-b"))

    (request,) = receiver.requests
    body = json.loads(request.body)
    assert body["id"] == "evt-match"
    assert body["data"] == scan_event(clock, "evt-match")["data"]
    assert body["aliyuneventbusname"] == "default"
    assert request.headers["x-eventbridge-signature-token"] == "tok-9"

    steps = traces(events, "evt-match")
    assert [(s["Action"], s.get("RuleName")) for s in steps] == [
        ("PutEvent", None),
        ("FilterEvent", "scan-api"),
        ("PushEvent", "scan-api"),
    ]
    assert steps[2]["NotifyStatus"] == "Success"
    assert steps[2]["Endpoint"] == receiver.url + "/acr"
    assert [s["Action"] for s in traces(events, "evt-other-namespace")] == ["PutEvent"]

    clock.advance(3 * 24 * 3600 - 1)
    assert len(traces(events, "evt-match")) == 3
    clock.advance(2)
    assert traces(events, "evt-match") == []


def test_dingtalk_rule_is_signed_rate_limited_and_retried_on_the_emulator_clock(
    server: EmulatorServer,
    clock: ManualClock,
    cr_client_factory: Callable[..., Any],
    eventbridge_client_factory: Callable[..., Any],
    create_event_center_rule: Callable[..., dict[str, Any]],
) -> None:
    events = eventbridge_client_factory(server)
    robots = DingTalkRobots(clock=clock, secret="SECrobot", keywords=("scan",))
    with running(robots) as dingtalk:
        rule = spec(NotifyMethod.DINGTALK, dingtalk.webhook("team-a-robot"), secret="SECrobot")
        create_event_center_rule(cr_client_factory(server), INSTANCE, rule.to_params())
        for i in range(21):
            put(events, scan_event(clock, f"evt-{i}"))
            clock.advance(1)

    accepted = robots.received(accepted_only=True)
    assert len(accepted) == 20
    assert accepted[0].message is not None
    assert "team-a/api:v1.4.0" in accepted[0].message["markdown"]["text"]
    # The 21st: refused with 130101, retried 3 times (BACKOFF_RETRY, 10–20 s apart), still locked.
    pushes = [s for s in traces(events, "evt-20") if s["Action"] == "PushEvent"]
    assert [s["NotifyStatus"] for s in pushes] == [
        "Failed: errcode 130101: send too fast, exceed 20 times per minute"
    ] * 4
    assert [m.errcode for m in robots.received()[20:]] == [130101] * 4
    assert "team-a-robot" not in json.dumps(pushes)


def test_crnotify_trace_shows_the_way_of_an_event_for_3_days(
    server: EmulatorServer,
    clock: ManualClock,
    cr_client_factory: Callable[..., Any],
    eventbridge_client_factory: Callable[..., Any],
    create_event_center_rule: Callable[..., dict[str, Any]],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ALIBABA_CLOUD_ACCESS_KEY_ID", raising=False)
    robots = DingTalkRobots(clock=clock)
    with running(robots) as dingtalk:
        rule = spec(NotifyMethod.DINGTALK, dingtalk.webhook("secret-robot-token"), secret=None)
        create_event_center_rule(cr_client_factory(server), INSTANCE, rule.to_params())
        put(eventbridge_client_factory(server), scan_event(clock, "evt-traced"))
    argv = ["trace", "evt-traced", "--region", "cn-hangzhou", "--endpoint", server.endpoint]

    assert main(argv) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "event evt-traced on bus default (cn-hangzhou):"
    assert "PutEvent     received on the bus" in lines[1]
    assert "FilterEvent  rule scan-api matched" in lines[2]
    assert "PushEvent    rule scan-api → http://127.0.0.1:" in lines[3]
    assert "access_token=***" in lines[3]
    assert ": Success (" in lines[3]
    assert "secret-robot-token" not in out

    assert main([*argv, "--format", "json"]) == 0
    steps = json.loads(capsys.readouterr().out)["regions"]["cn-hangzhou"]
    assert [s["Action"] for s in steps] == ["PutEvent", "FilterEvent", "PushEvent"]

    clock.advance(3 * 24 * 3600 + 1)
    assert main(argv) == 1
    assert capsys.readouterr().out == (
        "no trace of event evt-traced in cn-hangzhou (traces are kept for 3 days)\n"
    )


def test_crnotify_trace_takes_its_regions_from_the_config(
    server: EmulatorServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ALIBABA_CLOUD_ACCESS_KEY_ID", raising=False)
    config = tmp_path / "registries.yaml"
    config.write_text(
        "version: 1\nregistries:\n  - name: prod\n    provider: alibaba\n    region: cn-hangzhou\n"
        "    instance_id: cri-deliverytest01\n"
    )
    assert main(["trace", "evt-unknown", str(config), "--endpoint", server.endpoint]) == 1
    assert "no trace of event evt-unknown in cn-hangzhou" in capsys.readouterr().out
    assert main(["trace", "evt-unknown", str(tmp_path / "missing.yaml")]) == 1
    err = capsys.readouterr().err
    assert "give --region" in err
    assert "missing.yaml does not exist" in err  # why the config could not give the regions
    assert main(["trace", " ", "--region", "cn-hangzhou", "--endpoint", server.endpoint]) == 1
    assert "EVENT_ID is empty" in capsys.readouterr().err
