"""Alibaba's offline rules for `crnotify test`: the bus rule apply leaves, ACR's own tag filter, and
what each target of it sends.

The bus rule is computed exactly as `apply` would leave it —
`convention.customise(convention.default_bus_rule(spec, instance), rule.bus, …)`. The generated pattern
cannot express `RepoTagFilterPattern` (convention A2), so ACR applies the tag regex itself before
publishing; it must match the whole tag, as Java's `String.matches` would (ACR's semantics are not
documented). Secrets are never resolved for display: URLs and secrets are shown as
written in YAML (`${env:…}`), and a literal DingTalk signing secret is masked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crnotify.delivery.transform import Delivery, render_target
from crnotify.model import BusRule, Registry, Rule, Target
from crnotify.providers.alibaba.convention import RegistrySpec, customise, default_bus_rule


def bus_rule(registry: Registry, rule: Rule, *, resolved: bool) -> BusRule:
    """The bus rule crnotify's apply leaves for `rule`: ACR's generated rule plus the declared edits."""
    spec = RegistrySpec.of(rule, resolved=resolved)
    generated = default_bus_rule(spec, registry.instance_id or "")
    return customise(generated, rule.bus, digest=spec.digest())


def tag_filter(rule: Rule) -> str | None:
    return rule.tag_pattern


def delivery(rule: Rule, target: Target, event: Mapping[str, Any], *, resolved: bool) -> Delivery:
    """The target's params already hold what `bus_rule` put there (resolved or as written)."""
    return render_target(target, event)
