"""A health report as text: one block per rule (status, counts, the targets' answers), then a summary."""

from __future__ import annotations

from crnotify.health import Report, Status, Verdict
from crnotify.render._text import paint, plural, safe, skipped_note

_COLOR = {
    Status.HEALTHY: "green",
    Status.FAILING: "red",
    Status.SILENT: "red",
    Status.IDLE: "dim",
    Status.UNKNOWN: "yellow",
}


def _count(value: int | None) -> str:
    return "?" if value is None else str(value)


def window_note(report: Report) -> str | None:
    """The sentence every format prints when `--since` reaches past what the cloud keeps."""
    if not report.beyond_window or report.window_seconds is None:
        return None
    days = report.window_seconds / 86_400
    return (
        f"--since reaches {report.since_seconds / 86_400:g} days back, but the cloud keeps event "
        f"traces and records {days:g} days: older deliveries cannot be read"
    )


def _rule(verdict: Verdict, color: bool) -> list[str]:
    head = paint(f"{verdict.status.value:8}", _COLOR[verdict.status], enabled=color)
    lines = [
        f"{head} {safe(verdict.registry)}/{safe(verdict.rule)}: {safe(verdict.reason)}",
        f"         in scope {_count(verdict.in_scope)}, matched {_count(verdict.matched)}, "
        f"delivered {verdict.delivered}, failed {verdict.failed}   ({verdict.source})",
    ]
    lines += [f"         {a.count} × {a.kind.value}: {safe(a.text)}" for a in verdict.answers]
    return lines


def render(report: Report, *, color: bool = False) -> str:
    lines: list[str] = []
    for verdict in report.verdicts:
        lines += _rule(verdict, color)
    if not report.verdicts:
        lines.append("No declared rules to check.")
    counts = [plural(sum(1 for v in report.verdicts if v.status is s), s.value, s.value) for s in Status]
    lines += ["", "Health: " + ", ".join(counts) + "."]
    note = window_note(report)
    if note is not None:
        lines.append(paint(f"Note: {note}.", "yellow", enabled=color))
    if report.skipped:
        lines.append(skipped_note(report.skipped))
    return "\n".join(lines) + "\n"
