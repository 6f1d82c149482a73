"""Canonical forms of EventBridge shapes, so that equal meaning compares (and hashes) equal.

The cloud hands back what we wrote in a different shape: pattern keys reordered, server-added target
params (`IsBase64Encode`, research/alibaba-facts.md §7), targets and params in any order. Terraform's
alicloud provider diffed forever on exactly this (research/anchors.md §c pain 1). Every comparison in
crnotify goes through these functions first.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace

from crnotify.model import JSON, BusRule, Param, Target
from crnotify.secrets import fingerprint

# Target params whose values may hold a secret: a DingTalk signing secret, an HTTP token, a URL with
# a token in its query or path. A target's endpoint is such a URL too.
SECRET_PARAMS = frozenset({"SecretKey", "Token", "URL", "url"})
# Params the backend adds on its own to every stored target (convention.py A6).
SERVER_DEFAULT_PARAMS = {("IsBase64Encode", "CONSTANT", "false")}


def canonical_json(value: JSON) -> str:
    """One compact spelling per JSON value: patterns, digests and markers are compared in it."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def pattern(value: Mapping[str, JSON]) -> dict[str, JSON]:
    """Pattern keys sorted; each field's list of matchers sorted and de-duplicated (OR semantics).

    Lists *inside* a matcher object (e.g. `{"numeric": [">", 0, "<=", 5]}`) keep their order: there
    the order is the meaning.
    """
    out: dict[str, JSON] = {}
    for key in sorted(value):
        item = value[key]
        if isinstance(item, Mapping):
            out[key] = pattern(item)
        elif isinstance(item, list):
            unique = {canonical_json(matcher): matcher for matcher in item}
            out[key] = [unique[k] for k in sorted(unique)]
        else:
            out[key] = item
    return out


def param(item: Param) -> Param:
    """`""` and absent are one thing for a param's value and template: the backend may answer either
    where nothing was sent (Terraform's docs show its own params with `template = ""`)."""
    return replace(item, value=item.value or None, template=item.template or None)


def params(items: tuple[Param, ...]) -> tuple[Param, ...]:
    kept = (param(p) for p in items)
    kept = (p for p in kept if (p.resource_key, p.form.value, p.value) not in SERVER_DEFAULT_PARAMS)
    return tuple(sorted(kept, key=lambda p: (p.resource_key, p.form.value)))


def target(item: Target) -> Target:
    return replace(item, params=params(item.params))


def bus_rule(rule: BusRule) -> BusRule:
    """The canonical form of a bus rule: pattern, targets and params in one order, defaults gone."""
    return replace(
        rule,
        pattern=pattern(rule.pattern),
        description=rule.description.strip(),
        targets=tuple(sorted((target(t) for t in rule.targets), key=lambda t: t.id)),
        tags=tuple(sorted(rule.tags)),
    )


def bus_rule_document(rule: BusRule) -> dict[str, JSON]:
    """A JSON document of a (canonical) bus rule: the shape hashed for markers and freshness."""
    rule = bus_rule(rule)
    return {
        "name": rule.name,
        "pattern": rule.pattern,
        "description": rule.description,
        "enabled": rule.enabled,
        "targets": [
            {
                "id": t.id,
                "type": t.type,
                "endpoint": t.endpoint,
                "retry_strategy": t.retry_strategy,
                "params": [
                    {"key": p.resource_key, "form": p.form.value, "value": p.value, "template": p.template}
                    for p in t.params
                ],
            }
            for t in rule.targets
        ],
        "tags": [list(pair) for pair in rule.tags],
    }


def digest(document: JSON, length: int = 12) -> str:
    from hashlib import sha256  # noqa: PLC0415 -- not at the top: `validate` never hashes (cold start)

    return sha256(canonical_json(document).encode()).hexdigest()[:length]


def secret_free(rule: BusRule) -> BusRule:
    """The bus rule with every value that may hold a secret (target endpoints, `SECRET_PARAMS`)
    replaced by its `crnotify.secrets.fingerprint`, salted with the rule's name: what every stored
    digest of a bus rule (the marker's bus part, a saved plan's stamps) is taken of."""
    salt = f"bus:{rule.name}"
    targets = tuple(
        replace(
            t,
            endpoint=fingerprint(t.endpoint, salt=salt),
            params=tuple(
                replace(p, value=fingerprint(p.value, salt=salt))
                if p.value and p.resource_key in SECRET_PARAMS
                else p
                for p in t.params
            ),
        )
        for t in rule.targets
    )
    return replace(rule, targets=targets)
