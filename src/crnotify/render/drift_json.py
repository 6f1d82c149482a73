"""A drift report as versioned JSON: `{"format": "crnotify/drift", "format_version", "drift": [...],
"summary", "fail_on", "fails", "skipped_registries"}`, sorted keys. schemas/output/drift.schema.json.

Every finding is listed, the ignored ones (`ignore:`) too, each saying whether it fails the run
(`"fails"`, from `drift --fail-on`) and whether it was ignored (`"ignored"`); `summary` counts the
findings not ignored, and `fail_on` names the kinds that fail the run."""

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
                {
                    "registry": i.registry,
                    "rule": i.rule,
                    "kind": i.kind.value,
                    "detail": i.detail,
                    "fails": i.fails,
                    "ignored": i.ignored,
                }
                for i in report.items
            ],
            "fail_on": sorted(kind.value for kind in report.fail_on),
            "fails": report.fails,
            # Every kind, zeros included, so a tool can read a count without checking for the key.
            "summary": {kind.value: report.count(kind) for kind in DriftKind},
            "skipped_registries": list(report.skipped),
        },
    )


def render(report: DriftReport) -> str:
    return json_document(document(report))
