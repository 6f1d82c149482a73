"""`AlibabaProvider`: the `providers.base.Provider` for Alibaba Cloud, one client pair per region."""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from crnotify import normalise
from crnotify.errors import AlreadyExists, ConfigError
from crnotify.fanout import DEFAULT_CONCURRENCY
from crnotify.health import Reading
from crnotify.lock import LeaseRecord
from crnotify.model import (
    BusRule,
    LiveState,
    NotifyMethod,
    Param,
    ParamForm,
    Provider,
    Registry,
    Rule,
    Target,
)
from crnotify.planner.changes import RegistryWrite
from crnotify.providers.alibaba import _sdk, cr, doctor, eventbridge, health, read, regeneration
from crnotify.providers.alibaba.convention import RegistrySpec, bus_digest, default_bus_rule
from crnotify.providers.alibaba.desired import SaveEventRule
from crnotify.providers.alibaba.errors import CallContext
from crnotify.providers.base import Checkup, Probe
from crnotify.providers.retry import RetryPolicy, configured

# The apply lock's leases (`crnotify.lock`): disabled rules on the default bus, with a pattern no
# Alibaba Cloud service emits, so they never match an event and never look like a registry's. Each has
# one inert target, since whether CreateRule accepts a rule without targets is undocumented (issue 14
# row 13): an HTTPS URL under `.invalid` (RFC 2606), which can never resolve.
LEASE_PATTERN = {"source": ["crnotify.lock"]}
LEASE_ENDPOINT = "https://lock.crnotify.invalid/"
LEASE_TARGET = Target(
    id="crnotify-lock",
    type=NotifyMethod.HTTPS.value,
    endpoint=LEASE_ENDPOINT,
    params=(
        Param(resource_key="Body", form=ParamForm.ORIGINAL),
        Param(resource_key="Network", form=ParamForm.CONSTANT, value="PublicNetwork"),
        Param(resource_key="url", form=ParamForm.CONSTANT, value=LEASE_ENDPOINT),
    ),
)


