"""`crnotify map --format mermaid`: the whole reach as one Mermaid flowchart (no fence)."""

from __future__ import annotations

from collections.abc import Sequence

from crnotify.reach import Reach
from crnotify.render._mermaid import flowchart


def render(reaches: Sequence[Reach]) -> str:
    ordered = sorted(reaches, key=lambda r: (r.registry, r.rule))
    return "\n".join(flowchart([(r, False) for r in ordered])) + "\n"
