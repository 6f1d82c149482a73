"""What the declared config wants on the cloud: per rule, the registry spec and the bus rule.

Everything here comes from `crnotify.convention`: the desired bus rule is ACR's generated rule with
the declared customisations and the ownership marker (`customise(default_bus_rule(...))`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from crnotify import normalise
from crnotify.convention import RegistrySpec, bus_digest, customise, default_bus_rule
from crnotify.model import BusRule, Config, Provider, Registry, Rule


@dataclass(frozen=True, slots=True, kw_only=True)
class Desired:
    registry: Registry
    rule: Rule
    instance_id: str
    spec: RegistrySpec = field(repr=False)  # secrets resolved
    digest: str  # `spec.digest()`: the marker's registry part
    bus: BusRule = field(repr=False)  # canonical form, marker included

    @property
    def generated(self) -> BusRule:
        """What a registry save leaves on the bus before crnotify re-applies the customisations."""
        return normalise.bus_rule(default_bus_rule(self.spec, self.instance_id))

    @property
    def url_is_secret(self) -> bool:
        return self.rule.notify.url.is_secret


def desire(registry: Registry, rule: Rule) -> Desired:
    """The desired state of one declared rule. Raises ValueError (with a readable message) when the
    rule cannot be planned: no instance id on the registry, or unresolved `${env:…}` secrets."""
    if not registry.instance_id:
        raise ValueError(f"registry {registry.name} has no instance_id (the ACR Enterprise instance, cri-…)")
    spec = RegistrySpec.of(rule)
    digest = spec.digest()
    bus = customise(default_bus_rule(spec, registry.instance_id), rule.bus, digest=digest)
    return Desired(
        registry=registry,
        rule=rule,
        instance_id=registry.instance_id,
        spec=spec,
        digest=digest,
        bus=normalise.bus_rule(bus),
    )


def desired_digest(items: Iterable[Desired]) -> str:
    """One hash of the whole desired state, secrets entering only through digests.

    A saved plan stores it; `apply --plan` recomputes it from the config and refuses on a mismatch.
    """
    document = sorted(
        [
            item.registry.name,
            item.registry.region,
            item.instance_id,
            item.rule.name,
            item.digest,
            bus_digest(item.bus),
        ]
        for item in items
    )
    return normalise.digest(document, length=64)


def config_digest(config: Config) -> str:
    """`desired_digest` of every plannable rule of the config (rules the planner rejects are skipped:
    a plan with errors is never applied); aws rules add their content digests."""
    from crnotify.planner import aws  # noqa: PLC0415 (aws imports the planner's changes)

    items = []
    for rule in config.rules:
        try:
            registry = config.registry(rule.registry)
            if registry.provider is Provider.ALIBABA:
                items.append(desire(registry, rule))
        except (KeyError, ValueError):
            continue
    digest = desired_digest(items)
    aws_items = sorted(aws.digest_items(config))
    if not aws_items:
        return digest
    return normalise.digest([digest, aws_items], length=64)
