"""A drift report as text or as versioned JSON (`{"format_version", "drift": [...], "summary"}`)."""

from __future__ import annotations

from collections import Counter

from crnotify.drift import DriftKind, DriftReport
from crnotify.model import JSON
from crnotify.render._style import paint, safe
from crnotify.render._text import json_document, skipped_note

FORMAT_VERSION = "1.0"
COLOURS = {
    DriftKind.MISSING: "red",
    DriftKind.REGISTRY_CHANGED: "yellow",
    DriftKind.BUS_CHANGED: "yellow",
    DriftKind.PENDING: "cyan",
    DriftKind.CONFLICT: "red",
    DriftKind.UNMANAGED: "blue",
}
NO_DRIFT = "No drift. The cloud matches the configuration."
NO_DRIFT_READ = "No drift in the registries read."


def _summary(report: DriftReport) -> dict[str, int]:
    counts = Counter(item.kind.value for item in report.items)
    return {kind.value: counts.get(kind.value, 0) for kind in DriftKind}


def render_text(report: DriftReport, *, color: bool = False) -> str:
    skipped = [skipped_note(report.skipped)] if report.skipped else []
    if not report.items:
        return "\n".join([NO_DRIFT_READ, *skipped] if skipped else [NO_DRIFT]) + "\n"
    width = max(len(f"{i.registry}/{i.rule}") for i in report.items)
    kind_width = max(len(i.kind.value) for i in report.items)
    lines = []
    for item in report.items:
        kind = paint(item.kind.value.ljust(kind_width), color, fg=COLOURS[item.kind], bold=True)
        name = safe(f"{item.registry}/{item.rule}".ljust(width))
        lines.append(f"  {name}  {kind}  {safe(item.detail)}")
    parts = ", ".join(f"{n} {kind}" for kind, n in _summary(report).items() if n)
    lines += ["", f"Drift: {len(report.items)} item(s): {parts}.", *skipped]
    return "\n".join(lines) + "\n"


def document(report: DriftReport) -> dict[str, JSON]:
    return {
        "format_version": FORMAT_VERSION,
        "drift": [
            {"registry": i.registry, "rule": i.rule, "kind": i.kind.value, "detail": i.detail}
            for i in report.items
        ],
        "summary": dict(_summary(report)),
        "skipped_registries": list(report.skipped),
    }


def render_json(report: DriftReport) -> str:
    return json_document(document(report))
