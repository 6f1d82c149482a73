"""Saved plans: what `plan --out FILE` writes and `apply --plan FILE` checks before executing.

A plan file holds no secret values. It stores the target it was made against (per cloud the account
of the credentials and where the calls went — "real", "local" or the emulator endpoint — and the
regions; `apply --plan` refuses any other target, naming both), the config paths relative to the plan
file (so that a moved checkout, plan file included, still applies), one digest of the desired state
(secrets enter only through digests), and a stamp per live object the plan read: the registry rule's
id and a digest of the bus rule with every secret-bearing value replaced by its (scrypt) fingerprint
(`normalise.secret_free`). The
rendered plan rides along for people and bots. At apply time the cloud is read again; if an object
the plan touches (or would now touch) changed, the plan is stale and apply names each such object
— not just "stale" (research/anchors.md §c pain 5, §d idea 8).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from crnotify import jsontext, normalise, userfile
from crnotify.errors import CrnotifyError
from crnotify.model import JSON, BusRule, LiveRule, LiveState
from crnotify.planner import Plan
from crnotify.planner.scope import EVERYTHING, Scope

T = TypeVar("T")
FORMAT_VERSION = 2  # 2: the target, and config paths relative to the plan file
KIND = "crnotify-plan"


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """What a plan was made against. `clouds`: (cloud, account id, where the calls went), sorted."""

    clouds: tuple[tuple[str, str, str], ...]
    regions: tuple[str, ...]

    def describe(self) -> str:
        clouds = "; ".join(
            f"{cloud} account {account} ({'the real cloud' if where == 'real' else where})"
            for cloud, account, where in self.clouds
        )
        return f"{clouds or 'no cloud'}, regions {', '.join(self.regions) or 'none'}"


@dataclass(frozen=True, slots=True)
class Stamp:
    rule_id: str | None
    bus: str | None  # digest of the bus rule, secrets fingerprinted; None = no bus rule


@dataclass(frozen=True, slots=True, kw_only=True)
class SavedPlan:
    target: Target
    config_paths: tuple[str, ...]  # as loaded: resolved against the plan file's directory
    desired_digest: str
    objects: Mapping[str, Mapping[str, Stamp]]  # registry → rule name → stamp
    changes: frozenset[tuple[str, str, str]]  # (action, registry, rule)
    scope: Scope = EVERYTHING  # a scoped plan (`--registry`/`--rule`) applies within the same scope


def bus_stamp(bus: BusRule | None) -> str | None:
    """The digest a plan keeps of a bus rule (secrets fingerprinted); None for no bus rule. Apply
    compares it before each write too (`crnotify.apply`), so both checks see the same changes."""
    if bus is None:
        return None
    return normalise.digest(normalise.bus_rule_document(normalise.secret_free(bus)), 16)


def stamp(live: LiveRule | None) -> Stamp | None:
    if live is None:
        return None
    return Stamp(rule_id=live.rule_id, bus=bus_stamp(live.bus))


def change_keys(plan: Plan) -> frozenset[tuple[str, str, str]]:
    return frozenset((c.action.value, c.registry, c.rule) for c in plan.changes)


def capture(
    plan: Plan,
    live: LiveState,
    config_paths: Sequence[str],
    desired_digest: str,
    target: Target,
    *,
    scope: Scope = EVERYTHING,
) -> SavedPlan:
    objects: dict[str, dict[str, Stamp]] = {}
    for rule in live.rules:
        value = stamp(rule)
        assert value is not None
        objects.setdefault(rule.registry, {})[rule.name] = value
    for registry in plan.registries:
        objects.setdefault(registry.name, {})
    return SavedPlan(
        target=target,
        config_paths=tuple(str(Path(p).resolve()) for p in config_paths),
        desired_digest=desired_digest,
        objects=objects,
        changes=change_keys(plan),
        scope=scope,
    )


def dumps(saved: SavedPlan, rendered: Mapping[str, JSON], plan_file: str | Path) -> str:
    """The plan file's text; config paths are written relative to `plan_file`'s directory."""
    base = Path(plan_file).resolve().parent
    document = {
        "format_version": FORMAT_VERSION,
        "kind": KIND,
        "target": {
            "clouds": [{"cloud": c, "account": a, "endpoint": w} for c, a, w in saved.target.clouds],
            "regions": list(saved.target.regions),
        },
        "config_paths": [os.path.relpath(Path(p).resolve(), base) for p in saved.config_paths],
        "desired_digest": saved.desired_digest,
        "read": {
            registry: {name: {"rule_id": s.rule_id, "bus": s.bus} for name, s in sorted(stamps.items())}
            for registry, stamps in sorted(saved.objects.items())
        },
        "changes": sorted([list(key) for key in saved.changes]),
        "plan": rendered,
    }
    if not saved.scope.is_everything:  # absent: the whole configuration
        document["scope"] = {"registries": list(saved.scope.registries), "rules": list(saved.scope.rules)}
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def load(path: str | Path) -> SavedPlan:
    """The saved plan in `path`; any file `plan --out` did not write as it is is refused, saying why."""
    try:
        document = jsontext.loads(userfile.read_text(path, limit=userfile.PLAN_BYTES))
        if not isinstance(document, dict):
            raise ValueError("it is not a JSON object")
        if document.get("kind") == KIND and document.get("format_version") == 1:
            raise ValueError(
                "it was made by an earlier crnotify (format version 1), which did not record the target; "
                "run `crnotify plan --out FILE` again"
            )
        if document.get("kind") != KIND or document.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"not a crnotify plan file of format version {FORMAT_VERSION}")
        read = _field(document, "read", dict)
        base = Path(path).resolve().parent
        paths = _strings(_field(document, "config_paths", list), "config_paths")
        return SavedPlan(
            target=_target(_field(document, "target", dict)),
            config_paths=tuple(str(base / p) for p in paths),  # an absolute path stays as it is
            desired_digest=_field(document, "desired_digest", str),
            objects={
                str(registry): {
                    str(name): _stamp(stamp, f"read.{registry}.{name}")
                    for name, stamp in _field(read, registry, dict, "read.").items()
                }
                for registry in read
            },
            changes=frozenset(_change(item) for item in _field(document, "changes", list)),
            scope=_scope(document),
        )
    except userfile.UnreadableFile as exc:
        raise CrnotifyError(f"cannot read the plan file {path}: {exc.reason}", hint=exc.hint) from None
    except jsontext.JsonTextError as exc:
        raise CrnotifyError(f"cannot read the plan file {path}: it is not valid JSON ({exc})") from None
    except (ValueError, KeyError) as exc:
        raise CrnotifyError(f"cannot read the plan file {path}: {_reason(exc)}") from None


def _field(document: Mapping[str, object], key: str, kind: type[T], prefix: str = "") -> T:
    value = document[key]
    if not isinstance(value, kind):
        raise ValueError(f"the field {prefix}{key} is not a {_KIND_NAMES[kind]}")
    return value


def _strings(values: list[object], where: str) -> list[str]:
    if not all(isinstance(value, str) for value in values):
        raise ValueError(f"the field {where} holds something other than text")
    return [str(value) for value in values]


def _target(value: Mapping[str, object]) -> Target:
    clouds = []
    for entry in _field(value, "clouds", list, "target."):
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(key), str) for key in ("cloud", "account", "endpoint")
        ):
            raise ValueError(
                "an entry of the field target.clouds is not a {cloud, account, endpoint} of text"
            )
        clouds.append((entry["cloud"], entry["account"], entry["endpoint"]))
    regions = _strings(_field(value, "regions", list, "target."), "target.regions")
    return Target(clouds=tuple(clouds), regions=tuple(regions))


def _scope(document: Mapping[str, object]) -> Scope:
    if "scope" not in document:
        return EVERYTHING
    value = _field(document, "scope", dict)
    return Scope(
        registries=tuple(_strings(_field(value, "registries", list, "scope."), "scope.registries")),
        rules=tuple(_strings(_field(value, "rules", list, "scope."), "scope.rules")),
    )


def _stamp(value: object, where: str) -> Stamp:
    if not isinstance(value, dict) or not all(
        isinstance(value.get(key), str | None) for key in ("rule_id", "bus")
    ):
        raise ValueError(f"the field {where} is not a {{rule_id, bus}} object of text or null")
    return Stamp(value.get("rule_id"), value.get("bus"))


def _change(item: object) -> tuple[str, str, str]:
    if not isinstance(item, list) or len(item) != 3 or not all(isinstance(part, str) for part in item):
        raise ValueError("an entry of the field changes is not [action, registry, rule]")
    return item[0], item[1], item[2]


_KIND_NAMES: dict[type, str] = {dict: "JSON object", list: "JSON list", str: "text"}


def _reason(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"the field {exc} is missing"
    return str(exc)


def stale_objects(saved: SavedPlan, live: LiveState, plan: Plan) -> list[str]:
    """Every rule that changed since the plan was made, named with what changed.

    Every rule the plan read counts, not only those it changes: the reviewer approved the plan
    against that whole picture (a rule that appeared may take a name or a quota slot the plan counts
    on; one that vanished was listed as left alone). Terraform refuses a saved plan whenever the
    state moved on, for the same reason.
    """
    fresh = {(rule.registry, rule.name): rule for rule in live.rules if rule.registry in saved.objects}
    read = {(registry, name) for registry, stamps in saved.objects.items() for name in stamps}
    touched = {(r, n) for _, r, n in saved.changes | change_keys(plan)}
    problems = []
    for registry, name in sorted(read | set(fresh) | touched):
        before = saved.objects.get(registry, {}).get(name)
        after = stamp(fresh.get((registry, name)))
        if before != after:
            problems.append(f"{registry}/{name}: {what_changed(before, after)}")
    if not problems and change_keys(plan) != saved.changes:
        for action, registry, name in sorted(change_keys(plan) ^ saved.changes):
            problems.append(f"{registry}/{name}: the plan for it changed ({action})")
    return problems


def what_changed(before: Stamp | None, after: Stamp | None) -> str:
    """What changed between two stamps of one rule, in the words every freshness check uses."""
    if before is None:
        return "appeared in the cloud"
    if after is None:
        return "was deleted from the cloud"
    if before.rule_id != after.rule_id:
        if before.rule_id is None:
            return "its registry rule appeared"
        if after.rule_id is None:
            return "its registry rule was deleted"
        return f"its registry rule was replaced ({before.rule_id} → {after.rule_id})"
    if before.bus is None:
        return "its EventBridge rule appeared"
    if after.bus is None:
        return "its EventBridge rule was deleted"
    return "its EventBridge rule changed (edited, or regenerated by a save of the registry side)"
