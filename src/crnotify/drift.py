"""`detect(config, live) -> DriftReport`: what differs between the YAML and the cloud, and why. Pure.

Drift is the second reading of the planner's assessments (`planner.core.assess`): each finding comes
from the same decision that gives the plan its change, so a rule the plan leaves alone has no drift.
The kinds are `planner.assessment.DriftKind` (missing, registry_changed, bus_changed, pending,
conflict, marker_removed, unmanaged); on `aws` registries, which have no registry side,
`registry_changed` never occurs.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from crnotify.model import Config, LiveState
from crnotify.planner.assessment import DriftKind, fill_paths
from crnotify.planner.core import assess


@dataclass(frozen=True, slots=True, kw_only=True)
class DriftItem:
    registry: str
    rule: str
    kind: DriftKind
    detail: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DriftReport:
    items: tuple[DriftItem, ...] = ()
    skipped: tuple[str, ...] = ()  # registries not read (no emulator endpoint for their cloud)

    @property
    def has_drift(self) -> bool:
        return bool(self.items)

    def count(self, kind: DriftKind) -> int:
        return sum(1 for item in self.items if item.kind is kind)


def detect(config: Config, live: LiveState, *, skip: Collection[str] = (), where: str = "") -> DriftReport:
    """Drift of every registry of `config` but those named in `skip` (see `planner.plan`; `where`
    too, for the advice in the details)."""
    items = [
        DriftItem(
            registry=a.registry, rule=a.rule, kind=finding.kind, detail=fill_paths(finding.detail, where)
        )
        for a in assess(config, live, skip=skip)
        for finding in a.findings
    ]
    skipped = tuple(r.name for r in config.registries if r.name in skip)
    return DriftReport(items=tuple(items), skipped=skipped)


__all__ = ["DriftItem", "DriftKind", "DriftReport", "detect"]
