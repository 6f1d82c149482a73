"""`plan(config, live) -> Plan`: the pure diff of the declared config against the live cloud.

Per rule of each declared Alibaba registry (DESIGN.md §2, the linked pair; `aws` registries, which
have no registry side, are planned by `crnotify.planner.aws`):

    declared, absent                  → create (registry) + reapply-bus
    declared, owned, spec changed     → update (registry) + reapply-bus; undeclared bus edits discarded
    declared, owned, bus differs      → update (bus only)
    declared, registry saved outside  → update (registry) + reapply-bus (no marker, pristine bus rule)
    declared, bus rule missing        → update (registry, regenerates the bus rule) + reapply-bus
    declared, not ours                → error: adopt it first (`crnotify import --adopt`)
    undeclared, owned                 → delete
    undeclared, not owned             → reported as unmanaged, never touched
"""

from __future__ import annotations

from collections.abc import Collection, Iterator

from crnotify.model import Config, LiveRule, LiveState, Provider, Registry
from crnotify.planner import aws
from crnotify.planner.assess import Assessment, Standing, assess, split_edits
from crnotify.planner.changes import (
    Action,
    Change,
    CreateRegistryRule,
    DeleteRule,
    FieldChange,
    Plan,
    PlanError,
    PutBusRule,
    RuleRef,
    UpdateRegistryRule,
)
from crnotify.planner.desired import Desired, desire
from crnotify.planner.fields import bus_fields, registry_fields, tag_field

REAPPLY_REASON = (
    "saving the registry side regenerates the bus rule from ACR's defaults; "
    "re-apply the declared bus customisations and the crnotify marker"
)
ADOPT_HINT = (
    "run `crnotify import --registry {registry} --adopt` to take it over, or rename the declared rule"
)


def plan(config: Config, live: LiveState, *, skip: Collection[str] = ()) -> Plan:
    """The plan for every registry of `config` except those named in `skip` (listed as skipped:
    e.g. aws registries under `--local`, whose embedded cloud emulates Alibaba Cloud only)."""
    changes: list[Change] = []
    errors: list[PlanError] = []
    unmanaged: list[RuleRef] = []
    skipped: list[str] = []
    for registry in config.registries:
        if registry.name in skip:
            skipped.append(registry.name)  # shown as a note, never silently
            continue
        declared = {rule.name: rule for rule in config.rules_of(registry.name)}
        current = {rule.name: rule for rule in live.of(registry.name)}
        if registry.provider is Provider.AWS:
            aws_changes, aws_errors, aws_unmanaged = aws.plan_registry(registry, declared, current)
            changes += aws_changes
            errors += aws_errors
            unmanaged += aws_unmanaged
            continue
        for name in sorted(set(declared) | set(current)):
            rule, live_rule = declared.get(name), current.get(name)
            if rule is None:
                assert live_rule is not None
                outcome = _undeclared(registry, live_rule)
                if isinstance(outcome, RuleRef):
                    unmanaged.append(outcome)
                else:
                    changes.append(outcome)
                continue
            try:
                desired = desire(registry, rule)
            except ValueError as exc:
                errors.append(PlanError(registry=registry.name, rule=name, message=str(exc)))
                continue
            result = list(_declared(desired, live_rule))
            errors.extend(item for item in result if isinstance(item, PlanError))
            changes.extend(item for item in result if isinstance(item, Change))
    return Plan(
        changes=tuple(changes),
        errors=tuple(errors),
        unmanaged=tuple(unmanaged),
        registries=config.registries,
        skipped=tuple(skipped),
    )


