"""`crnotify import`: YAML for rules that already exist (each cloud's `import_rule`), as one document.

What a live rule becomes, and the bus rule that adopts it (`Imported.adoption`), is its cloud's
business (`providers/<cloud>/importer.py`); this module only lays the rules out for a person.
"""

from __future__ import annotations

from collections.abc import Sequence

from crnotify.config.yaml_load import dump
from crnotify.model import LiveRule, Registry
from crnotify.providers import cloud
from crnotify.providers.base import Imported


def import_rule(registry: Registry, live: LiveRule) -> Imported:
    return cloud(registry.provider).import_rule(registry, live)


def render_yaml(registry: Registry, items: Sequence[Imported], *, adopting: bool) -> str:
    lines = [
        f"# Imported by `crnotify import --registry {registry.name}` "
        f"from {registry.instance_id or f'AWS account {registry.account}'} ({registry.region}).",
        "# Review it, then run `crnotify plan`: it should show no changes once the variables below are set.",
        "version: 1",
        "rules:",
    ]
    for item in items:
        lines.append("")
        if item.document is None:
            lines += [f"  # {item.name}: not imported: {note}" for note in item.notes]
            continue
        lines += [f"  # {note}" for note in item.notes]
        for name, what in item.env:
            lines.append(f"  # set ${name} to {what}")
        if not item.owned and not adopting:
            lines.append("  # not managed by crnotify yet: adopt it with `crnotify import --adopt`")
        lines += ["  " + line if line else line for line in dump([item.document]).splitlines()]
    return "\n".join(lines) + "\n"
