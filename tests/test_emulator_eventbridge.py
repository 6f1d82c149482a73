"""EventBridge rules, targets, buses, events and traces through the official EventBridge SDK."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from alibabacloud_eventbridge20200401 import models as eb
from alibabacloud_tea_openapi.exceptions import ClientException

from crnotify.clock import ManualClock
from crnotify.emulator.server import EmulatorServer

BUS = "default"
PATTERN = '{"source":["acs.cr"]}'


def target(target_id: str, url: str = "https://hooks.example/x") -> eb.PutTargetsRequestTargets:
    return eb.PutTargetsRequestTargets(
        id=target_id,
        type="http",
        endpoint=url,
        push_retry_strategy="BACKOFF_RETRY",
        param_list=[
            eb.PutTargetsRequestTargetsParamList(resource_key="url", form="CONSTANT", value=url),
            eb.PutTargetsRequestTargetsParamList(resource_key="Body", form="ORIGINAL"),
        ],
    )


def create(client: Any, name: str, **extra: Any) -> Any:
    request = eb.CreateRuleRequest(event_bus_name=BUS, rule_name=name, filter_pattern=PATTERN, **extra)
    return client.create_rule(request).body


def error_of(call: Callable[[], Any]) -> tuple[str, int]:
    with pytest.raises(ClientException) as info:
        call()
    return info.value.code, info.value.status_code


def test_rule_lifecycle(emulator: EmulatorServer, eventbridge_client: Any) -> None:
    created = create(
        eventbridge_client,
        "MNSRule",
        description="first",
        event_targets=[eb.CreateRuleRequestEventTargets(id="t1", type="http", endpoint="https://a.example")],
    )
    assert created.code == "Success"
    assert created.success is True
    assert (
        created.data.rule_arn
        == f"acs:eventbridge:cn-hangzhou:{emulator.account_id}:eventbus/default/rule/MNSRule"
    )

    updated = eventbridge_client.update_rule(
        eb.UpdateRuleRequest(event_bus_name=BUS, rule_name="MNSRule", filter_pattern='{"type":["x"]}')
    )
    assert updated.body.data is True
    eventbridge_client.disable_rule(eb.DisableRuleRequest(event_bus_name=BUS, rule_name="MNSRule"))
    rule = eventbridge_client.get_rule(eb.GetRuleRequest(event_bus_name=BUS, rule_name="MNSRule")).body.data
    assert (rule.filter_pattern, rule.description, rule.status) == ('{"type":["x"]}', "first", "DISABLE")
    assert rule.created_timestamp > 0
    eventbridge_client.enable_rule(eb.EnableRuleRequest(event_bus_name=BUS, rule_name="MNSRule"))
    (listed,) = eventbridge_client.list_rules(eb.ListRulesRequest(event_bus_name=BUS)).body.data.rules
    assert listed.status == "ENABLE"
    assert listed.targets[0].to_map() == {"Id": "t1", "Type": "http", "Endpoint": "https://a.example"}

    eventbridge_client.delete_rule(eb.DeleteRuleRequest(event_bus_name=BUS, rule_name="MNSRule"))
    get = eb.GetRuleRequest(event_bus_name=BUS, rule_name="MNSRule")
    assert error_of(lambda: eventbridge_client.get_rule(get)) == ("EventRuleNotExisted", 404)
    delete = eb.DeleteRuleRequest(event_bus_name=BUS, rule_name="MNSRule")
    assert error_of(lambda: eventbridge_client.delete_rule(delete)) == ("EventRuleNotExisted", 404)


def test_rule_errors(eventbridge_client: Any) -> None:
    create(eventbridge_client, "taken")
    assert error_of(lambda: create(eventbridge_client, "taken")) == ("EventRuleAlreadyExisted", 409)
    for bad in ("under_score", "-dash-first", "x" * 128, "eventbridge-reserved-x"):
        assert error_of(lambda bad=bad: create(eventbridge_client, bad)) == ("EventRuleNameInvalid", 400)
    assert create(eventbridge_client, "x" * 127).code == "Success"
    not_json = eb.CreateRuleRequest(event_bus_name=BUS, rule_name="p", filter_pattern="[1]")
    assert error_of(lambda: eventbridge_client.create_rule(not_json)) == ("InvalidEventPattern", 400)
    other_bus = eb.CreateRuleRequest(event_bus_name="mine", rule_name="p", filter_pattern=PATTERN)
    assert error_of(lambda: eventbridge_client.create_rule(other_bus)) == ("EventBusNotExisted", 404)
    missing = eb.GetRuleRequest(event_bus_name=BUS)
    assert error_of(lambda: eventbridge_client.get_rule(missing)) == ("MissingParameter", 400)
    six = [eb.CreateRuleRequestEventTargets(id=f"t{i}", type="http", endpoint="https://a") for i in range(6)]
    assert error_of(lambda: create(eventbridge_client, "six", event_targets=six)) == (
        "EventTargetCountExceedLimit",
        409,
    )
    bad_status = eb.UpdateRuleRequest(event_bus_name=BUS, rule_name="taken", filter_pattern="{}", status="ON")
    assert error_of(lambda: eventbridge_client.update_rule(bad_status)) == ("InvalidParameter", 400)


NOPE = {"event_bus_name": BUS, "rule_name": "nope"}
NOT_FOUND, NO_BUS = ("EventRuleNotExisted", 404), ("EventBusNotExisted", 404)
MISSING, INVALID = ("MissingParameter", 400), ("InvalidParameter", 400)
ACTION_ERRORS = [
    ("update_rule", eb.UpdateRuleRequest(**NOPE, filter_pattern="{}"), NOT_FOUND),
    ("enable_rule", eb.EnableRuleRequest(**NOPE), NOT_FOUND),
    ("disable_rule", eb.DisableRuleRequest(**NOPE), NOT_FOUND),
    ("list_targets", eb.ListTargetsRequest(**NOPE), NOT_FOUND),
    ("delete_targets", eb.DeleteTargetsRequest(**NOPE, target_ids=["t"]), NOT_FOUND),
    ("list_targets", eb.ListTargetsRequest(), MISSING),
    ("put_targets", eb.PutTargetsRequest(**NOPE), MISSING),
    ("list_rules", eb.ListRulesRequest(event_bus_name="mine"), NO_BUS),
    ("list_rules", eb.ListRulesRequest(event_bus_name=BUS, limit=0), INVALID),
    ("list_event_buses", eb.ListEventBusesRequest(next_token="garbage"), INVALID),
    ("list_event_buses", eb.ListEventBusesRequest(limit=101), INVALID),
    ("test_event_pattern", eb.TestEventPatternRequest(event="{", event_pattern="{}"), INVALID),
    ("test_event_pattern", eb.TestEventPatternRequest(event_pattern="{}"), MISSING),
    ("query_event_traces", eb.QueryEventTracesRequest(event_bus_name=BUS), MISSING),
    ("query_event_traces", eb.QueryEventTracesRequest(event_bus_name="mine", event_id="e"), NO_BUS),
    ("query_traced_event_by_event_id", eb.QueryTracedEventByEventIdRequest(event_bus_name=BUS), MISSING),
]


@pytest.mark.parametrize(("method", "request_", "expected"), ACTION_ERRORS, ids=[a[0] for a in ACTION_ERRORS])
def test_each_action_answers_errors_with_a_code_the_sdk_reads(
    eventbridge_client: Any, method: str, request_: Any, expected: tuple[str, int]
) -> None:
    assert error_of(lambda: getattr(eventbridge_client, method)(request_)) == expected


def test_fifty_rules_per_bus(eventbridge_client: Any) -> None:
    for index in range(50):
        create(eventbridge_client, f"r{index:02d}")
    assert error_of(lambda: create(eventbridge_client, "r50")) == ("EventRuleCountExceedLimit", 409)
    first_page = eventbridge_client.list_rules(eb.ListRulesRequest(event_bus_name=BUS)).body.data
    assert (len(first_page.rules), first_page.total, first_page.next_token) == (10, 50, "10")  # Limit: 10


def test_list_rules_pages_by_prefix(eventbridge_client: Any) -> None:
    for index in range(7):
        create(eventbridge_client, f"team-a-{index}")
    create(eventbridge_client, "team-b-0")
    names: list[str] = []
    token = None
    pages = 0
    for _ in range(10):  # bounded: a server that ignored NextToken would loop forever
        request = eb.ListRulesRequest(
            event_bus_name=BUS, rule_name_prefix="team-a-", limit=3, next_token=token
        )
        data = eventbridge_client.list_rules(request).body.data
        assert data.total == 7
        names += [r.rule_name for r in data.rules]
        pages += 1
        token = data.next_token
        if not token:
            break
    assert names == [f"team-a-{i}" for i in range(7)]
    assert pages == 3
    default_page = eventbridge_client.list_rules(eb.ListRulesRequest(event_bus_name=BUS)).body.data
    assert (len(default_page.rules), default_page.total) == (8, 8)
    too_many = eb.ListRulesRequest(event_bus_name=BUS, limit=101)
    assert error_of(lambda: eventbridge_client.list_rules(too_many)) == ("InvalidParameter", 400)
    bad_token = eb.ListRulesRequest(event_bus_name=BUS, next_token="garbage")
    assert error_of(lambda: eventbridge_client.list_rules(bad_token)) == ("InvalidParameter", 400)


def test_targets_put_replace_delete_with_error_entries(eventbridge_client: Any) -> None:
    create(eventbridge_client, "r")
    put = eventbridge_client.put_targets(
        eb.PutTargetsRequest(event_bus_name=BUS, rule_name="r", targets=[target(f"t{i}") for i in range(4)])
    ).body
    assert (put.code, put.data.error_entries_count, put.data.error_entries) == ("Success", 0, [])

    # Replace t0, add t4 (the 5th), t5 and t6 are over the limit; a target without a Type fails alone.
    batch = [target("t0", "https://new.example"), target("t4"), target("t5"), target("t6")]
    batch.append(eb.PutTargetsRequestTargets(id="typeless", endpoint="https://a"))
    put = eventbridge_client.put_targets(
        eb.PutTargetsRequest(event_bus_name=BUS, rule_name="r", targets=batch)
    )
    entries = {(e.entry_id, e.error_code) for e in put.body.data.error_entries}
    assert entries == {
        ("t5", "EventTargetCountExceedLimit"),
        ("t6", "EventTargetCountExceedLimit"),
        ("typeless", "EventTargetInvalid"),
    }
    assert put.body.data.error_entries_count == 3

    rule = eventbridge_client.get_rule(eb.GetRuleRequest(event_bus_name=BUS, rule_name="r")).body.data
    assert sorted(t.id for t in rule.targets) == ["t0", "t1", "t2", "t3", "t4"]
    (t0,) = [t for t in rule.targets if t.id == "t0"]
    assert t0.endpoint == "https://new.example"
    assert t0.push_retry_strategy == "BACKOFF_RETRY"
    assert [(p.resource_key, p.form, p.value) for p in t0.param_list] == [
        ("url", "CONSTANT", "https://new.example"),
        ("Body", "ORIGINAL", None),
        ("IsBase64Encode", "CONSTANT", "false"),  # added by the backend on every stored target
    ]

    deleted = eventbridge_client.delete_targets(
        eb.DeleteTargetsRequest(event_bus_name=BUS, rule_name="r", target_ids=["t1", "nope"])
    ).body.data
    assert [(e.entry_id, e.error_code) for e in deleted.error_entries] == [("nope", "EventTargetNotExisted")]

    seen: list[str] = []
    token = None
    for _ in range(10):  # bounded, as above
        request = eb.ListTargetsRequest(event_bus_name=BUS, rule_name="r", limit=3, next_token=token)
        data = eventbridge_client.list_targets(request).body.data
        assert data.total == 4
        seen += [t.id for t in data.targets]
        assert all(t.param_list and t.rule_name == "r" for t in data.targets)
        token = data.next_token
        if not token:
            break
    assert sorted(seen) == ["t0", "t2", "t3", "t4"]
    missing_rule = eb.PutTargetsRequest(event_bus_name=BUS, rule_name="none", targets=[target("a")])
    assert error_of(lambda: eventbridge_client.put_targets(missing_rule)) == ("EventRuleNotExisted", 404)


def test_list_event_buses_has_the_default_bus(emulator: EmulatorServer, eventbridge_client: Any) -> None:
    data = eventbridge_client.list_event_buses(eb.ListEventBusesRequest()).body.data
    assert [b.event_bus_name for b in data.event_buses] == ["default"]
    assert data.event_buses[0].event_bus_arn.endswith(f":{emulator.account_id}:eventbus/default")
    assert data.total == 1
    none = eventbridge_client.list_event_buses(eb.ListEventBusesRequest(name_prefix="x")).body.data
    assert (none.event_buses, none.total) == ([], 0)


def test_put_events_traces_and_their_three_day_retention(
    eventbridge_client_factory: Callable[..., Any],
) -> None:
    clock = ManualClock()
    received: list[tuple[Any, list[dict[str, Any]]]] = []
    with EmulatorServer(clock=clock, on_events=lambda bus, events: received.append((bus, events))) as server:
        client = eventbridge_client_factory(server)
        events = [
            eb.PutEventsRequestEventList(
                id="evt-1", source="acs.cr", type="cr:Artifact:ScanCompleted", data='{"Tag": "v1"}'
            ),
            eb.PutEventsRequestEventList(id="evt-2", type="no.source"),
        ]
        put = client.put_events(eb.PutEventsRequest(event_bus_name=BUS, event_list=events)).body.data
        assert put.failed_entry_count == 1
        assert put.entry_list[0].event_id == "evt-1"
        assert put.entry_list[1].error_code == "InvalidEvent"
        ((bus, delivered),) = received
        assert (bus.account, bus.region, bus.name) == (server.account_id, "cn-hangzhou", BUS)
        assert delivered[0]["data"] == {"Tag": "v1"}
        assert delivered[0]["aliyuneventbusname"] == BUS

        server.state.record_trace(
            server.account_id, "cn-hangzhou", bus=BUS, event_id="evt-1", event_source="acs.cr",
            action="FilterEvent", rule_name="r", at=clock.now() + 0.01,
        )  # fmt: skip
        server.state.record_trace(
            server.account_id, "cn-hangzhou", bus=BUS, event_id="evt-1", event_source="acs.cr",
            action="PushEvent", rule_name="r", endpoint="https://hooks.example/x", notify_status="200",
            notify_latency_ms=15, at=clock.now() + 0.02,
        )  # fmt: skip
        traces = client.query_event_traces(eb.QueryEventTracesRequest(event_bus_name=BUS, event_id="evt-1"))
        steps = traces.body.data
        assert [s.action for s in steps] == ["PutEvent", "FilterEvent", "PushEvent"]
        assert steps[0].received_time == int(clock.now() * 1000)
        assert steps[2].to_map() == {
            "Action": "PushEvent",
            "ActionTime": int(clock.now() * 1000) + 20,
            "EventBusName": BUS,
            "EventId": "evt-1",
            "EventSource": "acs.cr",
            "RuleName": "r",
            "Endpoint": "https://hooks.example/x",
            "NotifyStatus": "200",
            "NotifyLatency": "15",
            "NotifyTime": int(clock.now() * 1000) + 20,
        }
        by_id = eb.QueryTracedEventByEventIdRequest(
            event_bus_name=BUS, event_id="evt-1", event_source="acs.cr"
        )
        (page,) = client.query_traced_event_by_event_id(by_id).body.data
        (event,) = page.events
        assert (event.event_id, event.event_type) == ("evt-1", "cr:Artifact:ScanCompleted")

        clock.advance(3 * 24 * 3600 - 1)
        assert (
            len(
                client.query_event_traces(
                    eb.QueryEventTracesRequest(event_bus_name=BUS, event_id="evt-1")
                ).body.data
            )
            == 3
        )
        clock.advance(2)
        assert (
            client.query_event_traces(
                eb.QueryEventTracesRequest(event_bus_name=BUS, event_id="evt-1")
            ).body.data
            == []
        )
        assert client.query_traced_event_by_event_id(by_id).body.data[0].events == []


def test_put_events_rejects_too_many_events(eventbridge_client: Any) -> None:
    events = [eb.PutEventsRequestEventList(source="s", type="t") for _ in range(17)]
    request = eb.PutEventsRequest(event_bus_name=BUS, event_list=events)
    assert error_of(lambda: eventbridge_client.put_events(request)) == ("InvalidParameter", 400)


def test_test_event_pattern(eventbridge_client: Any) -> None:
    event = json.dumps({"source": "acs.cr", "data": {"Tag": "v1.2"}})

    def result(pattern: dict[str, Any]) -> bool:
        request = eb.TestEventPatternRequest(event=event, event_pattern=json.dumps(pattern))
        return bool(eventbridge_client.test_event_pattern(request).body.data.result)

    assert result({"source": ["acs.cr"], "data": {"Tag": [{"prefix": "v1"}]}}) is True
    assert result({"source": ["acs.oss"]}) is False
    bad = eb.TestEventPatternRequest(event=event, event_pattern='{"source": "not-a-list"}')
    assert error_of(lambda: eventbridge_client.test_event_pattern(bad)) == ("InvalidEventPattern", 400)
