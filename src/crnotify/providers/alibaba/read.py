"""Read the live rules of many registries in many regions with the fewest calls, concurrently.

The calls, and why each is needed (research/alibaba-facts.md §1.5, §2.3):

- `ListRules` once per region (paged, 100 rules a page): every rule of the `default` bus with its
  name, description (where crnotify's marker is) and pattern (which instances it selects). Shared by
  all the registries of the region. Its targets lack `ParamList`, so it cannot answer what a target
  sends.
- `ListEventCenterRuleName` once per instance: the ids and names of its registry-side rules (the API
  cannot read their settings back; the bus rule shows them).
- `GetRule` once per bus rule that matters to a declared registry — a registry-side rule of that name,
  a declared rule of that name, or a pattern selecting the instance — and never for other rules of
  the bus. `GetRule` rather than `ListTargets`: one call gives the targets with their `ParamList` and
  retry strategy (ListTargets has no retry strategy, and would still need the rule's status).

The same answers tell what holds the region's quotas (`model.RegionRules`), at no extra call: every
rule on the bus (`ListRules`), and the registry rules of every instance of the region, other teams'
included — each ACR event rule has a generated bus rule whose pattern names its instance, and the
instances read add their rules whose bus rule is gone.

crnotify's ownership record (`ownership`) is in `ListRules`' answer too, as descriptions: reading it
costs no call. Its rules, and the lock's leases, are crnotify's own (`limits.is_internal`): never read
as a registry's rules.

Critical path: a region's `ListRules` and its instances' `ListEventCenterRuleName` run at once, and
each `GetRule` starts as soon as the calls it depends on have answered: for a declared or
pattern-selected name, `ListRules` alone; for a name only the registry side has, both.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial

from crnotify.fanout import Fanout
from crnotify.model import BusRule, LiveRule, LiveState, Provider, RegionRules, Registry
from crnotify.providers.alibaba import _sdk, cr, eventbridge
from crnotify.providers.alibaba.convention import instance_ids
from crnotify.providers.alibaba.eventbridge import RuleSummary
from crnotify.providers.alibaba.limits import is_internal
from crnotify.providers.alibaba.ownership import Book, current

ClientsFor = Callable[[str], _sdk.Clients]  # region → clients, created on the calling thread
ContextFor = Callable[[str, str], eventbridge.ContextFor]  # (region, registry name) → call context


@dataclass
class _Region:
    """What is known of one region so far; filled in by callbacks on the thread running the fan-out."""

    registries: list[Registry]
    summaries: dict[str, RuleSummary] | None = None  # ListRules' answer
    acr: dict[str, dict[str, str]] = field(default_factory=dict)  # instance → {rule name: rule id}
    requested: set[str] = field(default_factory=set)  # names whose GetRule has been submitted
    full: dict[str, BusRule | None] = field(default_factory=dict)  # GetRule's answers


def read(
    registries: Sequence[Registry],
    names: Mapping[str, Collection[str]],
    *,
    clients_for: ClientsFor,
    context_for: ContextFor,
    concurrency: int,
    books: dict[tuple[str, str], Book] | None = None,
) -> LiveState:
    """Every rule of these registries, both sides (see the module docstring for the calls made).
    `books`, if given, receives each (region, instance)'s ownership record as read."""
    reader = _Reader(names, clients_for, context_for, Fanout(concurrency))
    for registry in sorted(registries, key=lambda r: r.region):
        reader.regions.setdefault(registry.region, _Region(registries=[])).registries.append(registry)
    for region in reader.regions:
        reader.start(region)
    reader.fan.run()
    read_books = _books(reader.regions)
    if books is not None:
        books.update(read_books)
    return LiveState(
        rules=tuple(_assemble(reader.regions, names, read_books)),
        regions=tuple(_usage(region, state) for region, state in reader.regions.items()),
    )


def _books(regions: Mapping[str, _Region]) -> dict[tuple[str, str], Book]:
    out: dict[tuple[str, str], Book] = {}
    for region, state in regions.items():
        assert state.summaries is not None
        descriptions = {name: summary.description for name, summary in state.summaries.items()}
        for registry in state.registries:
            assert registry.instance_id
            out[region, registry.instance_id] = Book.read(registry.instance_id, descriptions)
    return out


