"""`detect(config, live) -> DriftReport`: what differs between the YAML and the cloud, and why. Pure.

Kinds (stable strings; scripts match on them):

    missing           declared, but absent (or one half of the pair is gone)
    registry_changed  the registry side was saved outside crnotify (its marker is gone from a bus rule
                      ACR regenerated), or differs from the declared spec (marker digest mismatch)
    bus_changed       the bus rule was edited outside crnotify since crnotify wrote it; edits in fields
                      the YAML does not declare are lost at the next registry write
    pending           declared bus customisations not yet applied, or an owned rule no longer declared
    conflict          declared, but the live rule of that name is not managed by crnotify
    unmanaged         present, not declared, not owned: reported only

On `aws` registries (no registry side, `crnotify.planner.aws`) `registry_changed` never occurs: a rule
edited outside crnotify (its content no longer matches its `crnotify:spec` tag) is `bus_changed`.

It reuses the planner's assessment of each live rule, so plan and drift never disagree on ownership.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from crnotify.model import Config, LiveRule, LiveState, Provider, Registry, Rule
from crnotify.planner import aws as aws_plan
from crnotify.planner import desire
from crnotify.planner.assess import Standing, assess, split_edits
from crnotify.planner.fields import bus_fields, registry_fields, tag_field


class DriftKind(StrEnum):
    MISSING = "missing"
    REGISTRY_CHANGED = "registry_changed"
    BUS_CHANGED = "bus_changed"
    PENDING = "pending"
    CONFLICT = "conflict"
    UNMANAGED = "unmanaged"


@dataclass(frozen=True, slots=True, kw_only=True)
class DriftItem:
    registry: str
    rule: str
    kind: DriftKind
    detail: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DriftReport:
    items: tuple[DriftItem, ...] = ()

    @property
    def has_drift(self) -> bool:
        return bool(self.items)

    def count(self, kind: DriftKind) -> int:
        return sum(1 for item in self.items if item.kind is kind)


def _paths(paths: frozenset[str] | set[str]) -> str:
    return ", ".join(sorted(paths))


def detect(config: Config, live: LiveState, *, skip: Collection[str] = ()) -> DriftReport:
    """Drift of every registry of `config` but those named in `skip` (see `planner.plan`)."""
    items: list[DriftItem] = []
    for registry in config.registries:
        if registry.name in skip:
            continue
        declared = {rule.name: rule for rule in config.rules_of(registry.name)}
        current = {rule.name: rule for rule in live.of(registry.name)}
        for name in sorted(set(declared) | set(current)):
            rule, live_rule = declared.get(name), current.get(name)
            if registry.provider is Provider.AWS:
                found = _aws(registry, rule, live_rule)
            elif rule is not None:
                found = _declared(registry, rule, live_rule)
            else:
                found = _undeclared(registry, live_rule)
            items += [DriftItem(registry=registry.name, rule=name, kind=k, detail=d) for k, d in found]
    return DriftReport(items=tuple(items))


Found = list[tuple[DriftKind, str]]


def _undeclared(registry: Registry, live: LiveRule | None) -> Found:
    assert live is not None
    if assess(live, instance_id=registry.instance_id or "").owned:
        return [(DriftKind.PENDING, "managed by crnotify but no longer declared: apply deletes it")]
    return [(DriftKind.UNMANAGED, _describe(live))]


def _declared(registry: Registry, rule: Rule, live: LiveRule | None) -> Found:
    try:
        desired = desire(registry, rule)
    except ValueError as exc:
        return [(DriftKind.MISSING, f"cannot be compared: {exc}")]
    state = assess(live, instance_id=desired.instance_id, rule=rule, declared_spec=desired.spec)
    if state.standing is Standing.ABSENT:
        return [(DriftKind.MISSING, "declared but not found in the cloud")]
    assert live is not None
    if state.standing is Standing.BUS_MISSING:
        return [(DriftKind.MISSING, f"the EventBridge rule is missing (registry rule {live.rule_id})")]
    if state.standing is Standing.FOREIGN:
        return [
            (
                DriftKind.CONFLICT,
                "a live rule of this name is not managed by crnotify; "
                f"adopt it with `crnotify import --registry {registry.name} --adopt`",
            )
        ]
    found: Found = []
    if live.rule_id is None:
        found.append((DriftKind.MISSING, "the registry rule is missing; only its EventBridge rule remains"))
    visible = registry_fields(
        state.observed, desired.spec, url_secret=desired.url_is_secret, before_from_bus=True
    )
    shown = f": {_paths({f.path for f in visible})}" if visible else ""
    if state.standing is Standing.PRISTINE:
        detail = (
            "saved outside crnotify (no crnotify marker; ACR regenerated the bus rule, "
            f"discarding its customisations){shown}"
        )
        return [*found, (DriftKind.REGISTRY_CHANGED, detail)]
    assert state.marker is not None
    if state.marker.digest != desired.digest:
        tag = tag_field(state.observed, state.marker.digest, desired.spec)
        if tag is not None:
            shown = f": {_paths({f.path for f in (*visible, tag)})}"
        # No digests in the text: they depend on secrets (docs/plan-apply.md, threat model).
        detail = f"the declared spec differs from the one crnotify last saved{shown}"
        found.append((DriftKind.REGISTRY_CHANGED, detail))
    if state.bus_edited:
        kept, lost = split_edits(state, rule)
        parts = []
        if lost:
            parts.append(f"{_paths(lost)} (not declared: lost at the next registry write)")
        if kept:
            parts.append(f"{_paths(kept)} (declared: apply restores them)")
        found.append((DriftKind.BUS_CHANGED, "edited outside crnotify: " + ("; ".join(parts) or "bus rule")))
    elif state.marker.digest == desired.digest and live.bus is not None:
        pending = bus_fields(live.bus, desired.bus, url_secret=desired.url_is_secret)
        if pending:
            found.append((DriftKind.PENDING, f"not applied yet: {_paths({f.path for f in pending})}"))
    return found


def _describe(live: LiveRule) -> str:
    if live.rule_id is not None and live.bus is not None:
        return f"registry rule {live.rule_id} and its EventBridge rule are not managed by crnotify"
    if live.rule_id is not None:
        return f"registry rule {live.rule_id} (no EventBridge rule) is not managed by crnotify"
    return "an EventBridge rule for this instance that crnotify does not manage"


def _aws(registry: Registry, rule: Rule | None, live: LiveRule | None) -> Found:
    """An `aws` rule has no registry side, so `registry_changed` never applies: an edit made outside
    crnotify is `bus_changed`, and the next apply restores the declared rule."""
    state = aws_plan.assess(registry, live)
    if rule is None:
        if state.standing is aws_plan.Standing.OWNED:
            return [(DriftKind.PENDING, "managed by crnotify but no longer declared: apply deletes it")]
        return [(DriftKind.UNMANAGED, "an EventBridge rule for ECR events that crnotify does not manage")]
    if state.standing is aws_plan.Standing.ABSENT:
        return [(DriftKind.MISSING, "declared but not found on the default event bus")]
    if state.standing is aws_plan.Standing.FOREIGN:
        return [
            (
                DriftKind.CONFLICT,
                "a live rule of this name is not managed by crnotify; "
                f"adopt it with `crnotify import --registry {registry.name} --adopt`",
            )
        ]
    assert live is not None
    assert live.bus is not None
    try:
        want = aws_plan.desired(registry, rule)
    except ValueError as exc:
        return [(DriftKind.MISSING, f"cannot be compared: {exc}")]
    differences = _paths({f.path for f in bus_fields(live.bus, want, url_secret=rule.notify.url.is_secret)})
    if state.edited_outside:
        detail = "edited outside crnotify" + (f": {differences}" if differences else "")
        return [(DriftKind.BUS_CHANGED, detail + " (apply restores the declared rule)")]
    if differences:
        return [(DriftKind.PENDING, f"not applied yet: {differences}")]
    return []
