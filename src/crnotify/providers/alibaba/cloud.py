"""Alibaba Cloud's `Cloud`: its rules behind the one object the provider table hands out."""

from __future__ import annotations

from collections.abc import Sequence

from crnotify.diagnostics.reporter import Item, Reporter
from crnotify.model import EventType, MessageTemplate, NotifyMethod, Provider, Registry, Rule
from crnotify.providers.alibaba import assess as planning
from crnotify.providers.alibaba import checks, desired, importer, limits, offline
from crnotify.providers.alibaba.convention import default_template, default_variables
from crnotify.providers.base import Cloud, RegistryTarget


class AlibabaCloud:
    kind = Provider.ALIBABA
    label = "Alibaba Cloud"
    has_traces = True
    tag_filter_readable = False
    health_window_seconds = float(limits.TRACE_RETENTION_SECONDS)

    def check_registry(self, rep: Reporter, item: Item) -> RegistryTarget | None:
        return checks.check_registry(rep, item)

    def known_regions(self) -> frozenset[str]:
        return limits.REGIONS

    def rule_name_problem(self, name: str) -> str | None:
        return limits.declared_name_problem(name)

    def bus_key(self, registry: Registry) -> tuple[str, ...]:
        return ("alibaba", registry.region)  # every ACR instance of a region generates on `default`

    def check_rule_set(self, rep: Reporter, entries: Sequence[tuple[Item, Registry]]) -> None:
        checks.check_quota(rep, entries)

    def template_variables(self, event_type: EventType) -> tuple[tuple[str, str], ...] | None:
        return default_variables(event_type) if event_type.is_acr_rule_type else None

    def default_message(self, event_type: EventType) -> MessageTemplate | None:
        return default_template(event_type) if event_type.is_acr_rule_type else None

    def check_rule(
        self, rep: Reporter, item: Item, event_type: EventType, method: NotifyMethod, *, tags_ok: bool
    ) -> None:
        checks.check_event(rep, item, event_type)

    def check_built(self, rep: Reporter, item: Item, rule: Rule, registry: Registry, *, clean: bool) -> None:
        return None  # what ACR refuses is known before the rule is built

    # The rest is the cloud's modules, as they are.
    assess = staticmethod(planning.assess)
    digest_items = staticmethod(desired.digest_items)
    check_quota = staticmethod(planning.check_quota)
    import_rule = staticmethod(importer.import_rule)
    offline_bus_rule = staticmethod(offline.bus_rule)
    offline_tag_filter = staticmethod(offline.tag_filter)
    offline_delivery = staticmethod(offline.delivery)


CLOUD: Cloud = AlibabaCloud()  # checked against the protocol by mypy