def _usage(region: str, state: _Region) -> RegionRules:
    """What holds the region's rule quotas (see the module docstring)."""
    summaries = state.summaries or {}
    holders: dict[str, str] = {}
    for name, summary in sorted(summaries.items()):
        selected = sorted(instance_ids(summary.pattern))
        if selected and not is_internal(name):
            holders[name] = selected[0]
    for instance, rules in sorted(state.acr.items()):
        for name in sorted(rules):
            holders.setdefault(name, instance)
    return RegionRules(
        provider=Provider.ALIBABA,
        region=region,
        registry_rules=tuple(sorted(holders.items())),
        bus_rules=tuple(sorted(summaries)),
    )


@dataclass
class _Reader:
    names: Mapping[str, Collection[str]]
    clients_for: ClientsFor
    context_for: ContextFor
    fan: Fanout
    regions: dict[str, _Region] = field(default_factory=dict)

    def start(self, region: str) -> None:
        """The list calls of one region, at once: ListRules and each instance's rule names."""
        state, clients = self.regions[region], self.clients_for(region)  # clients shared by the workers
        self.fan.submit(
            partial(_list_bus, clients, self.context_for(region, "")), then=partial(self.on_bus, region)
        )
        listed: set[str] = set()
        for registry in state.registries:
            instance = registry.instance_id
            if instance is None or instance in listed:
                continue  # two registries naming one instance: list it once
            listed.add(instance)
            self.fan.submit(
                partial(cr.list_rule_names, clients, instance, self.context_for(region, registry.name)),
                then=partial(self.on_instance, region, instance),
            )

    def on_bus(self, region: str, summaries: list[RuleSummary]) -> None:
        state = self.regions[region]
        state.summaries = {s.name: s for s in summaries}
        for registry in state.registries:
            self.get_rules(region, _wanted(state, registry, self.names))

    def on_instance(self, region: str, instance: str, pairs: list[tuple[str, str]]) -> None:
        state = self.regions[region]
        state.acr[instance] = {name: rule_id for rule_id, name in pairs}
        if state.summaries is not None:  # else on_bus asks for these names too
            self.get_rules(region, state.acr[instance])

    def get_rules(self, region: str, wanted: Collection[str]) -> None:
        """GetRule for each wanted name on the bus not asked for yet."""
        state = self.regions[region]
        assert state.summaries is not None
        clients, context = self.clients_for(region), self.context_for(region, "")
        for name in sorted(set(wanted) - state.requested):
            if name not in state.summaries:
                continue  # not on the bus: nothing to read
            state.requested.add(name)
            self.fan.submit(
                partial(eventbridge.get_rule, clients, name, context), then=partial(_store, state.full, name)
            )


def _list_bus(clients: _sdk.Clients, context: eventbridge.ContextFor) -> list[RuleSummary]:
    return list(eventbridge.list_rules(clients, context))


def _store(into: dict[str, BusRule | None], name: str, rule: BusRule | None) -> None:
    into[name] = rule


def _wanted(state: _Region, registry: Registry, names: Mapping[str, Collection[str]]) -> set[str]:
    """The rule names that matter to `registry`, given what its region has listed so far."""
    assert state.summaries is not None
    assert registry.instance_id
    wanted = set(names.get(registry.name, ()))
    wanted |= {n for n, s in state.summaries.items() if registry.instance_id in instance_ids(s.pattern)}
    wanted |= set(state.acr.get(registry.instance_id, {}))
    return {name for name in wanted if not is_internal(name)}


def _assemble(
    regions: Mapping[str, _Region],
    names: Mapping[str, Collection[str]],
    books: Mapping[tuple[str, str], Book],
) -> list[LiveRule]:
    """The live rules in a stable order: by region, registry (as declared), then name."""
    rules: list[LiveRule] = []
    for region, state in regions.items():
        for registry in state.registries:
            assert registry.instance_id
            acr = state.acr[registry.instance_id]
            entries = books[region, registry.instance_id].entries()
            for name in sorted(_wanted(state, registry, names)):
                bus = state.full.get(name)
                if bus is None and name not in acr:
                    continue
                owned = current(entries.get(name), acr.get(name))
                rules.append(
                    LiveRule(registry=registry.name, name=name, rule_id=acr.get(name), bus=bus, owned=owned)
                )
    return rules
