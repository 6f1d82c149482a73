"""crnotify's ownership marker: `[crnotify:<digest>:<bus digest>]` at the end of a bus rule's description.

Alibaba Cloud EventBridge rules have no tags, so the description is the one place a rule can say who
wrote it (`providers.alibaba.convention` explains what the two digests hash). Kept apart from the
convention because the field-level diff reads descriptions of every cloud's bus rules through it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_MARKER = re.compile(r"\s*\[crnotify:([0-9a-f]{12})(?::([0-9a-f]{12}))?\]\s*$")


@dataclass(frozen=True, slots=True)
class Marker:
    """What a bus rule's description says about ownership."""

    text: str  # the description without the marker
    digest: str | None  # registry-spec digest crnotify last saved; None = no marker (not owned)
    bus_digest: str | None  # digest of the bus rule crnotify last wrote; None for the older form


def read_marker(description: str) -> Marker:
    match = _MARKER.search(description)
    if match is None:
        return Marker(description, None, None)
    return Marker(description[: match.start()], match.group(1), match.group(2))


def with_marker(description: str, digest: str, bus_digest: str | None = None) -> str:
    text, _ = split_marker(description)
    suffix = digest if bus_digest is None else f"{digest}:{bus_digest}"
    return f"{text} [crnotify:{suffix}]".strip()


def split_marker(description: str) -> tuple[str, str | None]:
    """(description without the marker, the marker's digest or None)."""
    marker = read_marker(description)
    return marker.text, marker.digest
