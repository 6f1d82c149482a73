"""`AlibabaProvider`: the `providers.base.Provider` for Alibaba Cloud, one client pair per region."""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from crnotify.errors import AlreadyExists, ConfigError
from crnotify.fanout import DEFAULT_CONCURRENCY
from crnotify.health import Reading
from crnotify.lock import LeaseRecord
from crnotify.marker import read_marker
from crnotify.model import (
    BusRule,
    LiveState,
    NotifyMethod,
    OwnershipEntry,
    Param,
    ParamForm,
    Provider,
    Registry,
    Rule,
    Target,
)
from crnotify.planner.changes import RegistryWrite
from crnotify.providers.alibaba import _sdk, cr, doctor, eventbridge, health, ownership, read, regeneration
from crnotify.providers.alibaba.convention import RegistrySpec, generated_for, infer_spec, with_acr_choices
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


@dataclass
class _Saved:
    """A registry write of this run, and the digest of what the cloud generated after it."""

    rule_id: str
    spec: RegistrySpec
    generated: str | None = None


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
        # The ownership record (`ownership`): each instance's as last read or written, the registry
        # writes of this run and what the cloud generated after each, and the rule ids read.
        self._books: dict[tuple[str, str], ownership.Book] = {}  # (region, instance) → its records
        self._saved: dict[tuple[str, str], _Saved] = {}  # (region, rule) → this run's registry write
        self._ids: dict[tuple[str, str], str] = {}  # (region, rule) → registry rule id, as read
        self._record_lock = threading.Lock()  # one read-modify-write of the records at a time

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
        books: dict[tuple[str, str], ownership.Book] = {}
        live = read.read(
            registries,
            names or {},
            clients_for=self._for,
            context_for=self._context,
            concurrency=self.concurrency,
            books=books,
        )
        regions = {registry.name: registry.region for registry in registries}
        with self._record_lock:
            self._books.update(books)
            for rule in live.rules:
                if rule.rule_id is not None:
                    self._ids[regions[rule.registry], rule.name] = rule.rule_id
        return live

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
        instance = self._instance(registry)
        rule = regeneration.await_bus_rule(clients, name, context, written, instance)
        with self._clients_lock:  # observed: what the cloud generated after crnotify's save (issue 14)
            saved = self._saved.get((registry.region, name))
            if saved is not None:
                saved.generated = ownership.generated_digest(rule, name, instance)
        return rule

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
        self._regenerating(registry, spec, rule_id)
        return rule_id

    @staticmethod
    def _created_as(
        clients: _sdk.Clients, instance: str, spec: RegistrySpec, context: eventbridge.ContextFor
    ) -> str | None:
        """The id of the rule named like `spec` if it is what creating `spec` makes — the registry
        rule listed and its bus rule as ACR generates it for `spec` (`generated_for`: the bus rule is
        the only readable trace of the registry settings; the tag regex does not show there)."""
        ids = [
            rule_id
            for rule_id, name in cr.list_rule_names(clients, instance, context)
            if name == spec.rule_name
        ]
        bus = eventbridge.get_rule(clients, spec.rule_name, context)
        if len(ids) != 1 or bus is None:
            return None
        return ids[0] if generated_for(bus, spec, instance) else None  # ACR's, tolerantly (issue 14)

    def update_registry_rule(self, registry: Registry, rule_id: str, spec: RegistrySpec) -> None:
        clients, context = self._for(registry.region), self._context(registry.region, registry.name)
        cr.update(clients, self._instance(registry), rule_id, spec, context)
        self._regenerating(registry, spec, rule_id)

    def _regenerating(self, registry: Registry, spec: RegistrySpec, rule_id: str) -> None:
        """Note a registry write: the next `read_bus_rule` of its rule waits for ACR's regeneration,
        and the bus write after it records the rule in the ownership record."""
        with self._clients_lock:
            self._awaiting[(registry.region, spec.rule_name)] = spec
            self._saved[(registry.region, spec.rule_name)] = _Saved(rule_id=rule_id, spec=spec)

    def delete_registry_rule(self, registry: Registry, rule_id: str) -> None:
        context = self._context(registry.region, registry.name)
        cr.delete(self._for(registry.region), self._instance(registry), rule_id, context)  # gone is fine
        self._forget(registry, lambda name, entry: entry.rule_id == rule_id)

    # --- bus side -------------------------------------------------------------------------------

    def put_bus_rule(self, registry: Registry, desired: BusRule, live: BusRule | None) -> None:
        clients, context = self._for(registry.region), self._context(registry.region, registry.name)
        if live is None:
            eventbridge.create_rule(clients, desired, context)
        else:
            desired = with_acr_choices(desired, live, retry=False)  # ACR's target id stays as it made it
            eventbridge.converge(clients, desired, live, context)
        self._record(registry, desired, self._generation_seen(registry, live))

    def _generation_seen(self, registry: Registry, live: BusRule | None) -> str | None:
        """The generated digest of `live` if it is a rule ACR generated (unmarked, of ACR's shape):
        when crnotify adopts a rule made in the console, what ACR made of it is observed there."""
        if live is None or not registry.instance_id or read_marker(live.description).digest is not None:
            return None
        spec = infer_spec(live)
        instance = self._instance(registry)
        if spec is None or not generated_for(live, spec, instance):
            return None
        return ownership.generated_digest(live, live.name, instance)

    def delete_bus_rule(self, registry: Registry, name: str) -> None:
        eventbridge.delete_rule(
            self._for(registry.region), name, self._context(registry.region, registry.name)
        )
        self._forget(registry, lambda entry_name, entry: entry_name == name)

    # --- the ownership record (`ownership`) -----------------------------------------------------

    def _book(self, registry: Registry) -> ownership.Book:
        """The instance's records as last read; listed (one ListRules by prefix) if never read."""
        instance = self._instance(registry)
        book = self._books.get((registry.region, instance))
        if book is None:
            clients, context = self._for(registry.region), self._context(registry.region, registry.name)
            rules = eventbridge.list_rules(clients, context, prefix=ownership.record_prefix(instance))
            book = ownership.Book.read(instance, {rule.name: rule.description for rule in rules})
            self._books[registry.region, instance] = book
        return book

    def _record(self, registry: Registry, desired: BusRule, seen: str | None = None) -> None:
        """Record that crnotify wrote `desired`: its registry spec, what the cloud generated after
        crnotify's save of it (observed; else `seen` in the rule it replaced, else as recorded
        before) and the bus rule written, as `ownership` keeps them."""
        marker = read_marker(desired.description)
        if marker.digest is None or not registry.instance_id:  # no instance (the console verbs): no record
            return
        name = desired.name
        with self._clients_lock:
            saved = self._saved.pop((registry.region, name), None)
        with self._record_lock:
            entries = self._book(registry).entries()
            rule_id = saved.rule_id if saved is not None else self._ids.get((registry.region, name))
            previous = ownership.current(entries.get(name), rule_id)
            same_spec = previous is not None and previous.spec == marker.digest
            entry = OwnershipEntry(
                rule_id=rule_id or (previous.rule_id if previous else None),
                spec=marker.digest,
                generated=(saved.generated if saved is not None else None)
                or seen
                or (previous.generated if previous else None),
                bus=ownership.written_digest(desired),
                tag_pattern=saved.spec.tag_pattern
                if saved is not None
                else (previous.tag_pattern if previous is not None and same_spec else None),
            )
            if entries.get(name) != entry:
                entries[name] = entry
                self._write_records(registry, entries)

    def _forget(self, registry: Registry, which: Callable[[str, OwnershipEntry], bool]) -> None:
        if not registry.instance_id:
            return
        with self._record_lock:
            entries = self._book(registry).entries()
            kept = {name: entry for name, entry in entries.items() if not which(name, entry)}
            if len(kept) != len(entries):
                self._write_records(registry, kept)

    def _write_records(self, registry: Registry, entries: dict[str, OwnershipEntry]) -> None:
        book = self._book(registry)
        clients, context = self._for(registry.region), self._context(registry.region, registry.name)
        for name, text in book.writes(entries):
            if text is None:
                eventbridge.delete_rule(clients, name, context)
                book.descriptions.pop(name, None)
                continue
            rule = ownership.record_rule(name, text)
            if name in book.descriptions:
                eventbridge.update_rule(clients, rule, context)
            else:
                try:
                    eventbridge.create_rule_once(clients, rule, context)
                except AlreadyExists:  # made since it was read: a record crnotify rewrites whole
                    eventbridge.update_rule(clients, rule, context)
            book.descriptions[name] = text

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
        eventbridge.delete_rule(
            self._for(registry.region), name, self._context(registry.region, registry.name)
        )

    def lease_location(self, registry: Registry, name: str) -> str:
        return f"the EventBridge rule {name} on the default bus in {registry.region}"


def trace_registries(regions: Sequence[str]) -> tuple[Registry, ...]:
    """A registry per region, for `crnotify trace`: EventBridge traces are read per region."""
    return tuple(Registry(name=region, provider=Provider.ALIBABA, region=region) for region in regions)
