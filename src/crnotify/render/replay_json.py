"""A replay as versioned JSON: per target the messages offered and sent, the peak minute, the robot's
locks, the messages it refused when first offered and the messages lost."""

from __future__ import annotations

from datetime import UTC, datetime

from crnotify.model import JSON
from crnotify.offline.replay import ReplayResult
from crnotify.render._text import json_document, versioned

FORMAT_VERSION = 1


def iso(at: float | None) -> str | None:
    return (
        None
        if at is None
        else datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    )


def document(result: ReplayResult) -> dict[str, JSON]:
    return versioned(
        "replay",
        FORMAT_VERSION,
        {
            "events": result.events,
            "matched": result.matched,
            "from": iso(result.start),
            "to": iso(result.end),
            "targets": [
                {
                    "endpoint": t.endpoint,
                    "channel": t.method,
                    "rules": list(t.rules),
                    "offered": t.offered,
                    "sent": t.sent,
                    "sent_late": t.late,
                    "peak_per_minute": t.peak_per_minute,
                    "peak_minute_from": iso(t.peak_at),
                    "locks": [{"at": iso(lock.at), "until": iso(lock.until)} for lock in t.locks],
                    "lost": [
                        {"at": iso(at), "event_id": event_id, "rule": rule} for at, event_id, rule in t.lost
                    ],
                    "refused": [
                        {"at": iso(at), "event_id": event_id, "rule": rule}
                        for at, event_id, rule in t.refused
                    ],
                }
                for t in result.targets
            ],
            "locked": result.locked,
        },
    )


def render(result: ReplayResult) -> str:
    return json_document(document(result))
