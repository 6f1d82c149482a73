"""A drift report as text: one aligned line per item, then a tally by kind."""

from __future__ import annotations

from crnotify.drift import DriftKind, DriftReport
from crnotify.render._style import paint, safe
from crnotify.render._text import skipped_note

COLOURS = {
    DriftKind.MISSING: "red",
    DriftKind.REGISTRY_CHANGED: "yellow",
    DriftKind.BUS_CHANGED: "yellow",
    DriftKind.PENDING: "cyan",
    DriftKind.CONFLICT: "red",
    DriftKind.MARKER_REMOVED: "yellow",
    DriftKind.UNMANAGED: "blue",
    DriftKind.RENAMED: "blue",
}
NO_DRIFT = "No drift. The cloud matches the configuration."
NO_DRIFT_READ = "No drift in the registries read."


def render(report: DriftReport, *, color: bool = False) -> str:
    skipped = [skipped_note(report.skipped)] if report.skipped else []
    skipped += [ignored_note(report.ignored)] if report.ignored else []
    items = report.reported
    if not items:
        return "\n".join([NO_DRIFT_READ, *skipped] if skipped else [NO_DRIFT]) + "\n"
    width = max(len(f"{i.registry}/{i.rule}") for i in items)
    kind_width = max(len(i.kind.value) for i in items)
    lines = []
    for item in items:
        kind = paint(item.kind.value.ljust(kind_width), color, fg=COLOURS[item.kind], bold=True)
        name = safe(f"{item.registry}/{item.rule}".ljust(width))
        lines.append(f"  {name}  {kind}  {safe(item.detail)}")
    parts = ", ".join(f"{n} {kind.value}" for kind in DriftKind if (n := report.count(kind)))
    lines += ["", f"Drift: {len(items)} item(s): {parts}.", *_not_failing(report), *skipped]
    return "\n".join(lines) + "\n"


def ignored_note(count: int) -> str:
    return f"{count} finding(s) of rules the config's `ignore:` names not shown (listed in --format json)."


def _not_failing(report: DriftReport) -> list[str]:
    """Say so when what is shown does not fail the run (`--fail-on`): the exit code is not a surprise."""
    kinds = sorted({i.kind.value for i in report.reported if not i.fails})
    if not kinds:
        return []
    if not report.fails:
        return [f"None fails the run (--fail-on does not include {', '.join(kinds)})."]
    return [f"Not failing the run: {', '.join(kinds)} (not in --fail-on)."]
