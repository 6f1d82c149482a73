"""Alibaba Cloud's `Cloud`: its rules behind the one object the provider table hands out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from crnotify.delivery.transform import Delivery
from crnotify.diagnostics.reporter import Item, Reporter
from crnotify.model import BusRule, EventType, LiveRule, NotifyMethod, Provider, Registry, Rule, Target
from crnotify.planner.assessment import Assessment
from crnotify.providers.alibaba import assess, checks, desired, importer, limits, offline
from crnotify.providers.alibaba.convention import default_variables
from crnotify.providers.base import Imported, RegistryTarget


class AlibabaCloud:
    kind = Provider.ALIBABA
    label = "Alibaba Cloud"
    has_traces = True

    def check_registry(self, rep: Reporter, item: Item) -> RegistryTarget | None:
        return checks.check_registry(rep, item)

    def known_regions(self) -> frozenset[str]:
        return limits.REGIONS

    def rule_name_problem(self, name: str) -> str | None:
        return limits.rule_name_problem(name)

    def bus_key(self, registry: Registry) -> tuple[str, ...]:
        return ("alibaba", registry.region)  # every ACR instance of a region generates on `default`

    def check_rule_set(self, rep: Reporter, entries: Sequence[tuple[Item, Registry]]) -> None:
        checks.check_quota(rep, entries)

    def template_variables(self, event_type: EventType) -> tuple[tuple[str, str], ...] | None:
        return default_variables(event_type) if event_type.is_acr_rule_type else None

    def check_rule(
        self, rep: Reporter, item: Item, event_type: EventType, method: NotifyMethod, *, tags_ok: bool
    ) -> None:
        checks.check_event(rep, item, event_type)

    def check_built(self, rep: Reporter, item: Item, rule: Rule, registry: Registry, *, clean: bool) -> None:
        return None  # what ACR refuses is known before the rule is built

    def assess(self, registry: Registry, rule: Rule | None, live: LiveRule | None) -> Assessment:
        return assess.assess(registry, rule, live)

    def digest_items(self, registry: Registry, rule: Rule) -> list[str]:
        return desired.digest_items(registry, rule)

    def import_rule(self, registry: Registry, live: LiveRule) -> Imported:
        return importer.import_rule(registry, live)

    def offline_bus_rule(self, registry: Registry, rule: Rule, *, resolved: bool) -> BusRule:
        return offline.bus_rule(registry, rule, resolved=resolved)

    def offline_tag_filter(self, rule: Rule) -> str | None:
        return offline.tag_filter(rule)

    def offline_delivery(
        self, rule: Rule, target: Target, event: Mapping[str, Any], *, resolved: bool
    ) -> Delivery:
        return offline.delivery(rule, target, event, resolved=resolved)


CLOUD = AlibabaCloud()
