"""One assessment per rule, two readings (DESIGN.md §3): `plan` reads its changes, `drift` its findings.

A cloud's planning rules (`providers.<cloud>.assess`) look at one declared and/or live rule once and
return an `Assessment` holding both readings, computed from the same differences. So plan and drift
cannot disagree: the assessment refuses to be built when a declared rule has changes but no finding,
or a finding but neither a change nor an error (`__post_init__`), and `unmanaged` is the one finding
that asks for nothing — but for the findings of a rule `ignore:` sets aside (`Standing.IGNORED`),
which drift lists as ignored and plan never acts on. After a successful apply a fresh plan is
empty, hence so is drift.

Drift kinds (stable strings; scripts match on them):

    missing           declared, but absent (or one half of the pair is gone)
    registry_changed  the registry side was saved outside crnotify, or differs from the declared spec
    bus_changed       the bus rule was edited outside crnotify since crnotify wrote it
    pending           declared changes not yet applied, or an owned rule no longer declared
    conflict          declared, but the live rule of that name is not managed by crnotify
    marker_removed    declared and crnotify's (per its ownership record), but its ownership marker was
                      removed outside crnotify (a description edit): apply restores it
    unmanaged         present, not declared, not owned: reported only
    renamed           declared with `renamed_from: OLD` while OLD is live: apply creates the rule under
                      its new name, then deletes OLD (one finding for both names)
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from enum import StrEnum

from crnotify.planner.changes import Change, PlanError


class DriftKind(StrEnum):
    MISSING = "missing"
    REGISTRY_CHANGED = "registry_changed"
    BUS_CHANGED = "bus_changed"
    PENDING = "pending"
    CONFLICT = "conflict"
    MARKER_REMOVED = "marker_removed"
    UNMANAGED = "unmanaged"
    RENAMED = "renamed"


class Standing(StrEnum):
    """Where a rule stands, whatever its cloud."""

    IN_SYNC = "in-sync"  # declared and live as declared: nothing to do, nothing to report
    DIFFERS = "differs"  # declared; live differs (absent included): changes converge it
    FOREIGN = "foreign"  # declared, but the live rule of that name is not crnotify's: an error
    UNDECLARED = "undeclared"  # live, owned by crnotify, no longer declared: deleted
    UNMANAGED = "unmanaged"  # live, not declared, not owned: reported, never touched
    UNPLANNABLE = "unplannable"  # declared, but cannot be planned (an unset secret, …): an error
    IGNORED = "ignored"  # live, not declared, named by `ignore:`: findings kept (as ignored), no change


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    kind: DriftKind
    detail: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Assessment:
    registry: str
    rule: str
    standing: Standing
    changes: tuple[Change, ...] = ()  # plan's reading
    findings: tuple[Finding, ...] = ()  # drift's reading
    error: PlanError | None = None

    def __post_init__(self) -> None:
        acts = bool(self.changes) or self.error is not None
        reports = bool(self.findings)
        if self.standing is Standing.IN_SYNC:
            consistent = not acts and not reports
        elif self.standing is Standing.UNMANAGED:
            consistent = not acts and [f.kind for f in self.findings] == [DriftKind.UNMANAGED]
        elif self.standing is Standing.IGNORED:  # `planner.ignore.set_aside`: reported as ignored only
            consistent = not acts
        else:
            consistent = acts and reports
        if not consistent:
            raise AssertionError(f"inconsistent assessment of {self.registry}/{self.rule}: {self!r}")


def in_sync(registry: str, rule: str) -> Assessment:
    return Assessment(registry=registry, rule=rule, standing=Standing.IN_SYNC)


def unmanaged(registry: str, rule: str, detail: str) -> Assessment:
    return Assessment(
        registry=registry,
        rule=rule,
        standing=Standing.UNMANAGED,
        findings=(Finding(kind=DriftKind.UNMANAGED, detail=detail),),
    )


def refused(registry: str, rule: str, *, kind: DriftKind, error: PlanError, detail: str) -> Assessment:
    """A declared rule the plan cannot handle: an error for plan, a finding for drift."""
    standing = Standing.FOREIGN if kind is DriftKind.CONFLICT else Standing.UNPLANNABLE
    return Assessment(
        registry=registry,
        rule=rule,
        standing=standing,
        error=error,
        findings=(Finding(kind=kind, detail=detail),),
    )


# Advice is a command the user can run as printed, from where they ran crnotify: `{paths}` stands for
# the configuration paths (and cloud options) they gave, which only the CLI knows; it fills them in
# (`fill_paths`) before rendering, whatever the cloud. The command adopts the one rule it names.
PATHS = "{paths}"
ADOPT_COMMAND = "crnotify import{paths} --registry {registry} --rule {rule} --adopt"


def adopt_command(registry: str, rule: str) -> str:
    """The command that adopts `rule` alone, its `{paths}` left for the CLI to fill."""
    return ADOPT_COMMAND.format(paths=PATHS, registry=shlex.quote(registry), rule=shlex.quote(rule))


def adopt_hint(registry: str, rule: str) -> str:
    return f"run `{adopt_command(registry, rule)}` to take it over, or rename the declared rule"


def fill_paths(text: str, where: str) -> str:
    """`text` with its `{paths}` replaced by `where` (" config/ --endpoint …", or "" for none)."""
    return text.replace(PATHS, where)


PENDING_DELETE = "managed by crnotify but no longer declared: apply deletes it"


__all__ = [
    "ADOPT_COMMAND",
    "PATHS",
    "PENDING_DELETE",
    "Assessment",
    "DriftKind",
    "Finding",
    "Standing",
    "adopt_command",
    "adopt_hint",
    "fill_paths",
    "in_sync",
    "refused",
    "unmanaged",
]
