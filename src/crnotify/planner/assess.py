"""How a live rule stands against its declaration: ownership, what the registry side shows, and which
bus edits were made outside crnotify. Shared by the planner and `crnotify.drift`.

Ownership (DESIGN.md §2): the marker on the bus rule says crnotify wrote it. A registry save made
outside crnotify regenerates the bus rule and drops the marker, so a *declared* rule whose bus rule
is exactly what ACR generates (pristine) and carries no marker is taken as "registry side saved
outside crnotify" and restored; this is also what an apply interrupted between the registry write
and the bus write leaves behind, so reruns converge. A declared rule whose unmarked bus rule carries
edits is someone else's: the plan refuses it and points at `crnotify import --adopt`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from crnotify import normalise
from crnotify.convention import (
    Marker,
    RegistrySpec,
    bus_digest,
    customise,
    default_bus_rule,
    infer_spec,
    read_marker,
)
from crnotify.model import BusCustomization, BusRule, LiveRule, Rule
from crnotify.planner.fields import bus_fields, is_declared_path


class Standing(StrEnum):
    ABSENT = "absent"  # nothing live
    OWNED = "owned"  # marker present
    PRISTINE = "pristine"  # no marker, bus rule exactly as ACR generates it
    BUS_MISSING = "bus-missing"  # registry rule without a bus rule
    FOREIGN = "foreign"  # no marker and edited, or a bus rule that is no ACR rule: not ours


@dataclass(frozen=True, slots=True, kw_only=True)
class Assessment:
    standing: Standing
    marker: Marker | None = None
    observed: RegistrySpec | None = None  # the registry spec the bus rule shows (tag regex unknown)
    bus_edited: bool = False  # edited outside crnotify since crnotify last wrote it
    edited_paths: frozenset[str] = frozenset()  # bus paths that differ from what crnotify expects

    @property
    def owned(self) -> bool:
        return self.standing is Standing.OWNED


def _pristine(bus: BusRule, observed: RegistrySpec | None, instance_id: str) -> bool:
    if observed is None:
        return False
    return bus_digest(normalise.bus_rule(bus)) == bus_digest(
        normalise.bus_rule(default_bus_rule(observed, instance_id))
    )


def assess(
    live: LiveRule | None,
    *,
    instance_id: str,
    rule: Rule | None = None,
    declared_spec: RegistrySpec | None = None,
) -> Assessment:
    """Classify `live`. `rule`/`declared_spec` are the declaration, when there is one."""
    if live is None:
        return Assessment(standing=Standing.ABSENT)
    if live.bus is None:
        return Assessment(standing=Standing.BUS_MISSING)
    bus = normalise.bus_rule(live.bus)
    marker = read_marker(bus.description)
    observed = infer_spec(bus)
    if marker.digest is None:
        if live.rule_id is not None and _pristine(bus, observed, instance_id):
            return Assessment(standing=Standing.PRISTINE, marker=marker, observed=observed)
        return Assessment(standing=Standing.FOREIGN, marker=marker, observed=observed)
    # What crnotify expects to find: its last write, rebuilt from the registry spec the marker names
    # (the declared one when the digests agree, else what the bus shows) and the declared `bus:`.
    if declared_spec is not None and marker.digest == declared_spec.digest():
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
    return Assessment(
        standing=Standing.OWNED,
        marker=marker,
        observed=observed,
        bus_edited=edited,
        edited_paths=edited_paths if edited else frozenset(),
    )


def split_edits(assessment: Assessment, rule: Rule | None) -> tuple[frozenset[str], frozenset[str]]:
    """(edited paths the YAML declares — restored from it, edited paths it does not — lost)."""
    bus = rule.bus if rule is not None else BusCustomization()
    declared = frozenset(
        path
        for path in assessment.edited_paths
        if is_declared_path(
            path,
            description=bus.description is not None,
            enabled=bus.enabled is not None,
            template=bus.template is not None,
        )
    )
    return declared, assessment.edited_paths - declared
