"""`crnotify match --format json`: whether an event matches a pattern, and each field's verdict.
The convention's `format`/`format_version` (`_text.versioned`); schemas/output/match.schema.json."""

from __future__ import annotations

from crnotify.patterns import Explanation
from crnotify.render._text import json_document, versioned

FORMAT_VERSION = 1


def render(dialect: str, explanation: Explanation) -> str:
    return json_document(
        versioned(
            "match",
            FORMAT_VERSION,
            {
                "dialect": dialect,
                "matched": explanation.matched,
                "fields": [
                    {"path": f.path, "matched": f.matched, "reason": f.reason} for f in explanation.fields
                ],
            },
        )
    )
