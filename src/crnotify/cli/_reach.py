"""The reach of a plan's changed rules, and what they would have done to the recorded history.

The reach (`crnotify.reach`), for `plan --format markdown`: the declared
side from the config, the live side from the cloud's own import of the live rule (one YAML shape for
every cloud), and — where the registry's repositories can be listed — the repositories a scope change
starts or stops covering (one listing per registry, only when some scope changes there)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from crnotify import reach
from crnotify.model import Config, LiveState
from crnotify.planner import Plan
from crnotify.providers import cloud
from crnotify.providers.base import Provider, RepositoryLister
from crnotify.render.replay_json import iso


def reach_changes(
    plan: Plan, config: Config, live: LiveState, provider: Provider | None
) -> list[reach.ReachChange]:
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


def flood_warnings(
    plan: Plan, config: Config, live: LiveState, events: Sequence[Mapping[str, Any]]
) -> list[str]:
    """For each changed rule, a warning when replaying `events` through the declared rules loses more
    of its messages than through the live ones (`offline.replay`): a robot the change would have
    locked. Live ACR rules' tag filters cannot be read, so their side counts every tag."""
    from crnotify.offline import replay  # noqa: PLC0415 -- only `plan --history` pays for it

    before = replay.replay(events, replay.live_routes(config.registries, live))
    after = replay.replay(events, replay.routes_of(config))
    lost_before, lost_after = replay.lost_by_rule(before), replay.lost_by_rule(after)
    warnings = []
    for key in dict.fromkeys((c.registry, c.rule) for c in plan.changes):
        rule = key[1]
        more = lost_after.get(rule, 0) - lost_before.get(rule, 0)
        if more <= 0:
            continue
        for target in after.targets:
            mine = [lost for lost in target.lost if lost[2] == rule]
            if target.locks and mine:
                first = target.locks[0]
                warnings.append(
                    f"{key[0]}/{rule}: on the recorded history ({len(events)} events) this change would "
                    f"have locked {target.endpoint} at {iso(first.at)} for "
                    f"{(first.until - first.at) / 60:g} minutes, losing {len(mine)} message(s) "
                    f"({more} more than the rules now)"
                )
    return warnings


def matching_changes(
    plan: Plan,
    config: Config,
    live: LiveState,
    reaches: Sequence[reach.ReachChange],
    events: Sequence[Mapping[str, Any]] | None,
) -> list[Any]:
    """For each changed rule whose bus pattern or tag filter changes what it matches, the recorded
    (`events`) or sample events it starts and stops matching (`offline.pattern_diff`)."""
    from crnotify.offline import pattern_diff, replay  # noqa: PLC0415 -- only plan pays for it

    before = {(r.registry, r.rule): r for r in replay.live_routes(config.registries, live)}
    after = {(r.registry, r.rule): r for r in replay.routes_of(config)}
    sides = {(r.registry, r.rule): r for r in reaches}
    found = []
    for key in dict.fromkeys((c.registry, c.rule) for c in plan.changes):
        old, new = before.get(key), after.get(key)
        if old is None and new is None:
            continue
        if _same_matching(old, new):
            continue
        registry = next(r for r in config.registries if r.name == key[0])
        if events is not None:
            checked: list[Mapping[str, Any]] = list(events)
            source = "recorded"
        else:
            change = sides.get(key)
            known = [r for r in (change.before, change.after) if r is not None] if change else []
            checked, source = list(pattern_diff.samples(registry, known)), "sample"
        result = pattern_diff.diff(old, new, checked, source=source)
        if result.changed:
            found.append(result)
    return found


def _same_matching(old: Any, new: Any) -> bool:
    """The same pattern, and no tag filter known on both sides that differs: the same events match."""
    if old is None or new is None or old.matcher.pattern != new.matcher.pattern:
        return False
    return old.tag_regex is None or new.tag_regex is None or old.tag_regex.pattern == new.tag_regex.pattern
