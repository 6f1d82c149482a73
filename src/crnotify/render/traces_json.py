"""`crnotify trace` as versioned JSON: the trace steps of each region queried, as EventBridge gave them
(endpoint URLs with their secret query parameters masked). The convention's `format`/`format_version`;
schemas/output/trace.schema.json."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from crnotify.redact import mask_query_secrets
from crnotify.render._text import json_document, versioned

FORMAT_VERSION = 2  # 2: the one JSON convention (`format_version` and `format`; 1 called it `version`)


def render(event_id: str, found: Mapping[str, Sequence[Mapping[str, Any]]]) -> str:
    payload = {
        "event_id": event_id,
        "regions": {
            region: [
                {**dict(step), "Endpoint": mask_query_secrets(str(step["Endpoint"]))}
                if "Endpoint" in step
                else dict(step)
                for step in steps
            ]
            for region, steps in found.items()
        },
    }
    return json_document(versioned("trace", FORMAT_VERSION, payload))
