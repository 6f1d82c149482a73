"""`crnotify map --format json`: `{"format": "crnotify/map", "format_version", "rules": [...]}`, sorted
keys. schemas/output/map.schema.json."""

from __future__ import annotations

from collections.abc import Sequence

from crnotify.model import JSON
from crnotify.reach import Reach
from crnotify.render._text import json_document, versioned

FORMAT_VERSION = 1


def document(reaches: Sequence[Reach]) -> dict[str, JSON]:
    return versioned(
        "map",
        FORMAT_VERSION,
        {
            "rules": [
                {
                    "registry": r.registry,
                    "rule": r.rule,
                    "where": list(r.where),
                    "tags": r.tags,
                    "event": r.event,
                    "statuses": list(r.statuses),
                    "channel": r.channel,
                    "enabled": r.enabled,
                }
                for r in sorted(reaches, key=lambda r: (r.registry, r.rule))
            ],
        },
    )


def render(reaches: Sequence[Reach]) -> str:
    return json_document(document(reaches))