class AlibabaProvider:
    """Reads and writes through the official SDKs.

    `endpoints` maps a region to `host:port` (an emulator); the key `"*"` serves every region.
    Empty: the real regional endpoints. `access_key`: an explicit key pair; None: the default chain.
    `retry`: how throttled, 5xx and dropped calls are retried; None: `providers.retry.configured()`.

    Every write is safe to repeat, so an apply that lost a response (or was interrupted) can be
    retried call by call and rerun as a whole: creating a rule that now exists *as specified* and
    deleting one that is gone are successes; PutTargets is an upsert.
    `where`: what a saved plan records as the endpoint ("real", "local", or the `--endpoint` text).
    `concurrency`: how many calls `read` makes at once (`crnotify.fanout`). A region's client pair is
    shared by those calls: the SDK clients keep no per-call state, and their HTTP sessions are
    `requests` sessions over urllib3's thread-safe connection pools.
    """

    def __init__(
        self,
        *,
        endpoints: Mapping[str, str] | None = None,
        access_key: tuple[str, str] | None = None,
        retry: RetryPolicy | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
        where: str = "real",
    ) -> None:
        self.concurrency = concurrency
        self.where = where
        self._account: str | None = None
        self._endpoints = dict(endpoints or {})
        self._access_key = access_key
        self._retry = retry if retry is not None else configured()
        self._clients: dict[str, _sdk.Clients] = {}
        self._clients_lock = threading.Lock()
        self._credential: _sdk.SharedCredential | None = None  # the default chain, once for all regions
        self._awaiting: dict[tuple[str, str], RegistrySpec] = {}  # (region, rule) → the spec just saved

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
            self._clients[region] = _sdk.clients(connection, self._retry)
        return self._clients[region]

    def clients_for(self, region: str) -> _sdk.Clients:
        """The region's client pair, for the modules of this home that make their own calls
        (`doctor`, the emulator's console)."""
        return self._for(region)

    def context_for(self, region: str, registry: str = "") -> eventbridge.ContextFor:
        return self._context(region, registry)

    def connection_for(self, region: str) -> _sdk.Connection:
        """How the region's calls are made (endpoint, keys), for a client of another product (STS)."""
        self._for(region)  # the shared credential, created once
        return _sdk.Connection(
            region=region,
            endpoint=self._endpoints.get(region, self._endpoints.get("*")),
            access_key=self._access_key,
            credential=self._credential,
        )

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

    def identity(self, registry: Registry) -> tuple[str, str]:
        """(account id of the credentials, where the calls go), for a saved plan's target; one
        ListEventBuses the first time (`eventbridge.account_id`), remembered after."""
        if self._account is None:
            self._account = eventbridge.account_id(self._for(registry.region), self._context(registry.region))
        return self._account, self.where

    def event_traces(self, region: str, event_id: str) -> list[dict[str, Any]]:
        """The trace of one event on the region's `default` bus (`crnotify trace`); [] when unknown."""
        return eventbridge.query_event_traces(self._for(region), event_id, self._context(region))

    def read_health(
        self, registry: Registry, rules: Sequence[Rule], *, since: float, until: float
    ) -> list[Reading]:
        """How the rules delivered between `since` and `until` (`crnotify health`; `health.py`)."""
        self._instance(registry)
        window = (int(since * 1000), int(until * 1000))
        clients = self._for(registry.region)
        return health.read_health(
            clients, registry, rules, window, self._context(registry.region, registry.name)
        )

    def read_history(self, registry: Registry, *, since: float, until: float) -> list[dict[str, Any]]:
        """The events ACR's records name (`crnotify replay --since`; `health.py`)."""
        instance = self._instance(registry)
        context = self._context(registry.region, registry.name)
        window = (int(since * 1000), int(until * 1000))
        return health.history(self._for(registry.region), registry, instance, window, context)

    def list_repositories(self, registry: Registry) -> list[str]:
        """`NS/REPO` of every repository of the instance (ListRepository, paged; `health.py`)."""
        instance = self._instance(registry)
        context = self._context(registry.region, registry.name)
        return health.repositories(self._for(registry.region), instance, context)

    def read_bus_rule(self, registry: Registry, name: str) -> BusRule | None:
        """The bus rule; right after crnotify's own registry write of it (apply's re-apply step), once
        ACR has regenerated it (`regeneration`): as many GetRule calls as that takes, one when the
        cloud regenerates synchronously."""
        clients, context = self._for(registry.region), self._context(registry.region, registry.name)
        with self._clients_lock:
            written = self._awaiting.pop((registry.region, name), None)
        if written is None:
            return eventbridge.get_rule(clients, name, context)
        return regeneration.await_bus_rule(clients, name, context, written, self._instance(registry))

    def checkup(self, registry: Registry, probe: Probe | None = None) -> Checkup:
        """`crnotify doctor` for one registry (`doctor`)."""
        return doctor.checkup(self, registry, probe)

    # --- registry side --------------------------------------------------------------------------

    def registry_side(self, registry: Registry) -> AlibabaProvider:
        return self

    def save_registry_rule(self, registry: Registry, write: RegistryWrite) -> None:
        if not isinstance(write, SaveEventRule):  # only Alibaba's planning rules plan registry writes
            raise TypeError(f"not an ACR registry write: {type(write).__name__}")
        if write.rule_id is None:
            self.create_registry_rule(registry, write.spec)
        else:
            self.update_registry_rule(registry, write.rule_id, write.spec)

    def _instance(self, registry: Registry) -> str:
        if not registry.instance_id:
            raise ConfigError(f"registry {registry.name} has no instance_id")
        return registry.instance_id

    def create_registry_rule(self, registry: Registry, spec: RegistrySpec) -> str:
        clients, context = self._for(registry.region), self._context(registry.region, registry.name)
        instance = self._instance(registry)
        try:
            rule_id = cr.create(clients, instance, spec, context)
        except AlreadyExists:
            existing = self._created_as(clients, instance, spec, context)
            if existing is None:
                raise
            return existing
        self._regenerating(registry, spec)
        return rule_id

    @staticmethod
    def _created_as(
        clients: _sdk.Clients, instance: str, spec: RegistrySpec, context: eventbridge.ContextFor
    ) -> str | None:
        """The id of the rule named like `spec` if it is exactly what creating `spec` makes — the
        registry rule listed and its bus rule as ACR generates it for `spec` (the bus rule is the
        only readable trace of the registry settings; the tag regex does not show there)."""
        ids = [
            rule_id
            for rule_id, name in cr.list_rule_names(clients, instance, context)
            if name == spec.rule_name
        ]
        bus = eventbridge.get_rule(clients, spec.rule_name, context)
        if len(ids) != 1 or bus is None:
            return None
        expected = normalise.bus_rule(default_bus_rule(spec, instance))
        return ids[0] if bus_digest(normalise.bus_rule(bus)) == bus_digest(expected) else None

    def update_registry_rule(self, registry: Registry, rule_id: str, spec: RegistrySpec) -> None:
        clients, context = self._for(registry.region), self._context(registry.region, registry.name)
        cr.update(clients, self._instance(registry), rule_id, spec, context)
        self._regenerating(registry, spec)

    def _regenerating(self, registry: Registry, spec: RegistrySpec) -> None:
        """Note a registry write: the next `read_bus_rule` of its rule waits for ACR's regeneration."""
        with self._clients_lock:
            self._awaiting[(registry.region, spec.rule_name)] = spec

    def delete_registry_rule(self, registry: Registry, rule_id: str) -> None:
        context = self._context(registry.region, registry.name)
        cr.delete(self._for(registry.region), self._instance(registry), rule_id, context)  # gone is fine

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

    # --- the apply lock (`crnotify.lock.LeaseStore`) --------------------------------------------

    def lease_scope(self, registry: Registry) -> str:
        return self._instance(registry)

    def list_leases(self, registry: Registry, prefix: str) -> list[LeaseRecord]:
        clients, context = self._for(registry.region), self._context(registry.region, registry.name)
        rules = eventbridge.list_rules(clients, context, prefix=prefix)
        return [LeaseRecord(rule.name, rule.description) for rule in rules]

    @staticmethod
    def _lease(name: str, description: str) -> BusRule:
        return BusRule(
            name=name, pattern=LEASE_PATTERN, description=description, enabled=False, targets=(LEASE_TARGET,)
        )

    def create_lease(self, registry: Registry, name: str, description: str) -> None:
        clients, context = self._for(registry.region), self._context(registry.region, registry.name)
        eventbridge.create_rule_once(clients, self._lease(name, description), context)

    def update_lease(self, registry: Registry, name: str, description: str) -> None:
        clients, context = self._for(registry.region), self._context(registry.region, registry.name)
        eventbridge.update_rule(clients, self._lease(name, description), context)

    def delete_lease(self, registry: Registry, name: str) -> None:
        self.delete_bus_rule(registry, name)

    def lease_location(self, registry: Registry, name: str) -> str:
        return f"the EventBridge rule {name} on the default bus in {registry.region}"


def trace_registries(regions: Sequence[str]) -> tuple[Registry, ...]:
    """A registry per region, for `crnotify trace`: EventBridge traces are read per region."""
    return tuple(Registry(name=region, provider=Provider.ALIBABA, region=region) for region in regions)
