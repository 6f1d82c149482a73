"""A drift report as versioned JSON: `{"format": "crnotify/drift", "format_version", "drift": [...],
"summary", "skipped_registries"}`, sorted keys. schemas/output/drift.schema.json."""

from __future__ import annotations

from crnotify.drift import DriftKind, DriftReport
from crnotify.model import JSON
from crnotify.render._text import json_document, versioned

FORMAT_VERSION = 2  # 2: the one JSON convention (an integer and `format`; 1 was the string "1.0")


def document(report: DriftReport) -> dict[str, JSON]:
    return versioned(
        "drift",
        FORMAT_VERSION,
        {
            "drift": [
                {"registry": i.registry, "rule": i.rule, "kind": i.kind.value, "detail": i.detail}
                for i in report.items
            ],
            # Every kind, zeros included, so a tool can read a count without checking for the key.
            "summary": {kind.value: report.count(kind) for kind in DriftKind},
            "skipped_registries": list(report.skipped),
        },
    )


def render(report: DriftReport) -> str:
    return json_document(document(report))
