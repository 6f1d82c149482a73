"""What validation checks only for Alibaba registries and their rules (asked through `Cloud`).

Facts: `providers.alibaba.limits` (names, regions without the feature, the per-region quota);
research/acr-events.md §1 (the five event types an ACR rule can select).
"""

from __future__ import annotations

from collections.abc import Sequence

from crnotify.diagnostics import codes, quote
from crnotify.diagnostics.reporter import Item, Reporter, provider_fields
from crnotify.model import EventType, Registry
from crnotify.providers.alibaba.limits import DOCS, RULES_PER_REGION, UNAVAILABLE_REGIONS
from crnotify.providers.base import RegistryTarget


def check_registry(rep: Reporter, item: Item) -> RegistryTarget | None:
    provider_fields(rep, item, needed="instance_id", forbidden="account", why="an ACR instance")
    provider_fields(rep, item, needed=None, forbidden="invoke_role_arn", why="")
    region = str(item.data["region"])
    if region in UNAVAILABLE_REGIONS:
        rep.error(
            codes.REGION_UNAVAILABLE,
            item,
            ("region",),
            f"ACR event notifications are not available in {region} ({UNAVAILABLE_REGIONS[region]})",
            hint="the feature is missing in China East 1/East 2/South 1 Finance, China North 2 "
            f"Ali Gov 1 and UK (London); see {DOCS}",
        )
    instance_id = item.data.get("instance_id")
    if instance_id is None:
        return None
    return RegistryTarget(key=("alibaba", str(instance_id)), where=f"ACR instance {instance_id}")


def check_event(rep: Reporter, item: Item, event_type: EventType) -> None:
    """`push` on ACR: Container Registry publishes PushCompleted to the `default` bus, but the
    EventType of its event rules offers only five types (research/acr-events.md §1)."""
    if event_type.is_acr_rule_type:
        return
    *first, last = (t.short_name for t in EventType.acr_rule_types())
    rep.error(
        codes.ACR_EVENT,
        item,
        ("event",),
        f"event {event_type.short_name} cannot be selected by an ACR event rule: Container Registry "
        f"publishes {event_type.value} to the EventBridge bus default, but its event rules select only "
        f"{', '.join(first)} and {last} events",
        hint=f"a plain EventBridge rule on the bus default could select {event_type.value}, but crnotify "
        "manages ACR event rules only; instead use `event: scan` with automatic scanning on push, a "
        "repository trigger (ACR's push webhook), or an aws registry, where push is ECR Image Action",
    )


def check_quota(rep: Reporter, entries: Sequence[tuple[Item, Registry]]) -> None:
    """At most `RULES_PER_REGION` ACR rules per region, across the config's registries."""
    per_region: dict[str, list[tuple[Item, str]]] = {}
    for item, registry in entries:
        per_region.setdefault(registry.region, []).append((item, registry.name))
    for region, rules in per_region.items():
        if len(rules) <= RULES_PER_REGION:
            continue
        counts: dict[str, int] = {}
        for _, name in rules:
            counts[name] = counts.get(name, 0) + 1
        breakdown = ", ".join(f"{name}: {n}" for name, n in counts.items())
        item, _ = rules[RULES_PER_REGION]
        rep.error(
            codes.RULE_QUOTA,
            item,
            ("name",),
            f"region {region} has {len(rules)} event rules ({breakdown}); ACR allows at most "
            f"{RULES_PER_REGION} per region, and EventBridge counts the generated rules the same way",
            hint=f"rule {quote(item.name)} is the first over the limit; remove or merge rules (see {DOCS})",
        )
