"""A health report as GitHub-flavoured Markdown: a table of rules, the targets' answers, notes."""

from __future__ import annotations

from crnotify.health import Report, Status
from crnotify.render import _markdown as md
from crnotify.render._text import skipped_note
from crnotify.render.health_text import window_note

_ICON = {
    Status.HEALTHY: "✅",
    Status.FAILING: "❌",
    Status.SILENT: "🔇",
    Status.IDLE: "💤",
    Status.UNKNOWN: "❔",
}


def _n(value: int | None) -> str:
    return "?" if value is None else str(value)


def render(report: Report) -> str:
    unhealthy = sum(1 for v in report.verdicts if v.unhealthy)
    title = "## Delivery health: " + (f"{unhealthy} rule(s) need attention" if unhealthy else "healthy")
    parts = [title]
    rows = [
        [
            f"{_ICON[v.status]} {v.status.value}",
            md.code(f"{v.registry}/{v.rule}", cell=True),
            _n(v.in_scope),
            _n(v.matched),
            str(v.delivered),
            str(v.failed),
            md.text(v.reason),
        ]
        for v in report.verdicts
    ]
    if rows:
        header = ["status", "rule", "in scope", "matched", "delivered", "failed", "why"]
        parts.append(md.table(header, rows))
    else:
        parts.append("No declared rules to check.")
    answers = [
        f"- {md.code(v.rule)}: {a.count} × **{a.kind.value}** — {md.code(a.text)}"
        for v in report.verdicts
        for a in v.answers
    ]
    if answers:
        parts.append("### What the targets answered\n\n" + "\n".join(answers))
    note = window_note(report)
    if note is not None:
        parts.append(md.alert("WARNING", [md.sentence(note)]))
    if report.skipped:
        parts.append(md.alert("NOTE", [md.sentence(skipped_note(report.skipped))]))
    return "\n\n".join(parts) + "\n"
