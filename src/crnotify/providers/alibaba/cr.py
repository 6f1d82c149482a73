"""Container Registry (2018-12-01) event rules: list names, create, update, delete.

The API cannot read a rule's settings back — `ListEventCenterRuleName` returns ids and names only
(research/alibaba-facts.md §1.1, §1.5) — so the registry side is written from `RegistrySpec` and read
back through the bus rule it generates. Response codes differ per action (`200` int for Update,
`"success"` for Delete and List, §1.3–1.5): `errors.checked` accepts all of them and `IsSuccess`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from crnotify.errors import NotFound, ProviderError
from crnotify.providers.alibaba import _sdk
from crnotify.providers.alibaba.convention import RegistrySpec
from crnotify.providers.alibaba.errors import CallContext, call, checked

ContextFor = Callable[[str, str], CallContext]


def _body(response: Any, ctx: CallContext) -> dict[str, Any]:
    body = response.body.to_map() if response is not None and response.body is not None else {}
    return checked(body, ctx)


def list_rule_names(clients: _sdk.Clients, instance_id: str, context: ContextFor) -> list[tuple[str, str]]:
    """(rule id, rule name) of every event rule of the instance. The API has no paging."""
    ctx = context("cr:ListEventCenterRuleName", f"instance {instance_id}")
    request = _sdk.cr_models.ListEventCenterRuleNameRequest(instance_id=instance_id)
    body = call(
        ctx,
        lambda: _body(clients.cr.list_event_center_rule_name_with_options(request, _sdk.runtime()), ctx),
        clients.retry,
    )
    return [
        (str(item.get("RuleId", "")), str(item.get("RuleName", ""))) for item in body.get("RuleNames") or []
    ]


def create(
    clients: _sdk.Clients,
    instance_id: str,
    spec: RegistrySpec,
    context: ContextFor,
    *,
    action: str = "cr:CreateEventCenterRule",
) -> str:
    """Create the rule. Repeated after a lost response, the cloud says it already exists: the
    provider checks that what exists is this spec (`AlibabaProvider.create_registry_rule`).
    `action`: `emulator:ConsoleCreateEventCenterRule` is the emulator's console (`emulator.console`)."""
    ctx = context(action, f"instance {instance_id}").hiding(spec.url, spec.secret)
    ctx = replace(ctx, rule=spec.rule_name)
    query = {"InstanceId": instance_id, **spec.to_params()}
    body = call(
        ctx, lambda: checked(_sdk.create_event_center_rule(clients.cr, query, ctx.api), ctx), clients.retry
    )
    rule_id = body.get("RuleId")
    if not rule_id:
        raise ProviderError(f"{ctx.api} on {instance_id} returned no RuleId")
    return str(rule_id)


def update(
    clients: _sdk.Clients, instance_id: str, rule_id: str, spec: RegistrySpec, context: ContextFor
) -> None:
    ctx = context("cr:UpdateEventCenterRule", f"rule {rule_id} of instance {instance_id}")
    ctx = ctx.hiding(spec.url, spec.secret)
    params = spec.to_params()
    request = _sdk.cr_models.UpdateEventCenterRuleRequest(
        instance_id=instance_id,
        rule_id=rule_id,
        rule_name=params["RuleName"],
        event_channel=params["EventChannel"],
        event_type=params["EventType"],
        event_scope=params["EventScope"],
        event_config=params["EventConfig"],
        repo_tag_filter_pattern=params["RepoTagFilterPattern"],
        namespaces=json.loads(params["Namespaces"]) if "Namespaces" in params else None,
        repo_names=json.loads(params["RepoNames"]) if "RepoNames" in params else None,
    )
    # Saving the same settings twice leaves the same rule: safe to repeat.
    call(
        ctx,
        lambda: _body(clients.cr.update_event_center_rule_with_options(request, _sdk.runtime()), ctx),
        clients.retry,
    )


def save(
    clients: _sdk.Clients, instance_id: str, rule_id: str, changes: Mapping[str, Any], context: ContextFor
) -> None:
    """UpdateEventCenterRule with only `changes` (the request model's field names, e.g.
    `event_scope`, `namespaces`): a save as a person makes it in the console, which ACR answers by
    regenerating the bus rule from the stored settings — whatever was edited on the bus."""
    ctx = context("cr:UpdateEventCenterRule", f"rule {rule_id} of instance {instance_id}")
    request = _sdk.cr_models.UpdateEventCenterRuleRequest(instance_id=instance_id, rule_id=rule_id, **changes)
    call(
        ctx,
        lambda: _body(clients.cr.update_event_center_rule_with_options(request, _sdk.runtime()), ctx),
        clients.retry,
    )


def delete(clients: _sdk.Clients, instance_id: str, rule_id: str, context: ContextFor) -> bool:
    """Delete the rule; False if it was already gone (a repeat after a lost response, or someone
    else's delete). "Gone" is checked by listing, so a missing *instance* still fails."""
    ctx = context("cr:DeleteEventCenterRule", f"rule {rule_id} of instance {instance_id}")
    request = _sdk.cr_models.DeleteEventCenterRuleRequest(instance_id=instance_id, rule_id=rule_id)
    try:
        call(
            ctx,
            lambda: _body(clients.cr.delete_event_center_rule_with_options(request, _sdk.runtime()), ctx),
            clients.retry,
        )
    except NotFound:
        if any(existing == rule_id for existing, _ in list_rule_names(clients, instance_id, context)):
            raise
        return False
    return True
