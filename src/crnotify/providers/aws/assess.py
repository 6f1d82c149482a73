"""AWS's planning rules: one `Assessment` per rule of an `aws` registry. Pure.

On AWS an ECR rule *is* its EventBridge rule (`crnotify.providers.aws.mapping`), so none of the
linked-pair steps apply and `registry_changed` never occurs; per rule:

    declared, absent              → create (rule, API destination, connection)   missing
    declared, not ours            → error: adopt it first                        conflict
    declared, owned, differs      → update (put it again)                        bus_changed | pending
    declared, owned, as declared  → nothing                                      nothing
    undeclared, owned             → delete                                       pending
    undeclared, not owned         → nothing                                      unmanaged

(`bus_changed` when the rule was edited outside crnotify, `pending` when the YAML changed.)

Ownership is the rule's tags (`crnotify:managed`, `crnotify:registry`); "edited outside crnotify"
means its content no longer matches the digest in its `crnotify:spec` tag.
"""

from __future__ import annotations

from collections.abc import Sequence

from crnotify import normalise
from crnotify.model import BusRule, LiveRule, RegionRules, Registry, Rule
from crnotify.planner.assessment import (
    PENDING_DELETE,
    Assessment,
    DriftKind,
    Finding,
    Standing,
    adopt_command,
    adopt_hint,
    in_sync,
    refused,
    unmanaged,
)
from crnotify.planner.changes import Action, Change, DeleteRule, PlanError, PutBusRule
from crnotify.planner.fields import bus_fields
from crnotify.providers.aws import mapping
from crnotify.providers.aws.limits import RULES_PER_BUS


def desired(registry: Registry, rule: Rule) -> BusRule:
    """The rule crnotify wants. Raises ValueError (readable) for what validation would refuse."""
    problems = mapping.rule_problems(rule, registry)
    if problems:
        raise ValueError("; ".join(problem.message for problem in problems))
    return mapping.desired_bus_rule(rule, registry)


def digest_items(registry: Registry, rule: Rule) -> list[str]:
    """One content digest per rule (secrets enter only through the fingerprint in the target's `Auth`)."""
    bus = desired(registry, rule)
    return [registry.name, registry.region, registry.account or "", rule.name, mapping.content_digest(bus)]


def assess(registry: Registry, rule: Rule | None, live: LiveRule | None) -> Assessment:
    bus = None if live is None else live.bus
    owned = bus is not None and mapping.owner(bus) == registry.name
    if rule is None:
        assert live is not None
        if not owned:
            return unmanaged(
                registry.name, live.name, "an EventBridge rule for ECR events that crnotify does not manage"
            )
        delete = Change(
            action=Action.DELETE,
            registry=registry.name,
            rule=live.name,
            fields=bus_fields(bus, None, url_secret=False),
            reasons=("managed by crnotify (tags on the EventBridge rule) and no longer declared",),
            operation=DeleteRule(rule_id=None, bus_name=live.name),
        )
        return Assessment(
            registry=registry.name,
            rule=live.name,
            standing=Standing.UNDECLARED,
            changes=(delete,),
            findings=(Finding(kind=DriftKind.PENDING, detail=PENDING_DELETE),),
        )
    name = rule.name
    try:
        want = desired(registry, rule)
    except ValueError as exc:
        error = PlanError(registry=registry.name, rule=name, message=str(exc))
        return refused(
            registry.name, name, kind=DriftKind.MISSING, error=error, detail=f"cannot be compared: {exc}"
        )
    url_secret = rule.notify.url.is_secret
    if bus is None:
        create = Change(
            action=Action.CREATE,
            registry=registry.name,
            rule=name,
            fields=bus_fields(None, want, url_secret=url_secret),
            operation=PutBusRule(desired=want, live=None),
        )
        missing = Finding(kind=DriftKind.MISSING, detail="declared but not found on the default event bus")
        return Assessment(
            registry=registry.name,
            rule=name,
            standing=Standing.DIFFERS,
            changes=(create,),
            findings=(missing,),
        )
    if not owned:
        error = PlanError(
            registry=registry.name,
            rule=name,
            message=f"an EventBridge rule named {name!r} already exists and is not managed by "
            f"crnotify for registry {registry.name} (no crnotify tags)",
            hint=adopt_hint(registry.name, name),
        )
        detail = (
            "a live rule of this name is not managed by crnotify; "
            f"adopt it with `{adopt_command(registry.name, name)}`"
        )
        return refused(registry.name, name, kind=DriftKind.CONFLICT, error=error, detail=detail)
    if normalise.bus_rule(bus) == want:
        return in_sync(registry.name, name)
    fields = bus_fields(bus, want, url_secret=url_secret)
    differences = ", ".join(sorted({f.path for f in fields}))
    if mapping.edited_outside(bus):
        reason = "the EventBridge rule was edited outside crnotify; the declared rule will be restored"
        detail = "edited outside crnotify" + (f": {differences}" if differences else "")
        finding = Finding(kind=DriftKind.BUS_CHANGED, detail=detail + " (apply restores the declared rule)")
    else:
        reason = "the declared rule differs from the one crnotify last wrote"
        finding = Finding(kind=DriftKind.PENDING, detail=f"not applied yet: {differences or 'tags'}")
    update = Change(
        action=Action.UPDATE,
        registry=registry.name,
        rule=name,
        fields=fields,
        reasons=(reason,),
        operation=PutBusRule(desired=want, live=bus),
    )
    return Assessment(
        registry=registry.name, rule=name, standing=Standing.DIFFERS, changes=(update,), findings=(finding,)
    )


def check_quota(
    registries: Sequence[Registry], changes: Sequence[Change], usage: RegionRules
) -> tuple[PlanError, ...]:
    """Refuse a plan whose new rules would exceed the rules the `default` bus of the region may hold
    (`limits.RULES_PER_BUS`), counting every rule on it, other teams' included."""
    names = {r.name for r in registries}
    mine = [c for c in changes if c.registry in names]
    gone = {c.rule for c in mine if c.action is Action.DELETE}
    on_bus = [name for name in usage.bus_rules if name not in gone]
    creates = sorted({(c.registry, c.rule) for c in mine if c.action is Action.CREATE})
    new = [(registry, rule) for registry, rule in creates if rule not in on_bus]
    if len(on_bus) + len(new) <= RULES_PER_BUS or not new:
        return ()
    registry, rule = new[0]
    listed = ", ".join(on_bus[:20]) + (f" and {len(on_bus) - 20} more" if len(on_bus) > 20 else "")
    return (
        PlanError(
            registry=registry,
            rule=rule,
            message=f"the plan adds {len(new)} rule(s) ({', '.join(n for _, n in new)}) to the Amazon "
            f"EventBridge bus `default` of {usage.region}, which holds {len(on_bus)} of its "
            f"{RULES_PER_BUS}: {listed}",
            hint="delete rules no longer needed on that bus, or ask AWS to raise the quota "
            '"Rules per event bus". Nothing was written',
        ),
    )
