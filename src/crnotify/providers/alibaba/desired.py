"""What the declared config wants on the cloud: per rule, the registry spec and the bus rule.

Everything here comes from the ACR convention: the desired bus rule is ACR's generated rule with
the declared customisations and the ownership marker (`customise(default_bus_rule(...))`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from crnotify import normalise
from crnotify.model import BusRule, Registry, Rule
from crnotify.planner.changes import RegistryWrite
from crnotify.providers.alibaba.convention import RegistrySpec, bus_digest, customise, default_bus_rule


@dataclass(frozen=True, slots=True, kw_only=True)
class SaveEventRule(RegistryWrite):
    """Create (no `rule_id`) or save an ACR event rule; executed by `AlibabaProvider`."""

    spec: RegistrySpec = field(repr=False)


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

    def recorded_as(self, digest: str) -> Desired:
        """This desired state with the marker keeping `digest`, the record of the same spec that
        `import --adopt` wrote (`fields.saved_as_declared`): a bus write must not replace it."""
        if digest == self.digest:
            return self
        bus = customise(default_bus_rule(self.spec, self.instance_id), self.rule.bus, digest=digest)
        return replace(self, digest=digest, bus=normalise.bus_rule(bus))

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


def digest_items(registry: Registry, rule: Rule) -> list[str]:
    """What a saved plan's desired digest covers for one rule, secrets entering only through digests
    (`apply --plan` recomputes it from the config and refuses on a mismatch). ValueError: unplannable."""
    item = desire(registry, rule)
    return [registry.name, registry.region, item.instance_id, rule.name, item.digest, bus_digest(item.bus)]
