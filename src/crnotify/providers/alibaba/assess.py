"""Alibaba's planning rules: one `Assessment` per rule of an ACR registry — plan's changes and drift's
findings, decided once (DESIGN.md §2, the linked pair).

Ownership: the marker on the bus rule says crnotify wrote it, and so does crnotify's ownership record
(`ownership`, kept apart from the rule), which also holds what the cloud generated after crnotify's
last registry save, observed. A registry save made outside crnotify regenerates the bus rule and drops
the marker, so a *declared* rule whose unmarked bus rule is what ACR generates (pristine) is taken as
"registry side saved outside crnotify" and restored; this is also what an apply interrupted between
the registry write and the bus write leaves behind, so reruns converge. "What ACR generates" is judged
against the observed generation when the record has one, and against the convention's prediction,
tolerantly, where nothing was observed. An unmarked bus rule that is not pristine but that the record
says crnotify made had its marker removed outside crnotify (a console edit of the description): still
crnotify's, restored by an ordinary update. Any other unmarked rule carrying edits is someone else's:
the plan refuses it and points at `crnotify import --adopt`.

    declared, absent                  → create (registry) + reapply-bus              missing
    declared, not ours                → error: adopt it first                         conflict
    declared, recorded, marker gone   → update (bus; registry too if its spec changed) marker_removed
    declared, bus rule missing        → update (registry, regenerates it) + reapply   missing
    declared, registry saved outside  → update (registry) + reapply-bus               registry_changed
    declared, registry rule missing   → create (registry) + reapply-bus               missing
    declared, owned, spec changed     → update (registry) + reapply-bus               registry_changed
    declared, owned, bus differs      → update (bus only)                             bus_changed | pending
    declared, owned, bus as declared  → nothing                                       nothing
    undeclared, owned                 → delete                                        pending
    undeclared, not owned             → nothing                                       unmanaged

"Bus as declared" compares the live bus rule with the declared one field by field; a bus edit made
outside crnotify and then adopted into the YAML is therefore in sync, whatever the marker's record of
the last bus rule crnotify wrote says.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from crnotify import normalise
from crnotify.marker import Marker, read_marker
from crnotify.model import BusCustomization, BusRule, LiveRule, OwnershipEntry, RegionRules, Registry, Rule
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
from crnotify.planner.changes import Action, Change, DeleteRule, FieldChange, PlanError, PutBusRule
from crnotify.planner.fields import bus_fields, is_declared_path
from crnotify.providers.alibaba.convention import (
    RegistrySpec,
    bus_digest,
    customise,
    default_bus_rule,
    determined_by,
    generated_for,
    infer_spec,
    instance_ids,
    with_acr_choices,
)
from crnotify.providers.alibaba.desired import Desired, SaveEventRule, desire
from crnotify.providers.alibaba.fields import registry_fields, saved_as_declared, tag_field
from crnotify.providers.alibaba.limits import DOCS, RULES_PER_BUS, RULES_PER_REGION, is_internal
from crnotify.providers.alibaba.ownership import (
    current,
    generated_digest,
    record_name,
    record_prefix,
    written_digest,
)

MARKER_REASON = (
    "the crnotify marker was removed outside crnotify (crnotify's ownership record has the rule); "
    "the marker and the declared description will be restored"
)
REAPPLY_REASON = (
    "saving the registry side regenerates the bus rule from ACR's defaults; "
    "re-apply the declared bus customisations and the crnotify marker"
)


class Ownership(StrEnum):
    ABSENT = "absent"  # nothing live
    OWNED = "owned"  # marker present
    PRISTINE = "pristine"  # no marker, bus rule exactly as ACR generates it
    BUS_MISSING = "bus-missing"  # registry rule without a bus rule
    FOREIGN = "foreign"  # no marker and edited, or a bus rule that is no ACR rule: not ours
    MARKER_REMOVED = "marker-removed"  # no marker, not pristine, but the ownership record has it


@dataclass(frozen=True, slots=True, kw_only=True)
class Facts:
    """What the live rule shows, before any decision."""

    ownership: Ownership
    marker: Marker | None = None
    observed: RegistrySpec | None = None  # the registry spec the bus rule shows (tag regex unknown)
    bus_edited: bool = False  # edited outside crnotify since crnotify last wrote it
    edited_paths: frozenset[str] = frozenset()  # bus paths that differ from what crnotify expects
    entry: OwnershipEntry | None = None  # the ownership record's entry for this rule


def _pristine(
    bus: BusRule, observed: RegistrySpec | None, instance_id: str, entry: OwnershipEntry | None
) -> bool:
    """Whether an unmarked bus rule is one ACR generated for the spec it shows: judged against what
    the cloud was observed to generate when the record has it, else against the prediction."""
    if observed is None:
        return False
    if entry is None or entry.generated is None:
        return generated_for(bus, observed, instance_id)
    return determined_by(bus, observed, instance_id) and entry.generated == generated_digest(
        bus, observed.rule_name, instance_id
    )


def facts(
    live: LiveRule | None,
    *,
    instance_id: str,
    rule: Rule | None = None,
    declared_spec: RegistrySpec | None = None,
) -> Facts:
    """Classify `live`. `rule`/`declared_spec` are the declaration, when there is one."""
    if live is None:
        return Facts(ownership=Ownership.ABSENT)
    if live.bus is None:
        return Facts(ownership=Ownership.BUS_MISSING)
    bus = normalise.bus_rule(live.bus)
    marker = read_marker(bus.description)
    observed = infer_spec(bus)
    entry = current(live.owned, live.rule_id)
    if marker.digest is None:
        if live.rule_id is not None and _pristine(bus, observed, instance_id, entry):
            return Facts(ownership=Ownership.PRISTINE, marker=marker, observed=observed, entry=entry)
        if entry is None:
            return Facts(ownership=Ownership.FOREIGN, marker=marker, observed=observed)
        return _marker_removed(bus, entry, observed, instance_id, rule=rule, declared_spec=declared_spec)
    # What crnotify expects to find: its last write, rebuilt from the registry spec the marker names
    # (the declared one when the digests agree, else what the bus shows) and the declared `bus:`.
    if declared_spec is not None and saved_as_declared(marker.digest, declared_spec):
        reference_spec: RegistrySpec | None = declared_spec
    else:
        reference_spec = observed or declared_spec
    edited_paths: frozenset[str] = frozenset()
    if reference_spec is not None:
        customisation = rule.bus if rule is not None else BusCustomization()
        reference = customise(
            default_bus_rule(reference_spec, instance_id), customisation, digest=marker.digest
        )
        edited_paths = frozenset(
            change.path for change in bus_fields(reference, bus, url_secret=False) if change.path != "marker"
        )
    # The older marker form has no record of the bus rule written: judge by the differences.
    edited = bool(edited_paths) if marker.bus_digest is None else marker.bus_digest != bus_digest(bus)
    return Facts(
        ownership=Ownership.OWNED,
        marker=marker,
        observed=observed,
        bus_edited=edited,
        edited_paths=edited_paths if edited else frozenset(),
        entry=entry,
    )


def _marker_removed(
    bus: BusRule,
    entry: OwnershipEntry,
    observed: RegistrySpec | None,
    instance_id: str,
    *,
    rule: Rule | None,
    declared_spec: RegistrySpec | None,
) -> Facts:
    """A rule the record says crnotify made, whose marker was removed outside crnotify: the marker is
    rebuilt from the record, and the edits besides the description (which the marker is part of, and
    which apply restores anyway) are found as for a marked rule."""
    marker = Marker(read_marker(bus.description).text, entry.spec, entry.bus)
    if declared_spec is not None and saved_as_declared(entry.spec, declared_spec):
        reference_spec: RegistrySpec | None = declared_spec
    else:
        reference_spec = observed or declared_spec
    edited_paths: frozenset[str] = frozenset()
    if reference_spec is not None:
        customisation = rule.bus if rule is not None else BusCustomization()
        reference = customise(default_bus_rule(reference_spec, instance_id), customisation, digest=entry.spec)
        edited_paths = frozenset(
            change.path
            for change in bus_fields(reference, bus, url_secret=False)
            if change.path not in ("marker", "description")
        )
    edited = bool(edited_paths) if entry.bus is None else entry.bus != written_digest(bus)
    return Facts(
        ownership=Ownership.MARKER_REMOVED,
        marker=marker,
        observed=observed,
        bus_edited=edited,
        edited_paths=edited_paths if edited else frozenset(),
        entry=entry,
    )


def split_edits(found: Facts, rule: Rule | None) -> tuple[frozenset[str], frozenset[str]]:
    """(edited paths the YAML declares — restored from it, edited paths it does not — lost)."""
    bus = rule.bus if rule is not None else BusCustomization()
    declared = frozenset(
        path
        for path in found.edited_paths
        if is_declared_path(
            path,
            description=bus.description is not None,
            enabled=bus.enabled is not None,
            template=bus.template is not None,
        )
    )
    return declared, found.edited_paths - declared


def assess(registry: Registry, rule: Rule | None, live: LiveRule | None) -> Assessment:
    if rule is None:
        assert live is not None
        return _undeclared(registry, live)
    try:
        desired = desire(registry, rule)
    except ValueError as exc:
        error = PlanError(registry=registry.name, rule=rule.name, message=str(exc))
        return refused(
            registry.name, rule.name, kind=DriftKind.MISSING, error=error, detail=f"cannot be compared: {exc}"
        )
    return _declared(desired, live)


def _paths(paths: frozenset[str] | set[str]) -> str:
    return ", ".join(sorted(paths))


def _declared(desired: Desired, live: LiveRule | None) -> Assessment:
    registry, name = desired.registry.name, desired.rule.name
    found = facts(live, instance_id=desired.instance_id, rule=desired.rule, declared_spec=desired.spec)

    def differs(*changes: Change, findings: list[Finding]) -> Assessment:
        return Assessment(
            registry=registry, rule=name, standing=Standing.DIFFERS, changes=changes, findings=tuple(findings)
        )

    if found.ownership is Ownership.ABSENT:
        create = Change(
            action=Action.CREATE,
            registry=registry,
            rule=name,
            fields=registry_fields(None, desired.spec, url_secret=desired.url_is_secret),
            operation=SaveEventRule(spec=desired.spec),
        )
        missing = Finding(kind=DriftKind.MISSING, detail="declared but not found in the cloud")
        return differs(create, _reapply(desired), findings=[missing])
    assert live is not None
    if found.ownership is Ownership.FOREIGN:
        where = "an EventBridge rule" if live.rule_id is None else "an event rule"
        error = PlanError(
            registry=registry,
            rule=name,
            message=f"{where} named {name!r} already exists and is not managed by crnotify "
            "(its bus rule has no crnotify marker and carries edits crnotify did not make)",
            hint=adopt_hint(registry, name),
        )
        detail = (
            "a live rule of this name is not managed by crnotify; "
            f"adopt it with `{adopt_command(registry, name)}`"
        )
        return refused(registry, name, kind=DriftKind.CONFLICT, error=error, detail=detail)
    if found.ownership is Ownership.BUS_MISSING:
        assert live.rule_id is not None
        update = Change(
            action=Action.UPDATE,
            registry=registry,
            rule=name,
            fields=registry_fields(None, desired.spec, url_secret=desired.url_is_secret),
            reasons=("the EventBridge rule is missing; saving the registry side regenerates it",),
            operation=SaveEventRule(rule_id=live.rule_id, spec=desired.spec),
        )
        missing = Finding(
            kind=DriftKind.MISSING, detail=f"the EventBridge rule is missing (registry rule {live.rule_id})"
        )
        return differs(update, _reapply(desired), findings=[missing])
    declared_edits, lost = split_edits(found, desired.rule)
    edit_reasons = _edit_reasons(declared_edits)
    findings: list[Finding] = []
    removed = found.ownership is Ownership.MARKER_REMOVED
    if removed:
        findings.append(_marker_removed_finding(found))
        edit_reasons = (MARKER_REASON, *edit_reasons)
    if found.bus_edited:
        findings.append(_bus_changed(declared_edits, lost))
    if found.ownership is Ownership.PRISTINE or live.rule_id is None:
        if live.rule_id is None:
            reason = _bus_only_reason(desired, live)
            gone = "the registry rule is missing; only its EventBridge rule remains"
            findings.insert(0, Finding(kind=DriftKind.MISSING, detail=gone))
        else:
            reason = (
                "no crnotify marker on the bus rule: the registry side was saved outside crnotify, "
                "which regenerated the bus rule"
            )
            findings.insert(0, _registry_changed(found, desired, saved_outside=True))
        write = _registry_write(desired, live, found, (reason, *edit_reasons), lost)
        return differs(write, _reapply(desired, live.bus, write), findings=findings)
    assert found.marker is not None
    if not saved_as_declared(found.marker.digest, desired.spec):
        reason = "the declared registry spec differs from the one crnotify last saved"
        findings.insert(0, _registry_changed(found, desired, saved_outside=False))
        write = _registry_write(desired, live, found, (reason, *edit_reasons), lost)
        return differs(write, _reapply(desired, live.bus, write), findings=findings)
    desired = desired.recorded_as(found.marker.digest or desired.digest)  # an adoption's record stays
    # Registry side as declared: converge the bus side alone.
    assert live.bus is not None
    wanted = with_acr_choices(desired.bus, live.bus, retry=not found.bus_edited)  # as ACR made them
    every = bus_fields(live.bus, wanted, url_secret=desired.url_is_secret)
    if not every:
        return in_sync(registry, name)  # an outside edit adopted into the YAML is no drift
    if not found.bus_edited and not removed:
        findings.append(
            Finding(kind=DriftKind.PENDING, detail=f"not applied yet: {_paths({f.path for f in every})}")
        )
    discards = tuple(change for change in every if change.path in lost)
    reasons = list(edit_reasons)
    if discards:
        reasons.append("the bus rule was edited outside crnotify in fields the YAML does not declare")
    update = Change(
        action=Action.UPDATE,
        registry=registry,
        rule=name,
        fields=tuple(change for change in every if change.path not in lost),
        reasons=tuple(reasons),
        discards=discards,
        operation=PutBusRule(desired=wanted, live=live.bus),
    )
    return differs(update, findings=findings)


def _bus_changed(kept: frozenset[str], lost: frozenset[str]) -> Finding:
    parts = []
    if lost:
        parts.append(f"{_paths(lost)} (not declared: lost at the next registry write)")
    if kept:
        parts.append(f"{_paths(kept)} (declared: apply restores them)")
    return Finding(
        kind=DriftKind.BUS_CHANGED, detail="edited outside crnotify: " + ("; ".join(parts) or "bus rule")
    )


def _registry_changed(found: Facts, desired: Desired, *, saved_outside: bool) -> Finding:
    visible = registry_fields(
        found.observed, desired.spec, url_secret=desired.url_is_secret, before_from_bus=True
    )
    paths = {f.path for f in visible}
    if saved_outside:
        shown = f": {_paths(paths)}" if paths else ""
        detail = (
            "saved outside crnotify (no crnotify marker; ACR regenerated the bus rule, "
            f"discarding its customisations){shown}"
        )
        return Finding(kind=DriftKind.REGISTRY_CHANGED, detail=detail)
    assert found.marker is not None
    tag = _tag(found, desired)
    if tag is not None:
        paths.add(tag.path)
    shown = f": {_paths(paths)}" if paths else ""
    # No digests in the text: they depend on secrets (docs/plan-apply.md, threat model).
    detail = f"the declared spec differs from the one crnotify last saved{shown}"
    return Finding(kind=DriftKind.REGISTRY_CHANGED, detail=detail)


def _marker_removed_finding(found: Facts) -> Finding:
    text = found.marker.text.strip() if found.marker is not None else ""
    detail = (
        "the crnotify marker was removed from the bus rule's description outside crnotify "
        f"(it now reads {text!r}); crnotify's ownership record still has the rule: "
        "apply restores the marker and the declared description"
    )
    return Finding(kind=DriftKind.MARKER_REMOVED, detail=detail)


def _tag(found: Facts, desired: Desired) -> FieldChange | None:
    """The tag regex's before → after; the record's regex is the old value when it records the spec
    the marker names (issue 15 item 7), else it is recognised from the digest (`tag_field`)."""
    digest = found.marker.digest if found.marker is not None else None
    entry = found.entry
    recorded = None
    if entry is not None and digest is not None and entry.spec == digest:
        recorded = entry.tag_pattern
    return tag_field(found.observed, digest, desired.spec, recorded=recorded)


def _edit_reasons(declared_edits: frozenset[str]) -> tuple[str, ...]:
    if not declared_edits:
        return ()
    return (
        "the bus rule was edited outside crnotify in declared fields "
        f"({', '.join(sorted(declared_edits))}); the declared values will be restored",
    )


def _registry_write(
    desired: Desired, live: LiveRule, found: Facts, reasons: tuple[str, ...], lost: frozenset[str]
) -> Change:
    if live.rule_id is None:  # no registry rule: it is created whole, whatever the bus rule shows
        fields = registry_fields(None, desired.spec, url_secret=desired.url_is_secret)
    else:
        fields = registry_fields(
            found.observed, desired.spec, url_secret=desired.url_is_secret, before_from_bus=True
        )
        tag = _tag(found, desired)
        if tag is not None:
            fields = tuple(sorted((*fields, tag), key=lambda change: change.path))
    discards = tuple(
        change
        for change in bus_fields(live.bus, desired.bus, url_secret=desired.url_is_secret)
        if change.path in lost
    )
    return Change(
        action=Action.CREATE if live.rule_id is None else Action.UPDATE,
        registry=desired.registry.name,
        rule=desired.rule.name,
        fields=fields,
        reasons=reasons,
        discards=discards,
        operation=SaveEventRule(rule_id=live.rule_id, spec=desired.spec),
    )


def _bus_only_reason(desired: Desired, live: LiveRule) -> str:
    """Why a bus rule stands without its registry rule: deleted outside crnotify, or the bus rule is
    another instance's (a rule moving between two instances of one region: names are per region)."""
    others = [i for i in instance_ids(live.bus.pattern if live.bus else {}) if i != desired.instance_id]
    if others:
        return (
            f"the bus rule of this name is instance {', '.join(others)}'s; creating the registry rule "
            f"on {desired.instance_id} regenerates it for this instance"
        )
    return "the registry rule is missing (deleted outside crnotify); only its bus rule remains"


