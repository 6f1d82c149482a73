"""The reach of a plan's changed rules (`crnotify.reach`), for `plan --format markdown`: the declared
side from the config, the live side from the cloud's own import of the live rule (one YAML shape for
every cloud), and — where the registry's repositories can be listed — the repositories a scope change
starts or stops covering (one listing per registry, only when some scope changes there)."""

from __future__ import annotations

from crnotify import reach
from crnotify.model import Config, LiveState
from crnotify.planner import Plan
from crnotify.providers import cloud
from crnotify.providers.base import Provider, RepositoryLister


def reach_changes(plan: Plan, config: Config, live: LiveState, provider: Provider) -> list[reach.ReachChange]:
    declared = {(r.registry, r.name): r for r in config.rules}
    living = {(r.registry, r.name): r for r in live.rules}
    listed: dict[str, list[str] | None] = {}
    changes = []
    for key in dict.fromkeys((c.registry, c.rule) for c in plan.changes):
        registry = next((r for r in config.registries if r.name == key[0]), None)
        if registry is None:
            continue
        home = cloud(registry.provider)
        after = reach.from_rule(declared[key]) if key in declared else None
        before = None
        if key in living:
            document = home.import_rule(registry, living[key]).document
            if document is not None:
                before = reach.from_document(registry.name, document, tags_known=home.tag_filter_readable)
        if before is None and after is None:
            continue
        draft = reach.change(before, after)
        if not draft.changed:
            continue
        moved = before is None or after is None or before.where != after.where
        if moved and isinstance(provider, RepositoryLister):
            if registry.name not in listed:
                listed[registry.name] = provider.list_repositories(registry)
            if listed[registry.name] is not None:
                draft = reach.change(before, after, listed[registry.name])
        changes.append(draft)
    return changes
