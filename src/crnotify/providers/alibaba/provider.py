"""`AlibabaProvider`: the `providers.base.Provider` for Alibaba Cloud, one client pair per region."""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from crnotify.convention import RegistrySpec
from crnotify.errors import ConfigError
from crnotify.fanout import DEFAULT_CONCURRENCY
from crnotify.model import BusRule, LiveState, Registry
from crnotify.providers.alibaba import _sdk, cr, eventbridge, read
from crnotify.providers.alibaba.errors import CallContext


class AlibabaProvider:
    """Reads and writes through the official SDKs.

    `endpoints` maps a region to `host:port` (an emulator); the key `"*"` serves every region.
    Empty: the real regional endpoints. `access_key`: an explicit key pair; None: the default chain.
    `concurrency`: how many calls `read` makes at once (`crnotify.fanout`). A region's client pair is
    shared by those calls: the SDK clients keep no per-call state, and their HTTP sessions are
    `requests` sessions over urllib3's thread-safe connection pools.
    """

    has_registry_side = True

    def __init__(
        self,
        *,
        endpoints: Mapping[str, str] | None = None,
        access_key: tuple[str, str] | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
    ) -> None:
        self.concurrency = concurrency
        self._endpoints = dict(endpoints or {})
        self._access_key = access_key
        self._clients: dict[str, _sdk.Clients] = {}
        self._clients_lock = threading.Lock()
        self._credential: _sdk.SharedCredential | None = None  # the default chain, once for all regions

    def _for(self, region: str) -> _sdk.Clients:
        with self._clients_lock:  # apply's steps run on worker threads
            return self._for_locked(region)

    def _for_locked(self, region: str) -> _sdk.Clients:
        if region not in self._clients:
            endpoint = self._endpoints.get(region, self._endpoints.get("*"))
            if self._endpoints and endpoint is None:
                raise ConfigError(
                    f"no endpoint given for region {region}",
                    hint="use --endpoint HOST:PORT for every region, or REGION=HOST:PORT,… naming this one",
                )
            if self._access_key is None and self._credential is None:
                self._credential = _sdk.SharedCredential()
            connection = _sdk.Connection(
                region=region, endpoint=endpoint, access_key=self._access_key, credential=self._credential
            )
            self._clients[region] = _sdk.clients(connection)
        return self._clients[region]

    @staticmethod
    def _context(region: str, registry: str = "") -> eventbridge.ContextFor:
        def make(action: str, resource: str) -> CallContext:
            return CallContext(action=action, region=region, resource=resource, registry=registry)

        return make

    # --- reading --------------------------------------------------------------------------------

    def read(
        self, registries: Sequence[Registry], *, names: Mapping[str, Collection[str]] | None = None
    ) -> LiveState:
        for registry in registries:
            self._instance(registry)
        return read.read(
            registries,
            names or {},
            clients_for=self._for,
            context_for=self._context,
            concurrency=self.concurrency,
        )

    def event_traces(self, region: str, event_id: str) -> list[dict[str, Any]]:
        """The trace of one event on the region's `default` bus (`crnotify trace`); [] when unknown."""
        return eventbridge.query_event_traces(self._for(region), event_id, self._context(region))

    def read_bus_rule(self, registry: Registry, name: str) -> BusRule | None:
        return eventbridge.get_rule(
            self._for(registry.region), name, self._context(registry.region, registry.name)
        )

    # --- registry side --------------------------------------------------------------------------

    def _instance(self, registry: Registry) -> str:
        if not registry.instance_id:
            raise ConfigError(f"registry {registry.name} has no instance_id")
        return registry.instance_id

    def create_registry_rule(self, registry: Registry, spec: RegistrySpec) -> str:
        context = self._context(registry.region, registry.name)
        return cr.create(self._for(registry.region), self._instance(registry), spec, context)

    def update_registry_rule(self, registry: Registry, rule_id: str, spec: RegistrySpec) -> None:
        context = self._context(registry.region, registry.name)
        cr.update(self._for(registry.region), self._instance(registry), rule_id, spec, context)

    def delete_registry_rule(self, registry: Registry, rule_id: str) -> None:
        context = self._context(registry.region, registry.name)
        cr.delete(self._for(registry.region), self._instance(registry), rule_id, context)

    # --- bus side -------------------------------------------------------------------------------

    def put_bus_rule(self, registry: Registry, desired: BusRule, live: BusRule | None) -> None:
        clients, context = self._for(registry.region), self._context(registry.region, registry.name)
        if live is None:
            eventbridge.create_rule(clients, desired, context)
        else:
            eventbridge.converge(clients, desired, live, context)

    def delete_bus_rule(self, registry: Registry, name: str) -> None:
        eventbridge.delete_rule(
            self._for(registry.region), name, self._context(registry.region, registry.name)
        )