def _reapply(desired: Desired, live: BusRule | None = None, write: Change | None = None) -> Change:
    """The bus step after a registry write. Its fields are what changes on the live bus rule when
    there is one (a secret rotation is one line, not ACR's default template against the declared
    one), else on the rule the registry write generates. The marker is named by the reason, not as a
    field (alone it made a block whose only line was `+ marker`); what `write` already lists as
    discarded is not repeated."""
    shown = {"marker"} | ({change.path for change in write.discards} if write is not None else set())
    fields = bus_fields(live or desired.generated, desired.bus, url_secret=desired.url_is_secret)
    return Change(
        action=Action.REAPPLY_BUS,
        registry=desired.registry.name,
        rule=desired.rule.name,
        fields=tuple(change for change in fields if change.path not in shown),
        reasons=(REAPPLY_REASON,),
        operation=PutBusRule(desired=desired.bus, live=None, after_registry_write=True),
    )


def _undeclared(registry: Registry, live: LiveRule) -> Assessment:
    found = facts(live, instance_id=registry.instance_id or "")
    if found.ownership not in (Ownership.OWNED, Ownership.MARKER_REMOVED):
        return unmanaged(registry.name, live.name, _describe(live))
    why = "marker on its bus rule" if found.ownership is Ownership.OWNED else "its ownership record"
    delete = Change(
        action=Action.DELETE,
        registry=registry.name,
        rule=live.name,
        fields=registry_fields(found.observed, None, url_secret=False, before_from_bus=True),
        reasons=(f"managed by crnotify ({why}) and no longer declared",),
        operation=DeleteRule(rule_id=live.rule_id, bus_name=live.bus.name if live.bus else None),
    )
    return Assessment(
        registry=registry.name,
        rule=live.name,
        standing=Standing.UNDECLARED,
        changes=(delete,),
        findings=(Finding(kind=DriftKind.PENDING, detail=PENDING_DELETE),),
    )


