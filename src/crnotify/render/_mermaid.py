"""Mermaid flowcharts of reach (registry → where → tags → event → channel), as GitHub renders them
(https://docs.github.com/en/get-started/writing-on-github/working-with-advanced-formatting/creating-diagrams).

Every label is quoted, with `"` written as Mermaid's `#quot;` entity, and node ids are generated, so
no rule or repository name can change the diagram's structure. Edges of a reach that a change ends
are dotted (`-.->`), the others solid.
"""

from __future__ import annotations

from collections.abc import Sequence

from crnotify.reach import Reach
from crnotify.render._markdown import fenced


def _label(text: str) -> str:
    clean = " ".join(text.split()).replace('"', "#quot;").replace("`", "#96;").replace("|", "#124;")
    return f'"{clean}"'


class _Graph:
    def __init__(self) -> None:
        self.nodes: dict[tuple[str, str], str] = {}
        self.lines: list[str] = []
        self.edges: set[str] = set()

    def node(self, kind: str, key: str, label: str) -> str:
        if (kind, key) not in self.nodes:
            node_id = f"{kind}{len(self.nodes)}"
            self.nodes[(kind, key)] = node_id
            self.lines.append(f"  {node_id}[{_label(label)}]")
        return self.nodes[(kind, key)]

    def edge(self, a: str, b: str, *, label: str | None = None, ended: bool = False) -> None:
        arrow = "-.->" if ended else "-->"
        text = f"  {a} {arrow}{f'|{_label(label)}|' if label else ''} {b}"
        if text not in self.edges:
            self.edges.add(text)
            self.lines.append(text)


def flowchart(reaches: Sequence[tuple[Reach, bool]]) -> list[str]:
    """The lines of a `flowchart LR` of (reach, ended) pairs."""
    graph = _Graph()
    for reach, ended in reaches:
        registry = graph.node("r", reach.registry, reach.registry)
        tail = "" if reach.enabled else " (disabled)"
        event = graph.node("e", f"{reach.registry}/{reach.rule}/{ended}", f"{reach.rule}: {reach.what}{tail}")
        for where in reach.where:
            place = graph.node("w", f"{reach.registry}/{where}", where)
            graph.edge(registry, place, ended=ended)
            graph.edge(place, event, label=reach.tag_text, ended=ended)
        graph.edge(event, graph.node("c", reach.channel, reach.channel), ended=ended)
    return ["flowchart LR", *graph.lines]


def block(reaches: Sequence[tuple[Reach, bool]]) -> str:
    """A fenced ```mermaid block."""
    return fenced(flowchart(reaches), "mermaid")
