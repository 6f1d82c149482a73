"""One `Provider` over several clouds: each call goes to the provider of the registry's kind.

A config may declare Alibaba and AWS registries side by side; `apply`, `plan` and `drift` talk to one
provider, and this one hands every registry to the provider of its cloud.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from crnotify.errors import ConfigError
from crnotify.health import Reading
from crnotify.lock import LeaseRecord, LeaseStore
from crnotify.model import BusRule, LiveRule, LiveState, RegionRules, Registry, Rule
from crnotify.model import Provider as ProviderKind
from crnotify.providers.base import (
    Checkup,
    HealthReader,
    HistoryReader,
    Probe,
    Provider,
    RegistrySide,
    RepositoryLister,
)


class ByRegistryKind:
    """Dispatches each call to `providers[registry.provider]`."""

    def __init__(self, providers: Mapping[ProviderKind, Provider]) -> None:
        self.providers = dict(providers)

    def _for(self, registry: Registry) -> Provider:
        provider = self.providers.get(registry.provider)
        if provider is None:
            raise ConfigError(
                f"registry {registry.name}: no {registry.provider.value} provider in this session"
            )
        return provider

    def read(
        self, registries: Sequence[Registry], *, names: Mapping[str, Collection[str]] | None = None
    ) -> LiveState:
        rules: list[LiveRule] = []
        regions: list[RegionRules] = []
        for kind, provider in self.providers.items():
            mine = [r for r in registries if r.provider is kind]
            if mine:
                state = provider.read(mine, names=names)
                rules += state.rules
                regions += state.regions
        missing = sorted({r.provider.value for r in registries} - {k.value for k in self.providers})
        if missing:
            raise ConfigError(f"no provider for {', '.join(missing)} registries in this session")
        return LiveState(rules=tuple(rules), regions=tuple(regions))

    def identity(self, registry: Registry) -> tuple[str, str]:
        return self._for(registry).identity(registry)

    def read_bus_rule(self, registry: Registry, name: str) -> BusRule | None:
        return self._for(registry).read_bus_rule(registry, name)

    def registry_side(self, registry: Registry) -> RegistrySide | None:
        return self._for(registry).registry_side(registry)

    def checkup(self, registry: Registry, probe: Probe | None = None) -> Checkup:
        return self._for(registry).checkup(registry, probe)

    def put_bus_rule(self, registry: Registry, desired: BusRule, live: BusRule | None) -> None:
        self._for(registry).put_bus_rule(registry, desired, live)

    def delete_bus_rule(self, registry: Registry, name: str) -> None:
        self._for(registry).delete_bus_rule(registry, name)

    def read_health(
        self, registry: Registry, rules: Sequence[Rule], *, since: float, until: float
    ) -> list[Reading]:
        provider = self._for(registry)
        if not isinstance(provider, HealthReader):
            raise ConfigError(f"registry {registry.name}: its provider cannot read delivery health")
        return provider.read_health(registry, rules, since=since, until=until)

    def list_repositories(self, registry: Registry) -> list[str] | None:
        """The registry's repositories, or None when its cloud cannot list them."""
        provider = self._for(registry)
        return provider.list_repositories(registry) if isinstance(provider, RepositoryLister) else None

    def read_history(self, registry: Registry, *, since: float, until: float) -> list[dict[str, Any]] | None:
        provider = self._for(registry)
        if not isinstance(provider, HistoryReader):
            return None
        return provider.read_history(registry, since=since, until=until)

    # --- the apply lock: each registry's leases live with its own cloud --------------------------

    def _leases(self, registry: Registry) -> LeaseStore:
        provider = self._for(registry)
        if not isinstance(provider, LeaseStore):
            raise ConfigError(f"registry {registry.name}: its provider cannot hold the apply lock")
        return provider

    def lease_scope(self, registry: Registry) -> str:
        return self._leases(registry).lease_scope(registry)

    def list_leases(self, registry: Registry, prefix: str) -> list[LeaseRecord]:
        return self._leases(registry).list_leases(registry, prefix)

    def create_lease(self, registry: Registry, name: str, description: str) -> None:
        self._leases(registry).create_lease(registry, name, description)

    def update_lease(self, registry: Registry, name: str, description: str) -> None:
        self._leases(registry).update_lease(registry, name, description)

    def delete_lease(self, registry: Registry, name: str) -> None:
        self._leases(registry).delete_lease(registry, name)

    def lease_location(self, registry: Registry, name: str) -> str:
        return self._leases(registry).lease_location(registry, name)
