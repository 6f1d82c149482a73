"""`detect(config, live) -> DriftReport`: what differs between the YAML and the cloud, and why. Pure.

Drift is the second reading of the planner's assessments (`planner.core.assess`): each finding comes
from the same decision that gives the plan its change, so a rule the plan leaves alone has no drift.
The kinds are `planner.assessment.DriftKind` (missing, registry_changed, bus_changed, pending,
conflict, marker_removed, renamed, unmanaged); on `aws` registries, which have no registry side,
`registry_changed` never occurs.

Which findings fail the run is the caller's choice (`drift --fail-on KINDS`; by default every kind but
`unmanaged`, so that a console rule on a shared instance does not keep a nightly job red). Findings of
rules `ignore:` sets aside are kept, flagged `ignored`, and never fail the run.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from crnotify.model import Config, LiveState
from crnotify.planner.assessment import DriftKind, Standing, fill_paths
from crnotify.planner.core import assess

# What fails a drift run unless `--fail-on` says otherwise: all but the one kind that asks for nothing.
DEFAULT_FAIL_ON = frozenset(DriftKind) - {DriftKind.UNMANAGED}


@dataclass(frozen=True, slots=True, kw_only=True)
class DriftItem:
    registry: str
    rule: str
    kind: DriftKind
    detail: str
    ignored: bool = False  # a rule `ignore:` names: listed in JSON only, never fails the run
    fails: bool = True  # whether this finding fails the run (its kind is one of `--fail-on`)


@dataclass(frozen=True, slots=True, kw_only=True)
class DriftReport:
    items: tuple[DriftItem, ...] = ()  # every finding, the ignored ones included
    skipped: tuple[str, ...] = ()  # registries not read (no emulator endpoint for their cloud)
    fail_on: frozenset[DriftKind] = DEFAULT_FAIL_ON

    @property
    def reported(self) -> tuple[DriftItem, ...]:
        """The findings people see (text, Markdown): all but the ignored ones."""
        return tuple(item for item in self.items if not item.ignored)

    @property
    def has_drift(self) -> bool:
        return bool(self.reported)

    @property
    def fails(self) -> bool:
        """Whether the run fails (exit 2): a finding not ignored, of a kind in `fail_on`."""
        return any(item.fails for item in self.items)

    def count(self, kind: DriftKind) -> int:
        return sum(1 for item in self.reported if item.kind is kind)

    @property
    def ignored(self) -> int:
        return sum(1 for item in self.items if item.ignored)


def detect(
    config: Config,
    live: LiveState,
    *,
    skip: Collection[str] = (),
    where: str = "",
    fail_on: Collection[DriftKind] = DEFAULT_FAIL_ON,
) -> DriftReport:
    """Drift of every registry of `config` but those named in `skip` (see `planner.plan`; `where`
    too, for the advice in the details); findings of a kind in `fail_on` fail the run."""
    failing = frozenset(fail_on)
    items = []
    for a in assess(config, live, skip=skip):
        ignored = a.standing is Standing.IGNORED
        items += [
            DriftItem(
                registry=a.registry,
                rule=a.rule,
                kind=finding.kind,
                detail=fill_paths(finding.detail, where),
                ignored=ignored,
                fails=not ignored and finding.kind in failing,
            )
            for finding in a.findings
        ]
    skipped = tuple(r.name for r in config.registries if r.name in skip)
    return DriftReport(items=tuple(items), skipped=skipped, fail_on=failing)


__all__ = ["DEFAULT_FAIL_ON", "DriftItem", "DriftKind", "DriftReport", "detect"]
