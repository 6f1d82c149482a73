"""`plan(config, live) -> Plan`: the pure diff of the declared config against the live cloud.

Each rule, declared or live, is assessed once by its cloud's planning rules
(`providers.cloud(kind).assess`, DESIGN.md §3); the plan is the changes and errors of those
assessments, and `crnotify.drift` reads the findings of the same ones.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import replace

from crnotify import normalise
from crnotify.model import Config, LiveState
from crnotify.planner import rename
from crnotify.planner.assessment import Assessment, Standing, fill_paths
from crnotify.planner.changes import Change, Plan, PlanError, RuleRef
from crnotify.planner.ignore import ignored_fields, ignores_rule, leave_alone, set_aside
from crnotify.providers import cloud


def assess(config: Config, live: LiveState, *, skip: Collection[str] = ()) -> Iterator[Assessment]:
    """One assessment per rule name of every registry of `config` but those in `skip`, through the
    config's `ignore:` entries (`planner.ignore`)."""
    for registry in config.registries:
        if registry.name in skip:
            continue
        rules = cloud(registry.provider)
        declared = {rule.name: rule for rule in config.rules_of(registry.name)}
        current = {rule.name: rule for rule in live.of(registry.name)}
        renamed = rename.pairs(declared, current)  # new → old: one assessment for both names
        for name in sorted((set(declared) | set(current)) - set(renamed.values())):
            rule, found = declared.get(name), current.get(name)
            if rule is None:
                assessment = rules.assess(registry, None, found)
                ignored = ignores_rule(config, registry.name, name)
                yield set_aside(assessment) if ignored else assessment
                continue
            rule = leave_alone(rule, found, ignored_fields(config, registry.name, name))
            if name in renamed:
                yield rename.assess(rules, registry, rule, found, current[renamed[name]])
            else:
                yield rules.assess(registry, rule, found)


def plan(config: Config, live: LiveState, *, skip: Collection[str] = (), where: str = "") -> Plan:
    """The plan for every registry of `config` except those named in `skip` (listed as skipped:
    e.g. aws registries under `--local` or `--endpoint`, whose emulator is of Alibaba Cloud only).
    `where`: the paths and options the advice in the errors' hints needs (`assessment.fill_paths`)."""
    assessments = list(assess(config, live, skip=skip))
    changes = tuple(change for a in assessments for change in a.changes)
    return Plan(
        changes=changes,
        errors=(
            *(_filled(a.error, where) for a in assessments if a.error is not None),
            *_over_quota(config, live, changes, skip),
        ),
        unmanaged=tuple(
            RuleRef(registry=a.registry, rule=a.rule) for a in assessments if a.standing is Standing.UNMANAGED
        ),
        registries=config.registries,
        skipped=tuple(r.name for r in config.registries if r.name in skip),
        notes=tuple(
            note
            for r in config.registries
            if r.name not in skip
            for note in rename.done(r.name, config.rules_of(r.name), live.of(r.name))
        ),
    )


def _over_quota(
    config: Config, live: LiveState, changes: Sequence[Change], skip: Collection[str]
) -> Iterator[PlanError]:
    """Each region's quota errors, from what holds its slots (`LiveState.regions`: the whole region,
    other teams' rules included, whatever the run's scope), asked of its cloud."""
    for usage in live.regions:
        registries = [
            r
            for r in config.registries
            if r.provider is usage.provider and r.region == usage.region and r.name not in skip
        ]
        if registries:
            yield from cloud(usage.provider).check_quota(registries, changes, usage)


def _filled(error: PlanError, where: str) -> PlanError:
    return error if error.hint is None else replace(error, hint=fill_paths(error.hint, where))


def config_digest(config: Config) -> str:
    """One hash of the whole desired state, secrets entering only through digests. A saved plan stores
    it; `apply --plan` recomputes it from the config and refuses on a mismatch. Rules the planner
    rejects are left out (a plan with errors is never applied)."""
    items = []
    for rule in config.rules:
        try:
            registry = config.registry(rule.registry)
            items.append(cloud(registry.provider).digest_items(registry, rule))
        except (KeyError, ValueError):
            continue
    return normalise.digest(sorted(items), length=64)


__all__ = ["assess", "config_digest", "plan"]
