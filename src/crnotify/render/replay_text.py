"""A replay as text: one block per target — sent, peak minute, locks, the messages lost."""

from __future__ import annotations

from crnotify.offline.replay import ReplayResult
from crnotify.render._text import paint, plural, safe
from crnotify.render.replay_json import iso

SHOWN_LOST = 10  # lost messages listed per target before "and N more"


def render(result: ReplayResult, *, color: bool = False) -> str:
    span = f"{iso(result.start)} → {iso(result.end)}" if result.start is not None else "no timed events"
    lines = [f"Replayed {plural(result.events, 'event')} ({span}); {result.matched} matched a rule."]
    for t in result.targets:
        lines.append("")
        lines.append(f"{safe(t.endpoint)}  ({t.method}; rules {', '.join(safe(r) for r in t.rules)})")
        late = f", {t.late} by a retry" if t.late else ""
        lines.append(
            f"  sent {t.sent} of {t.offered}{late}; peak {t.peak_per_minute} a minute"
            + (f" from {iso(t.peak_at)}" if t.peak_at is not None else "")
        )
        if t.refused:
            first = ", ".join(safe(event_id) for _, event_id, _ in t.refused[:SHOWN_LOST])
            more = f" and {len(t.refused) - SHOWN_LOST} more" if len(t.refused) > SHOWN_LOST else ""
            lines.append(f"  refused when first offered: {len(t.refused)} ({first}{more})")
        for lock in t.locks:
            text = f"  LOCKED at {iso(lock.at)} until {iso(lock.until)}"
            lines.append(paint(text, "red", enabled=color))
        if t.lost:
            lines.append(paint(f"  lost {len(t.lost)}:", "red", enabled=color))
            for at, event_id, rule in t.lost[:SHOWN_LOST]:
                lines.append(f"    {iso(at)}  {safe(event_id)}  ({safe(rule)})")
            if len(t.lost) > SHOWN_LOST:
                lines.append(f"    … and {len(t.lost) - SHOWN_LOST} more (--format json lists all)")
    if not result.targets:
        lines.append("No message would have been sent.")
    return "\n".join(lines) + "\n"
