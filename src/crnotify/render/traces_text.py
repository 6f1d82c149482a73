"""`crnotify trace` as text: an event's way through EventBridge (QueryEventTraces), one line a step."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from crnotify.redact import mask_query_secrets
from crnotify.render._text import paint, safe

# A push's `NotifyStatus` when it succeeded: "Success"/"success", or an HTTP 2xx code, bare ("200")
# or as the API metadata's example shows it ("[200]Ok").
_PUSHED = re.compile(r"success|\[?2\d\d(\D.*)?", re.IGNORECASE | re.DOTALL)


def pushed(status: object) -> bool:
    """Whether a PushEvent step's `NotifyStatus` says the target accepted the event."""
    return _PUSHED.fullmatch(str(status or "").strip()) is not None


def _time(ms: object) -> str:
    try:
        return datetime.fromtimestamp(int(str(ms)) / 1000, UTC).isoformat(timespec="milliseconds")[:-6] + "Z"
    except (TypeError, ValueError, OverflowError):
        return str(ms or "?")


def _describe(step: Mapping[str, Any]) -> str:
    action = str(step.get("Action", "?"))
    if action == "PutEvent":
        return "received on the bus"
    rule = f"rule {step.get('RuleName', '?')}"
    if action == "FilterEvent":
        return f"{rule} matched"
    latency = step.get("NotifyLatency")
    text = f"{rule} → {mask_query_secrets(str(step.get('Endpoint', '')))}: {step.get('NotifyStatus') or '?'}"
    return f"{text} ({latency} ms)" if latency not in (None, "") else text


def render(event_id: str, found: Mapping[str, Sequence[Mapping[str, Any]]], *, color: bool = False) -> str:
    """`found` maps each region queried to its trace steps (oldest first)."""
    lines: list[str] = []
    for region, steps in found.items():
        if not steps:
            continue
        lines.append(f"event {event_id} on bus default ({region}):")
        for step in steps:
            action = str(step.get("Action", "?"))
            failed = action == "PushEvent" and not pushed(step.get("NotifyStatus"))
            label = paint(f"{action:<11}", "red" if failed else "green", enabled=color)
            lines.append(f"  {_time(step.get('ActionTime'))}  {label}  {_describe(step)}")
    if not lines:
        regions = ", ".join(found) or "no region"
        lines.append(f"no trace of event {event_id} in {regions} (traces are kept for 3 days)")
    return "\n".join(safe(line) for line in lines) + "\n"
