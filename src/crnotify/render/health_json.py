"""A health report as versioned JSON: `{"format": "crnotify/health", "format_version", "rules": [...],
"summary", "window"}`. schemas/output/health.schema.json."""

from __future__ import annotations

from crnotify.health import Report, Status
from crnotify.model import JSON
from crnotify.render._text import json_document, versioned

FORMAT_VERSION = 1


def document(report: Report) -> dict[str, JSON]:
    return versioned(
        "health",
        FORMAT_VERSION,
        {
            "rules": [
                {
                    "registry": v.registry,
                    "rule": v.rule,
                    "status": v.status.value,
                    "reason": v.reason,
                    "source": v.source,
                    "events_in_scope": v.in_scope,
                    "matched": v.matched,
                    "delivered": v.delivered,
                    "failed": v.failed,
                    "answers": [
                        {"kind": a.kind.value, "answer": a.text, "count": a.count} for a in v.answers
                    ],
                }
                for v in report.verdicts
            ],
            # Every status, zeros included, so a tool can read a count without checking for the key.
            "summary": {s.value: sum(1 for v in report.verdicts if v.status is s) for s in Status},
            "window": {
                "since_seconds": report.since_seconds,
                "records_kept_seconds": report.window_seconds,
                "beyond_records": report.beyond_window,
            },
            "skipped_registries": list(report.skipped),
            "exit_code": report.exit_code,
        },
    )


def render(report: Report) -> str:
    return json_document(document(report))
