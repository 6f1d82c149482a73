"""Planning an `aws` registry: one EventBridge rule per declared rule, no registry side. Pure.

On AWS an ECR rule *is* its EventBridge rule (`crnotify.providers.aws.mapping`), so none of the
linked-pair steps apply; per rule:

    declared, absent                    → create (put the rule, its API destination and connection)
    declared, owned, differs            → update (put it again; edits made outside crnotify are
                                          restored, and named in the reasons)
    declared, not ours                  → error: adopt it first (`crnotify import --adopt`)
    undeclared, owned                   → delete
    undeclared, not owned               → reported as unmanaged, never touched

Ownership is the rule's tags (`crnotify:managed`, `crnotify:registry`); "edited outside crnotify"
means its content no longer matches the digest in its `crnotify:spec` tag.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from crnotify import normalise
from crnotify.model import BusRule, Config, LiveRule, Provider, Registry, Rule
from crnotify.planner.changes import Action, Change, DeleteRule, PlanError, PutBusRule, RuleRef
from crnotify.planner.fields import bus_fields
from crnotify.providers.aws import mapping

ADOPT_HINT = (
    "run `crnotify import --registry {registry} --adopt` to take it over, or rename the declared rule"
)


class Standing(StrEnum):
    ABSENT = "absent"
    OWNED = "owned"
    FOREIGN = "foreign"  # not tagged as crnotify's for this registry


@dataclass(frozen=True, slots=True, kw_only=True)
class Assessment:
    standing: Standing
    edited_outside: bool = False


def assess(registry: Registry, live: LiveRule | None) -> Assessment:
    if live is None or live.bus is None:
        return Assessment(standing=Standing.ABSENT)
    if mapping.owner(live.bus) != registry.name:
        return Assessment(standing=Standing.FOREIGN)
    return Assessment(standing=Standing.OWNED, edited_outside=mapping.edited_outside(live.bus))


def desired(registry: Registry, rule: Rule) -> BusRule:
    """The rule crnotify wants. Raises ValueError (readable) for what validation would refuse."""
    problems = mapping.rule_problems(rule, registry)
    if problems:
        raise ValueError("; ".join(problem.message for problem in problems))
    return mapping.desired_bus_rule(rule, registry)


def plan_registry(
    registry: Registry, declared: Mapping[str, Rule], current: Mapping[str, LiveRule]
) -> tuple[list[Change], list[PlanError], list[RuleRef]]:
    changes: list[Change] = []
    errors: list[PlanError] = []
    unmanaged: list[RuleRef] = []
    for name in sorted(set(declared) | set(current)):
        rule, live = declared.get(name), current.get(name)
        state = assess(registry, live)
        if rule is None:
            assert live is not None
            if state.standing is Standing.OWNED:
                changes.append(_delete(registry, live))
            else:
                unmanaged.append(RuleRef(registry=registry.name, rule=name))
            continue
        try:
            want = desired(registry, rule)
        except ValueError as exc:
            errors.append(PlanError(registry=registry.name, rule=name, message=str(exc)))
            continue
        url_secret = rule.notify.url.is_secret
        if state.standing is Standing.ABSENT:
            changes.append(
                Change(
                    action=Action.CREATE,
                    registry=registry.name,
                    rule=name,
                    fields=bus_fields(None, want, url_secret=url_secret),
                    operation=PutBusRule(desired=want, live=None),
                )
            )
        elif state.standing is Standing.FOREIGN:
            errors.append(
                PlanError(
                    registry=registry.name,
                    rule=name,
                    message=f"an EventBridge rule named {name!r} already exists and is not managed by "
                    f"crnotify for registry {registry.name} (no crnotify tags)",
                    hint=ADOPT_HINT.format(registry=registry.name),
                )
            )
        else:
            assert live is not None
            assert live.bus is not None
            if normalise.bus_rule(live.bus) == want:
                continue
            reasons = (
                ("the EventBridge rule was edited outside crnotify; the declared rule will be restored",)
                if state.edited_outside
                else ("the declared rule differs from the one crnotify last wrote",)
            )
            changes.append(
                Change(
                    action=Action.UPDATE,
                    registry=registry.name,
                    rule=name,
                    fields=bus_fields(live.bus, want, url_secret=url_secret),
                    reasons=reasons,
                    operation=PutBusRule(desired=want, live=live.bus),
                )
            )
    return changes, errors, unmanaged


def _delete(registry: Registry, live: LiveRule) -> Change:
    return Change(
        action=Action.DELETE,
        registry=registry.name,
        rule=live.name,
        fields=bus_fields(live.bus, None, url_secret=False),
        reasons=("managed by crnotify (tags on the EventBridge rule) and no longer declared",),
        operation=DeleteRule(rule_id=None, bus_name=live.name),
    )


def digest_items(config: Config) -> Iterable[list[str]]:
    """What a saved plan's desired digest covers for aws rules: one content digest per rule (secrets
    enter only through the fingerprint in the target's `Auth` param)."""
    for rule in config.rules:
        try:
            registry = config.registry(rule.registry)
            if registry.provider is Provider.AWS:
                bus = desired(registry, rule)
                yield [
                    registry.name,
                    registry.region,
                    registry.account or "",
                    rule.name,
                    mapping.content_digest(bus),
                ]
        except (KeyError, ValueError):
            continue
