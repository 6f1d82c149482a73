"""EventBridge (2020-04-01) rules and targets on the `default` bus ↔ `model.BusRule`.

Reading normalises what the service adds or reorders (research/alibaba-facts.md §2.3, §7):
`FilterPattern` arrives as a JSON string and is parsed; `Status` ENABLE/DISABLE becomes a bool;
targets and params are sorted and the server's `IsBase64Encode=false` param is dropped
(`crnotify.normalise`). `ListRules` gives every rule of the bus (paged, 100 at a time) but its
targets lack `ParamList`, so the rules that matter are then read one by one with `GetRule`, whose
targets carry params and the retry strategy (ListTargets has no retry strategy).

Writing converges like Terraform's alicloud provider does (§7): `UpdateRule` for pattern or
description, `PutTargets` with the full target list, `DeleteTargets` for ids no longer wanted,
`EnableRule`/`DisableRule` for the state (or `Status` on the UpdateRule already made). An HTTP 200
whose body reports an error (`errors.checked`), or a PutTargets/DeleteTargets with error entries, is a
failure.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from crnotify import normalise
from crnotify.errors import AlreadyExists, NotFound
from crnotify.model import BusRule, Param, ParamForm, Target
from crnotify.providers.alibaba import _sdk
from crnotify.providers.alibaba.convention import BUS_NAME
from crnotify.providers.alibaba.errors import CallContext, call, checked, failed_response

ContextFor = Callable[[str, str], CallContext]  # (RAM action, resource) → context


@dataclass(frozen=True, slots=True)
class RuleSummary:
    """A rule as `ListRules` shows it: enough to attribute it and to see its marker."""

    name: str
    description: str
    pattern: Mapping[str, Any]


def _body(response: Any, ctx: CallContext) -> dict[str, Any]:
    body = response.body.to_map() if response is not None and response.body is not None else {}
    return checked(body, ctx)


def _pattern(text: object) -> dict[str, Any]:
    try:
        value = json.loads(text) if isinstance(text, str) and text else {}
    except ValueError:
        value = {"unparsed": [str(text)]}  # keep it visible in diffs rather than fail the read
    return value if isinstance(value, dict) else {"unparsed": [str(text)]}


def list_rules(
    clients: _sdk.Clients, context: ContextFor, *, prefix: str | None = None
) -> Iterator[RuleSummary]:
    """Every rule of the bus (or those whose name starts with `prefix`), paged."""
    ctx = context("eventbridge:ListRules", f"bus {BUS_NAME}")
    token: str | None = None

    def page() -> dict[str, Any]:
        request = _sdk.eventbridge_models.ListRulesRequest(
            event_bus_name=BUS_NAME, limit=100, next_token=token, rule_name_prefix=prefix
        )
        return _body(clients.eventbridge.list_rules_with_options(request, _sdk.runtime()), ctx)

    while True:
        body = call(ctx, page, clients.retry)
        data = body.get("Data") or {}
        for rule in data.get("Rules") or []:
            yield RuleSummary(
                name=str(rule.get("RuleName", "")),
                description=str(rule.get("Description") or ""),
                pattern=_pattern(rule.get("FilterPattern")),
            )
        token = data.get("NextToken") or None
        if not token:
            return


def account_id(clients: _sdk.Clients, context: ContextFor) -> str:
    """The account the credentials act in: the default bus's ARN names it
    (`acs:eventbridge:<region>:<account>:eventbus/default`). One call, which any identity that can
    read the bus may make — there is no caller-identity call among the APIs crnotify is granted."""
    ctx = context("eventbridge:ListEventBuses", f"bus {BUS_NAME}")

    def once() -> dict[str, Any]:
        request = _sdk.eventbridge_models.ListEventBusesRequest(name_prefix=BUS_NAME, limit=10)
        return _body(clients.eventbridge.list_event_buses_with_options(request, _sdk.runtime()), ctx)

    buses = (call(ctx, once, clients.retry).get("Data") or {}).get("EventBuses") or []
    for bus in buses:
        parts = str(bus.get("EventBusARN") or "").split(":")
        if bus.get("EventBusName") == BUS_NAME and len(parts) >= 5 and parts[3]:
            return parts[3]
    raise failed_response(ctx, "NoDefaultBus", "the answer names no default bus with an ARN")


def _target(item: Mapping[str, Any]) -> Target:
    params = tuple(
        Param(
            resource_key=str(p.get("ResourceKey", "")),
            form=ParamForm(str(p.get("Form", "CONSTANT"))),
            value=p.get("Value"),
            template=p.get("Template"),
        )
        for p in item.get("ParamList") or []
    )
    return normalise.target(
        Target(
            id=str(item.get("Id", "")),
            type=str(item.get("Type", "")),
            endpoint=str(item.get("Endpoint") or ""),
            params=params,
            retry_strategy=item.get("PushRetryStrategy") or None,
        )
    )


def get_rule(clients: _sdk.Clients, name: str, context: ContextFor) -> BusRule | None:
    ctx = context("eventbridge:GetRule", f"rule {name}")
    request = _sdk.eventbridge_models.GetRuleRequest(event_bus_name=BUS_NAME, rule_name=name)
    try:
        data = call(
            ctx,
            lambda: _body(clients.eventbridge.get_rule_with_options(request, _sdk.runtime()), ctx).get(
                "Data"
            ),
            clients.retry,
        )
    except NotFound:
        return None
    if not data:
        return None
    return normalise.bus_rule(
        BusRule(
            name=str(data.get("RuleName") or name),
            pattern=_pattern(data.get("FilterPattern")),
            description=str(data.get("Description") or ""),
            enabled=str(data.get("Status", "ENABLE")).upper() != "DISABLE",
            targets=tuple(_target(t) for t in data.get("Targets") or []),
        )
    )


def _param_models(target: Target, cls: Any) -> list[Any]:
    # Only the fields each form uses, as the alicloud provider sends them (research §7).
    out = []
    for p in target.params:
        # A CONSTANT always carries its value; `normalise.param` reads an empty one as absent.
        value = (
            None
            if p.form is ParamForm.ORIGINAL
            else (p.value or "")
            if p.form is ParamForm.CONSTANT
            else p.value
        )
        template = p.template if p.form is ParamForm.TEMPLATE else None
        out.append(cls(resource_key=p.resource_key, form=p.form.value, value=value, template=template))
    return out


def _target_models(rule: BusRule, cls: Any, param_cls: Any) -> list[Any]:
    return [
        cls(
            id=t.id,
            type=t.type,
            endpoint=t.endpoint,
            push_retry_strategy=t.retry_strategy,
            param_list=_param_models(t, param_cls),
        )
        for t in rule.targets
    ]


def _secrets(rule: BusRule) -> tuple[str, ...]:
    """Values of a rule that may be secret (endpoints, URLs, keys, tokens), to mask in errors."""
    values = [t.endpoint for t in rule.targets]
    values += [p.value or "" for t in rule.targets for p in t.params if p.form is ParamForm.CONSTANT]
    return tuple(v for v in values if v)


def _check_entries(body: Mapping[str, Any], ctx: CallContext, *, deleting: bool = False) -> None:
    """Fail on the first error entry. When `deleting`, a target that no longer exists is what was
    wanted (a repeat after a lost response): its entry is not an error."""
    data = body.get("Data") or {}
    entries = (data.get("ErrorEntries") or []) if isinstance(data, Mapping) else []
    if deleting:
        entries = [e for e in entries if not _missing(str(e.get("ErrorCode") or ""))]
    if entries:
        first = entries[0]
        raise failed_response(ctx, first.get("ErrorCode"), f"target {first.get('EntryId')}")


def _missing(code: str) -> bool:
    return "NotExist" in code or "NotFound" in code


def create_rule(clients: _sdk.Clients, rule: BusRule, context: ContextFor) -> None:
    """Create the rule; if it already exists exactly as `rule` (this call, repeated after its response
    was lost), that is success. Any other rule of that name is an `AlreadyExists` error."""
    try:
        create_rule_once(clients, rule, context)
    except AlreadyExists:
        live = get_rule(clients, rule.name, context)
        if live is None or normalise.bus_rule(live) != normalise.bus_rule(rule):
            raise


def create_rule_once(clients: _sdk.Clients, rule: BusRule, context: ContextFor) -> None:
    """CreateRule, failing with `AlreadyExists` when the name is taken: create-if-absent, which the
    apply lock (`crnotify.lock`) is built on."""
    m = _sdk.eventbridge_models
    ctx = context("eventbridge:CreateRule", f"rule {rule.name}").hiding(*_secrets(rule))
    request = m.CreateRuleRequest(
        event_bus_name=BUS_NAME,
        rule_name=rule.name,
        filter_pattern=normalise.canonical_json(dict(rule.pattern)),
        description=rule.description,
        status=_status(rule),
        event_targets=_target_models(
            rule, m.CreateRuleRequestEventTargets, m.CreateRuleRequestEventTargetsParamList
        ),
    )
    call(
        ctx,
        lambda: _body(clients.eventbridge.create_rule_with_options(request, _sdk.runtime()), ctx),
        clients.retry,
    )


def _status(rule: BusRule) -> str:
    return "ENABLE" if rule.enabled else "DISABLE"


def update_rule(clients: _sdk.Clients, rule: BusRule, context: ContextFor) -> None:
    """UpdateRule: set the pattern, description and state of an existing rule (not its targets). The
    state is sent explicitly: whether UpdateRule without `Status` keeps it or resets it to ENABLE (the
    documented default) is not documented (issue 14 row 9)."""
    ctx = context("eventbridge:UpdateRule", f"rule {rule.name}")
    request = _sdk.eventbridge_models.UpdateRuleRequest(
        event_bus_name=BUS_NAME,
        rule_name=rule.name,
        filter_pattern=normalise.canonical_json(dict(rule.pattern)),
        description=rule.description,
        status=_status(rule),
    )
    call(
        ctx,
        lambda: _body(clients.eventbridge.update_rule_with_options(request, _sdk.runtime()), ctx),
        clients.retry,
    )


def converge(clients: _sdk.Clients, desired: BusRule, live: BusRule, context: ContextFor) -> None:
    """Make the existing rule `live` into `desired` with the fewest calls. Each call is safe to repeat:
    UpdateRule and Enable/DisableRule set a value, PutTargets is an upsert by target id, and
    DeleteTargets accepts targets already gone."""
    m = _sdk.eventbridge_models
    desired, live = normalise.bus_rule(desired), normalise.bus_rule(live)
    name = desired.name
    updated = desired.pattern != live.pattern or desired.description != live.description
    if updated:  # UpdateRule sets the state too
        update_rule(clients, desired, context)
    if desired.targets != live.targets and desired.targets:
        ctx = context("eventbridge:PutTargets", f"rule {name}").hiding(*_secrets(desired), *_secrets(live))
        request = m.PutTargetsRequest(
            event_bus_name=BUS_NAME,
            rule_name=name,
            targets=_target_models(desired, m.PutTargetsRequestTargets, m.PutTargetsRequestTargetsParamList),
        )
        call(
            ctx,
            lambda: _check_entries(
                _body(clients.eventbridge.put_targets_with_options(request, _sdk.runtime()), ctx), ctx
            ),
            clients.retry,
        )
    removed = sorted({t.id for t in live.targets} - {t.id for t in desired.targets})
    if removed:
        ctx = context("eventbridge:DeleteTargets", f"rule {name}")
        _delete_targets(clients, name, removed, context)
    if desired.enabled != live.enabled and not updated:
        action = "EnableRule" if desired.enabled else "DisableRule"
        ctx = context(f"eventbridge:{action}", f"rule {name}")
        if desired.enabled:
            enable = m.EnableRuleRequest(event_bus_name=BUS_NAME, rule_name=name)
            call(
                ctx,
                lambda: _body(clients.eventbridge.enable_rule_with_options(enable, _sdk.runtime()), ctx),
                clients.retry,
            )
        else:
            disable = m.DisableRuleRequest(event_bus_name=BUS_NAME, rule_name=name)
            call(
                ctx,
                lambda: _body(clients.eventbridge.disable_rule_with_options(disable, _sdk.runtime()), ctx),
                clients.retry,
            )


def _delete_targets(clients: _sdk.Clients, name: str, ids: list[str], context: ContextFor) -> None:
    ctx = context("eventbridge:DeleteTargets", f"rule {name}")
    request = _sdk.eventbridge_models.DeleteTargetsRequest(
        event_bus_name=BUS_NAME, rule_name=name, target_ids=ids
    )
    call(
        ctx,
        lambda: _check_entries(
            _body(clients.eventbridge.delete_targets_with_options(request, _sdk.runtime()), ctx),
            ctx,
            deleting=True,
        ),
        clients.retry,
    )


def delete_rule(clients: _sdk.Clients, name: str, context: ContextFor) -> bool:
    """Delete a rule; False if it was already gone. Targets go first, as the console does. Safe to
    repeat: targets or a rule already gone (a lost response) are not errors."""
    live = get_rule(clients, name, context)
    if live is None:
        return False
    if live.targets:
        _delete_targets(clients, name, [t.id for t in live.targets], context)
    ctx = context("eventbridge:DeleteRule", f"rule {name}")
    request = _sdk.eventbridge_models.DeleteRuleRequest(event_bus_name=BUS_NAME, rule_name=name)
    try:
        call(
            ctx,
            lambda: _body(clients.eventbridge.delete_rule_with_options(request, _sdk.runtime()), ctx),
            clients.retry,
        )
    except NotFound:
        return False
    return True


def query_event_traces(clients: _sdk.Clients, event_id: str, context: ContextFor) -> list[dict[str, Any]]:
    """QueryEventTraces on the `default` bus: the event's PutEvent/FilterEvent/PushEvent steps, as the
    API returns them (`Action`, `ActionTime`, `RuleName`, `Endpoint`, `NotifyStatus`, …). Kept 3 days."""
    ctx = context("eventbridge:QueryEventTraces", f"event {event_id}")
    request = _sdk.eventbridge_models.QueryEventTracesRequest(event_bus_name=BUS_NAME, event_id=event_id)
    body = call(
        ctx,
        lambda: _body(clients.eventbridge.query_event_traces_with_options(request, _sdk.runtime()), ctx),
        clients.retry,
    )
    return [dict(step) for step in body.get("Data") or [] if isinstance(step, Mapping)]