def _describe(live: LiveRule) -> str:
    if live.rule_id is not None and live.bus is not None:
        return f"registry rule {live.rule_id} and its EventBridge rule are not managed by crnotify"
    if live.rule_id is not None:
        return f"registry rule {live.rule_id} (no EventBridge rule) is not managed by crnotify"
    return "an EventBridge rule for this instance that crnotify does not manage"


# --- quotas: checked by plan before any write ------------------------------------------------------

LISTED = 20  # rules named in a quota error before "and N more"


def check_quota(
    registries: Sequence[Registry], changes: Sequence[Change], usage: RegionRules
) -> tuple[PlanError, ...]:
    """Refuse a plan whose creations would exceed the region's limits, counting every rule that holds a
    slot there — other teams' and the console's included (ACR: `limits.RULES_PER_REGION` event rules
    per region whatever their instances; EventBridge: `limits.RULES_PER_BUS` rules on the bus). Without
    this, the apply fails half-way with `EventCenterRuleCountExceedLimit`."""
    names = {r.name for r in registries}
    mine = [c for c in changes if c.registry in names]
    deleted = {c.rule for c in mine if isinstance(c.operation, DeleteRule) and c.operation.rule_id}
    gone = {
        c.operation.bus_name for c in mine if isinstance(c.operation, DeleteRule) and c.operation.bus_name
    }
    held = [(name, where) for name, where in usage.registry_rules if name not in deleted]
    taken = {name for name, _ in held}
    creates = sorted(
        (c.registry, c.rule)
        for c in mine
        if isinstance(c.operation, SaveEventRule) and c.operation.rule_id is None and c.rule not in taken
    )
    if not creates:
        return ()
    errors = []
    registry, rule = creates[0]
    created = ", ".join(name for _, name in creates)
    if len(held) + len(creates) > RULES_PER_REGION:
        holders = _listed([f"{name} ({where})" for name, where in held])
        errors.append(
            PlanError(
                registry=registry,
                rule=rule,
                message=f"the plan creates {len(creates)} ACR event rule(s) ({created}) in {usage.region}, "
                f"where {len(held)} of the {RULES_PER_REGION} allowed per region (whatever their "
                f"instances) are taken: {holders or 'none'}",
                hint="delete rules no longer needed (other teams' too: ask them) or declare fewer; "
                f"the limit is Alibaba Cloud's ({DOCS}). Nothing was written",
            )
        )
    on_bus = [name for name in usage.bus_rules if name not in gone]
    new_bus = [name for _, name in creates if name not in on_bus]
    # The first rule crnotify creates for an instance also creates its ownership record (`ownership`).
    instances = {r.name: r.instance_id for r in registries if r.instance_id}
    for instance in sorted({instances[reg] for reg, _ in creates if reg in instances}):
        if not any(name.startswith(record_prefix(instance)) for name in on_bus):
            new_bus.append(record_name(instance, 1))
    if len(on_bus) + len(new_bus) > RULES_PER_BUS:
        errors.append(
            PlanError(
                registry=registry,
                rule=rule,
                message=f"the plan adds {len(new_bus)} rule(s) to the EventBridge bus `default` of "
                f"{usage.region}, which holds {len(on_bus)} of its {RULES_PER_BUS}: "
                f"{_listed([_holder(name) for name in on_bus])}",
                hint="delete EventBridge rules no longer needed on that bus. Nothing was written",
            )
        )
    return tuple(errors)


def _holder(name: str) -> str:
    """A bus rule as a holder of a slot: crnotify's own (a record, a lease) said to be so."""
    return f"{name} (crnotify's own)" if is_internal(name) else name


def _listed(names: Sequence[str]) -> str:
    more = f" and {len(names) - LISTED} more" if len(names) > LISTED else ""
    return ", ".join(names[:LISTED]) + more
