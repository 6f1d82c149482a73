"""`crnotify map --format markdown`: a table of who is told about what, and its Mermaid diagram."""

from __future__ import annotations

from collections.abc import Sequence

from crnotify.reach import Reach
from crnotify.render import _markdown as md
from crnotify.render._mermaid import block


def render(reaches: Sequence[Reach]) -> str:
    ordered = sorted(reaches, key=lambda r: (r.registry, r.rule))
    parts = ["## Who is told about what"]
    if not ordered:
        return "\n\n".join([*parts, "No declared rules."]) + "\n"
    rows = [
        [
            md.code(r.registry, cell=True),
            md.code(r.rule, cell=True),
            "<br>".join(md.code(w, cell=True) for w in r.where),
            md.text(r.tag_text),
            md.code(r.what, cell=True),
            md.text(r.channel) + ("" if r.enabled else " (disabled)"),
        ]
        for r in ordered
    ]
    parts.append(md.table(["Registry", "Rule", "Where", "Tags", "Event", "Channel"], rows))
    parts.append(block([(r, False) for r in ordered]))
    return "\n\n".join(parts) + "\n"
