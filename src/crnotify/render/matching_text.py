"""What a plan's changes do to which events match (`offline.pattern_diff`), as text after the plan."""

from __future__ import annotations

from collections.abc import Sequence

from crnotify.offline.pattern_diff import SHOWN, MatchChange
from crnotify.render._text import paint, safe


def lines(change: MatchChange) -> list[str]:
    """One change's lines, shared with the Markdown plan (which quotes them as code)."""
    of = f"of {change.checked} {change.source} event(s)"
    out = []
    for word, events in (("start", change.starts), ("stop", change.stops)):
        if events:
            out.append(f"{len(events)} {of} {word} matching:")
            out += [f"  {e}" for e in events[:SHOWN]]
            if len(events) > SHOWN:
                out.append(f"  … and {len(events) - SHOWN} more")
    return out


def render(changes: Sequence[MatchChange], *, color: bool = False) -> str:
    if not changes:
        return ""
    out = ["", paint("What the changed patterns match:", "bold", enabled=color)]
    for change in changes:
        out.append(f"  {safe(change.registry)}/{safe(change.rule)}")
        out += [f"    {safe(line)}" for line in lines(change)]
    return "\n".join(out) + "\n"
