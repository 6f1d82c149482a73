"""AWS's `Cloud`: its rules behind the one object the provider table hands out."""

from __future__ import annotations

from collections.abc import Sequence

from crnotify.diagnostics.reporter import Item, Reporter
from crnotify.model import EventType, MessageTemplate, NotifyMethod, Provider, Registry, Rule
from crnotify.providers.aws import assess as planning
from crnotify.providers.aws import checks, importer, limits, offline, targets
from crnotify.providers.base import Cloud, RegistryTarget


class AwsCloud:
    kind = Provider.AWS
    label = "AWS"
    has_traces = False
    tag_filter_readable = True
    health_window_seconds = float(limits.METRIC_RETENTION_SECONDS)

    def check_registry(self, rep: Reporter, item: Item) -> RegistryTarget | None:
        return checks.check_registry(rep, item)

    def known_regions(self) -> frozenset[str]:
        return limits.REGIONS

    def rule_name_problem(self, name: str) -> str | None:
        return limits.rule_name_problem(name)

    def bus_key(self, registry: Registry) -> tuple[str, ...]:
        return ("aws", str(registry.account), registry.region)

    def check_rule_set(self, rep: Reporter, entries: Sequence[tuple[Item, Registry]]) -> None:
        return None  # AWS quotas are per account and adjustable: the cloud reports them at apply

    def template_variables(self, event_type: EventType) -> tuple[tuple[str, str], ...] | None:
        return targets.default_variables(event_type)

    def default_message(self, event_type: EventType) -> MessageTemplate | None:
        return targets.default_dingtalk_template(event_type) if targets.has_default(event_type) else None

    def check_rule(
        self, rep: Reporter, item: Item, event_type: EventType, method: NotifyMethod, *, tags_ok: bool
    ) -> None:
        checks.check_aws_rule(rep, item, event_type, method, tags_ok)

    def check_built(self, rep: Reporter, item: Item, rule: Rule, registry: Registry, *, clean: bool) -> None:
        checks.check_aws_built(rep, item, rule, registry, clean=clean)

    # The rest is the cloud's modules, as they are.
    assess = staticmethod(planning.assess)
    digest_items = staticmethod(planning.digest_items)
    check_quota = staticmethod(planning.check_quota)
    import_rule = staticmethod(importer.import_rule)
    offline_bus_rule = staticmethod(offline.bus_rule)
    offline_tag_filter = staticmethod(offline.tag_filter)
    offline_delivery = staticmethod(offline.delivery)


CLOUD: Cloud = AwsCloud()  # checked against the protocol by mypy
