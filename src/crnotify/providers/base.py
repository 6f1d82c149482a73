"""The one interface `crnotify.apply` (and the read side of plan/drift/import) uses to reach a cloud.

A provider reads the live state of declared registries into `model.LiveState`, normalised (patterns
parsed, targets and params sorted, server-added defaults such as `IsBase64Encode` stripped), and
writes the two halves of an event rule:

- the **registry side** — an Alibaba Cloud Container Registry event rule. Only Alibaba has one;
  a provider without it (AWS: an ECR rule *is* its EventBridge rule) raises `NotImplementedError`
  from the three registry methods, which the planner never plans for it.
- the **bus side** — the EventBridge rule on the `default` bus and its targets. `put_bus_rule`
  converges a rule to `desired` in the fewest calls given `live` (what it is now): the rule's pattern,
  description and state, the full target list, and the removal of targets no longer wanted.

Errors are `crnotify.errors.ProviderError` subclasses, translated from vendor exceptions in one
function per provider; nothing vendor-specific crosses this interface. Each provider retries
throttling, 5xx and dropped connections in one place, with jittered exponential backoff (Alibaba:
`providers.retry` around every SDK call; AWS: botocore's own retry settings, plus the per-entry
ConcurrentModificationException of PutTargets/RemoveTargets, which AWS reports without raising), and
every write is safe to repeat after a lost response: a create that finds the object already there
exactly as asked, or a delete that finds it gone, succeeds. Secret values cross this interface only
inside the specs and bus rules being written or read, and providers never put them in messages.

The apply lock's leases (`crnotify.lock.LeaseStore`) are a separate, structural interface that both
providers also implement.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Protocol

from crnotify.convention import RegistrySpec
from crnotify.model import BusRule, LiveState, Registry


class Provider(Protocol):
    def read(
        self, registries: Sequence[Registry], *, names: Mapping[str, Collection[str]] | None = None
    ) -> LiveState:
        """Every rule of these registries, both sides, with each region's bus read once.

        A bus rule belongs to a registry when the registry has a rule of that name or the rule's
        pattern selects the registry's instance; `names` (registry name → rule names) adds bus
        rules by name, so that a declared rule whose name is taken on the bus is seen.
        """
        ...

    def read_bus_rule(self, registry: Registry, name: str) -> BusRule | None:
        """One bus rule, with its targets' params; None if it does not exist."""
        ...

    def create_registry_rule(self, registry: Registry, spec: RegistrySpec) -> str:
        """Create the registry-side rule; returns its id. The cloud generates the bus rule."""
        ...

    def update_registry_rule(self, registry: Registry, rule_id: str, spec: RegistrySpec) -> None:
        """Save the registry-side rule. The cloud regenerates the bus rule from its defaults."""
        ...

    def delete_registry_rule(self, registry: Registry, rule_id: str) -> None: ...

    def put_bus_rule(self, registry: Registry, desired: BusRule, live: BusRule | None) -> None:
        """Make the bus rule `desired`. `live` None: it does not exist and is created."""
        ...

    def delete_bus_rule(self, registry: Registry, name: str) -> None:
        """Delete the bus rule and its targets; succeeds if it is already gone."""
        ...
