"""EventBridge (2020-04-01) actions on the wire: rules, targets, buses, events and traces.

Response shapes: research/alibaba-facts.md §2.3 and the SDK's response models (GetRule and
ListTargets carry ParamList; ListRules' targets do not).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from crnotify.emulator import cloud_errors as errors
from crnotify.emulator.eventbridge import (
    DEFAULT_PAGE,
    LIST_RULES_TARGET_KEYS,
    LIST_TARGETS_KEYS,
    MAX_PAGE,
    compile_alibaba,
)
from crnotify.emulator.state import BusRef, ErrorEntry, RuleRecord
from crnotify.emulator.wire import EVENTBRIDGE_VERSION, Body, Call, Route, eventbridge_ok

log = logging.getLogger(__name__)


def _rule_fields(rule: RuleRecord) -> Body:
    return {
        "RuleName": rule.name,
        "RuleARN": rule.arn,
        "EventBusName": rule.bus,
        "Description": rule.description,
        "FilterPattern": rule.pattern,
        "Status": rule.status,
        "CreatedTimestamp": rule.created_ms,
    }


def _pick(target: Mapping[str, Any], keys: tuple[str, ...]) -> Body:
    return {key: target[key] for key in keys if key in target}


def _shown(call: Call, target: Mapping[str, Any]) -> Body:
    """A stored target as GetRule/ListTargets answer it: under empty-params=empty, a param's unset
    `Value`/`Template` comes back as "" (as Terraform's docs show the backend's params)."""
    shown = dict(target)
    if call.state.variants.empty_params == "empty" and "ParamList" in shown:
        shown["ParamList"] = [{"Value": "", "Template": "", **p} for p in shown["ParamList"]]
    return shown


NOTIFY_STATUS = {"success": "Success", "200": "200", "[200]Ok": "[200]Ok"}  # variant → a push's success
RECORDED_SUCCESS = "Success"  # what delivery records for a push that succeeded (dispatch.NOTIFY_SUCCESS)


def _limit(call: Call) -> int:
    return call.integer("Limit", default=DEFAULT_PAGE, low=1, high=MAX_PAGE)


def _paged(items_key: str, items: list[Any], token: str | None, total: int) -> Body:
    data: Body = {items_key: items, "Total": total}
    if token is not None:
        data["NextToken"] = token
    return data


def _entries(failures: list[ErrorEntry]) -> Body:
    return {
        "ErrorEntriesCount": len(failures),
        "ErrorEntries": [
            {"EntryId": f.entry_id, "ErrorCode": f.code, "ErrorMessage": f.message} for f in failures
        ],
    }


def create_rule(call: Call) -> Body:
    rule = call.state.create_rule(
        call.account,
        call.region,
        bus=call.required("EventBusName"),
        name=call.required("RuleName"),
        pattern=call.required("FilterPattern"),
        description=call.optional("Description") or "",
        status=call.optional("Status") or "ENABLE",
        targets=call.json_list("EventTargets", required=False),
    )
    return eventbridge_ok(call, {"RuleARN": rule.arn})


def update_rule(call: Call) -> Body:
    call.state.update_rule(
        call.account,
        call.region,
        bus=call.required("EventBusName"),
        name=call.required("RuleName"),
        pattern=call.required("FilterPattern"),
        description=call.optional("Description"),
        status=call.optional("Status"),
    )
    return eventbridge_ok(call, True)


def get_rule(call: Call) -> Body:
    rule = call.state.get_rule(
        call.account, call.region, bus=call.required("EventBusName"), name=call.required("RuleName")
    )
    return eventbridge_ok(call, {**_rule_fields(rule), "Targets": [_shown(call, t) for t in rule.targets]})


def list_rules(call: Call) -> Body:
    rules, token, total = call.state.list_rules(
        call.account,
        call.region,
        bus=call.required("EventBusName"),
        prefix=call.optional("RuleNamePrefix") or "",
        limit=_limit(call),
        next_token=call.optional("NextToken"),
    )
    shaped = [
        {**_rule_fields(r), "Targets": [_pick(t, LIST_RULES_TARGET_KEYS) for t in r.targets]} for r in rules
    ]
    return eventbridge_ok(call, _paged("Rules", shaped, token, total))


def _on_rule(call: Call, method: Callable[..., None]) -> Body:
    """Delete/Enable/DisableRule: `method` on the named rule, answered with the bare envelope."""
    method(call.account, call.region, bus=call.required("EventBusName"), name=call.required("RuleName"))
    return eventbridge_ok(call)


def delete_rule(call: Call) -> Body:
    return _on_rule(call, call.state.delete_rule)


def enable_rule(call: Call) -> Body:
    return _on_rule(call, call.state.enable_rule)


def disable_rule(call: Call) -> Body:
    return _on_rule(call, call.state.disable_rule)


def put_targets(call: Call) -> Body:
    failures = call.state.put_targets(
        call.account,
        call.region,
        bus=call.required("EventBusName"),
        rule=call.required("RuleName"),
        targets=call.json_list("Targets"),
    )
    return eventbridge_ok(call, _entries(failures))


def delete_targets(call: Call) -> Body:
    ids = call.json_list("TargetIds")
    if not all(isinstance(i, str) for i in ids):
        raise errors.INVALID_PARAMETER.error("TargetIds must be a JSON array of strings")
    failures = call.state.delete_targets(
        call.account,
        call.region,
        bus=call.required("EventBusName"),
        rule=call.required("RuleName"),
        target_ids=ids,
    )
    return eventbridge_ok(call, _entries(failures))


def list_targets(call: Call) -> Body:
    bus, rule = call.optional("EventBusName"), call.optional("RuleName")
    arn = call.optional("Arn")
    if arn and not (bus and rule):
        # A rule ARN names both: acs:eventbridge:<region>:<account>:eventbus/<bus>/rule/<name>
        _, _, resource = arn.rpartition(":")
        parts = resource.split("/")
        if len(parts) != 4 or parts[0] != "eventbus" or parts[2] != "rule":
            raise errors.INVALID_PARAMETER.error(f"Arn {arn!r} is not an event rule ARN")
        bus, rule = parts[1], parts[3]
    if not bus or not rule:
        raise errors.MISSING_PARAMETER.error("EventBusName and RuleName (or a rule Arn) are mandatory.")
    targets, token, total = call.state.list_targets(
        call.account,
        call.region,
        bus=bus,
        rule=rule,
        limit=_limit(call),
        next_token=call.optional("NextToken"),
    )
    shaped = [
        {**_pick(_shown(call, t), LIST_TARGETS_KEYS), "EventBusName": bus, "RuleName": rule} for t in targets
    ]
    return eventbridge_ok(call, _paged("Targets", shaped, token, total))


def test_event_pattern(call: Call) -> Body:
    event = call.json_value("Event")
    pattern = compile_alibaba(call.required("EventPattern"))
    return eventbridge_ok(call, {"Result": bool(pattern.matches(event))})


def list_event_buses(call: Call) -> Body:
    buses, token, total = call.state.list_event_buses(
        call.account,
        call.region,
        prefix=call.optional("NamePrefix") or "",
        limit=_limit(call),
        next_token=call.optional("NextToken"),
    )
    return eventbridge_ok(call, _paged("EventBuses", buses, token, total))


def put_events(call: Call) -> Body:
    bus = call.required("EventBusName")
    results, accepted = call.state.put_events(
        call.account, call.region, bus=bus, events=call.json_list("EventList")
    )
    if accepted and call.on_events is not None:
        try:
            call.on_events(BusRef(call.account, call.region, bus), accepted)
        except Exception:  # delivery is asynchronous in the cloud: its failure is not PutEvents'
            log.exception("the on_events hook failed")
    entries = []
    for result in results:
        entry: Body = {"EventId": result.event_id, "TraceId": result.trace_id}
        if result.error is not None:
            entry.update(ErrorCode=result.error.code, ErrorMessage=result.error.message)
        entries.append(entry)
    failed = sum(1 for r in results if r.error is not None)
    return eventbridge_ok(call, {"EntryList": entries, "FailedEntryCount": failed})


def query_event_traces(call: Call) -> Body:
    traces = call.state.query_event_traces(
        call.account, call.region, bus=call.required("EventBusName"), event_id=call.required("EventId")
    )
    success = NOTIFY_STATUS[call.state.variants.notify_status]
    for trace in traces:
        if trace.get("NotifyStatus") == RECORDED_SUCCESS:
            trace["NotifyStatus"] = success
    return eventbridge_ok(call, traces)


def query_traced_event_by_event_id(call: Call) -> Body:
    events = call.state.query_traced_event_by_event_id(
        call.account,
        call.region,
        bus=call.required("EventBusName"),
        event_id=call.required("EventId"),
        event_source=call.optional("EventSource"),
    )
    # The SDK's model reads `Data` as a list of pages: [{Events, NextToken, Total}].
    return eventbridge_ok(call, [{"Events": events, "Total": len(events)}])


def _route(action: str, handler: Callable[[Call], Body], summary: str, *, body_params: bool = False) -> Route:
    return Route("EventBridge", EVENTBRIDGE_VERSION, action, handler, summary, body_params=body_params)


ROUTES = (
    _route("CreateRule", create_rule, "Create a rule, optionally with targets (`EventTargets`)"),
    _route("UpdateRule", update_rule, "Change a rule's pattern, description or status (not its targets)"),
    _route("GetRule", get_rule, "One rule with its targets and their `ParamList`"),
    _route("ListRules", list_rules, "Rules of a bus by `RuleNamePrefix`, paged (`Limit` ≤ 100, `NextToken`)"),
    _route("DeleteRule", delete_rule, "Delete a rule and its targets"),
    _route("EnableRule", enable_rule, "Set a rule's status to ENABLE"),
    _route("DisableRule", disable_rule, "Set a rule's status to DISABLE"),
    _route("PutTargets", put_targets, "Create or replace targets by id; per-target `ErrorEntries`"),
    _route("DeleteTargets", delete_targets, "Delete targets by id; per-target `ErrorEntries`"),
    _route("ListTargets", list_targets, "Targets of a rule with their `ParamList`, paged"),
    _route("TestEventPattern", test_event_pattern, "Does a pattern match an event", body_params=True),
    _route("ListEventBuses", list_event_buses, "The buses (only `default`), paged"),
    _route("PutEvents", put_events, "Publish CloudEvents; calls the `on_events` hook", body_params=True),
    _route(
        "QueryEventTraces", query_event_traces, "PutEvent/FilterEvent/PushEvent steps of an event (3 days)"
    ),
    _route("QueryTracedEventByEventId", query_traced_event_by_event_id, "A received event by id (3 days)"),
)
