"""`crnotify map` as text: per registry, one line per rule — where → tags → event → channel."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

from crnotify.reach import Reach
from crnotify.render._text import safe


def render(reaches: Sequence[Reach]) -> str:
    if not reaches:
        return "No declared rules.\n"
    lines: list[str] = []
    for registry, group in groupby(sorted(reaches, key=lambda r: (r.registry, r.rule)), lambda r: r.registry):
        lines.append(f"{safe(registry)}")
        for reach in group:
            off = " (disabled: notifies no one)" if not reach.enabled else ""
            lines.append(
                f"  {safe(', '.join(reach.where))}  [{safe(reach.tag_text)}]  {safe(reach.what)}"
                f"  → {safe(reach.channel)}   ({safe(reach.rule)}){off}"
            )
    return "\n".join(lines) + "\n"
