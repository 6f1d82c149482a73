"""Saved plans: what `plan --out FILE` writes and `apply --plan FILE` checks before executing.

A plan file holds no secret values. It stores the config paths, one digest of the desired state
(secrets enter only through digests), and a stamp per live object the plan read: the registry rule's
id and a digest of the bus rule with every secret-bearing value replaced by its fingerprint. The
rendered plan rides along for people and bots. At apply time the cloud is read again; if an object
the plan touches (or would now touch) changed, the plan is stale and apply names each such object
— not just "stale" (research/anchors.md §c pain 5, §d idea 8).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from crnotify import normalise
from crnotify.errors import CrnotifyError
from crnotify.model import JSON, BusRule, LiveRule, LiveState, fingerprint
from crnotify.planner import Plan
from crnotify.planner.fields import ALWAYS_SECRET_PARAMS, URL_PARAMS

FORMAT_VERSION = 1
KIND = "crnotify-plan"


@dataclass(frozen=True, slots=True)
class Stamp:
    rule_id: str | None
    bus: str | None  # digest of the bus rule, secrets fingerprinted; None = no bus rule


@dataclass(frozen=True, slots=True, kw_only=True)
class SavedPlan:
    config_paths: tuple[str, ...]
    desired_digest: str
    objects: Mapping[str, Mapping[str, Stamp]]  # registry → rule name → stamp
    changes: frozenset[tuple[str, str, str]]  # (action, registry, rule)


def _safe_bus(rule: BusRule) -> BusRule:
    """The bus rule with every value that may hold a secret replaced by its fingerprint."""
    targets = tuple(
        replace(
            t,
            endpoint=fingerprint(t.endpoint),
            params=tuple(
                replace(p, value=fingerprint(p.value))
                if p.value and p.resource_key in ALWAYS_SECRET_PARAMS | URL_PARAMS
                else p
                for p in t.params
            ),
        )
        for t in rule.targets
    )
    return replace(rule, targets=targets)


def stamp(live: LiveRule | None) -> Stamp | None:
    if live is None:
        return None
    bus = None if live.bus is None else normalise.digest(normalise.bus_rule_document(_safe_bus(live.bus)), 16)
    return Stamp(rule_id=live.rule_id, bus=bus)


def change_keys(plan: Plan) -> frozenset[tuple[str, str, str]]:
    return frozenset((c.action.value, c.registry, c.rule) for c in plan.changes)


def capture(plan: Plan, live: LiveState, config_paths: Sequence[str], desired_digest: str) -> SavedPlan:
    objects: dict[str, dict[str, Stamp]] = {}
    for rule in live.rules:
        value = stamp(rule)
        assert value is not None
        objects.setdefault(rule.registry, {})[rule.name] = value
    for registry in plan.registries:
        objects.setdefault(registry.name, {})
    return SavedPlan(
        config_paths=tuple(str(Path(p).resolve()) for p in config_paths),
        desired_digest=desired_digest,
        objects=objects,
        changes=change_keys(plan),
    )


def dumps(saved: SavedPlan, rendered: Mapping[str, JSON]) -> str:
    document = {
        "format_version": FORMAT_VERSION,
        "kind": KIND,
        "config_paths": list(saved.config_paths),
        "desired_digest": saved.desired_digest,
        "read": {
            registry: {name: {"rule_id": s.rule_id, "bus": s.bus} for name, s in sorted(stamps.items())}
            for registry, stamps in sorted(saved.objects.items())
        },
        "changes": sorted([list(key) for key in saved.changes]),
        "plan": rendered,
    }
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def load(path: str | Path) -> SavedPlan:
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
        if document.get("kind") != KIND or document.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"not a crnotify plan file of format version {FORMAT_VERSION}")
        return SavedPlan(
            config_paths=tuple(str(p) for p in document["config_paths"]),
            desired_digest=str(document["desired_digest"]),
            objects={
                registry: {name: Stamp(s.get("rule_id"), s.get("bus")) for name, s in stamps.items()}
                for registry, stamps in document["read"].items()
            },
            changes=frozenset((str(a), str(r), str(n)) for a, r, n in document["changes"]),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CrnotifyError(f"cannot read the plan file {path}: {exc}") from None


def stale_objects(saved: SavedPlan, live: LiveState, plan: Plan) -> list[str]:
    """What changed since the plan was made, for each object the saved or the fresh plan touches."""
    fresh = {(rule.registry, rule.name): rule for rule in live.rules}
    touched = {(r, n) for _, r, n in saved.changes | change_keys(plan)}
    problems = []
    for registry, name in sorted(touched):
        before = saved.objects.get(registry, {}).get(name)
        after = stamp(fresh.get((registry, name)))
        if before == after:
            continue
        if before is None:
            what = "appeared in the cloud"
        elif after is None:
            what = "disappeared from the cloud"
        elif before.rule_id != after.rule_id:
            what = f"registry rule changed ({before.rule_id} → {after.rule_id})"
        else:
            what = "its EventBridge rule changed"
        problems.append(f"{registry}/{name}: {what}")
    if not problems and change_keys(plan) != saved.changes:
        for action, registry, name in sorted(change_keys(plan) ^ saved.changes):
            problems.append(f"{registry}/{name}: the plan for it changed ({action})")
    return problems