def _declared(desired: Desired, live: LiveRule | None) -> Iterator[Change | PlanError]:
    registry, name = desired.registry.name, desired.rule.name
    state = assess(live, instance_id=desired.instance_id, rule=desired.rule, declared_spec=desired.spec)
    url_secret = desired.url_is_secret
    if state.standing is Standing.ABSENT:
        yield Change(
            action=Action.CREATE,
            registry=registry,
            rule=name,
            fields=registry_fields(None, desired.spec, url_secret=url_secret),
            operation=CreateRegistryRule(spec=desired.spec),
        )
        yield _reapply(desired)
        return
    assert live is not None
    if state.standing is Standing.FOREIGN:
        where = "an EventBridge rule" if live.rule_id is None else "an event rule"
        yield PlanError(
            registry=registry,
            rule=name,
            message=f"{where} named {name!r} already exists and is not managed by crnotify "
            "(its bus rule has no crnotify marker and carries edits crnotify did not make)",
            hint=ADOPT_HINT.format(registry=registry),
        )
        return
    if state.standing is Standing.BUS_MISSING:
        assert live.rule_id is not None
        yield Change(
            action=Action.UPDATE,
            registry=registry,
            rule=name,
            fields=registry_fields(None, desired.spec, url_secret=url_secret),
            reasons=("the EventBridge rule is missing; saving the registry side regenerates it",),
            operation=UpdateRegistryRule(rule_id=live.rule_id, spec=desired.spec),
        )
        yield _reapply(desired)
        return
    declared_edits, lost = split_edits(state, desired.rule)
    edit_reasons = _edit_reasons(declared_edits)
    if state.standing is Standing.PRISTINE or live.rule_id is None:
        reason = (
            "the registry rule is missing (deleted outside crnotify); only its bus rule remains"
            if live.rule_id is None
            else "no crnotify marker on the bus rule: the registry side was saved outside crnotify, "
            "which regenerated the bus rule"
        )
        yield _registry_write(desired, live, state, (reason, *edit_reasons), lost)
        yield _reapply(desired)
        return
    assert state.marker is not None
    if state.marker.digest != desired.digest:
        reason = "the declared registry spec differs from the one crnotify last saved"
        yield _registry_write(desired, live, state, (reason, *edit_reasons), lost)
        yield _reapply(desired)
        return
    # Registry side as declared: converge the bus side alone.
    assert live.bus is not None
    every = bus_fields(live.bus, desired.bus, url_secret=url_secret)
    if not every:
        return
    discards = tuple(change for change in every if change.path in lost)
    reasons = list(edit_reasons)
    if discards:
        reasons.append("the bus rule was edited outside crnotify in fields the YAML does not declare")
    yield Change(
        action=Action.UPDATE,
        registry=registry,
        rule=name,
        fields=tuple(change for change in every if change.path not in lost),
        reasons=tuple(reasons),
        discards=discards,
        operation=PutBusRule(desired=desired.bus, live=live.bus),
    )


def _edit_reasons(declared_edits: frozenset[str]) -> tuple[str, ...]:
    if not declared_edits:
        return ()
    return (
        "the bus rule was edited outside crnotify in declared fields "
        f"({', '.join(sorted(declared_edits))}); the declared values will be restored",
    )


def _registry_write(
    desired: Desired,
    live: LiveRule,
    state: Assessment,
    reasons: tuple[str, ...],
    lost: frozenset[str],
) -> Change:
    fields: tuple[FieldChange, ...] = registry_fields(
        state.observed, desired.spec, url_secret=desired.url_is_secret, before_from_bus=True
    )
    tag = tag_field(state.observed, state.marker.digest if state.marker else None, desired.spec)
    if tag is not None:
        fields = tuple(sorted((*fields, tag), key=lambda change: change.path))
    discards = tuple(
        change
        for change in bus_fields(live.bus, desired.bus, url_secret=desired.url_is_secret)
        if change.path in lost
    )
    operation: CreateRegistryRule | UpdateRegistryRule
    if live.rule_id is None:
        operation = CreateRegistryRule(spec=desired.spec)
        action = Action.CREATE
    else:
        operation = UpdateRegistryRule(rule_id=live.rule_id, spec=desired.spec)
        action = Action.UPDATE
    return Change(
        action=action,
        registry=desired.registry.name,
        rule=desired.rule.name,
        fields=fields,
        reasons=reasons,
        discards=discards,
        operation=operation,
    )


def _reapply(desired: Desired) -> Change:
    return Change(
        action=Action.REAPPLY_BUS,
        registry=desired.registry.name,
        rule=desired.rule.name,
        fields=bus_fields(desired.generated, desired.bus, url_secret=desired.url_is_secret),
        reasons=(REAPPLY_REASON,),
        operation=PutBusRule(desired=desired.bus, live=None, after_registry_write=True),
    )


def _undeclared(registry: Registry, live: LiveRule) -> Change | RuleRef:
    state = assess(live, instance_id=registry.instance_id or "")
    if not state.owned:
        return RuleRef(registry=registry.name, rule=live.name)
    return Change(
        action=Action.DELETE,
        registry=registry.name,
        rule=live.name,
        fields=registry_fields(state.observed, None, url_secret=False, before_from_bus=True),
        reasons=("managed by crnotify (marker on its bus rule) and no longer declared",),
        operation=DeleteRule(rule_id=live.rule_id, bus_name=live.bus.name if live.bus else None),
    )


__all__ = ["plan"]
