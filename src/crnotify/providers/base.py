"""The interfaces every cloud implements, in two halves (DESIGN.md §3, a home per cloud):

- `Cloud` — a cloud's *rules*, pure: the checks validation runs for its registries, its planning rules
  (one `Assessment` per rule, read by plan and drift), its import, and its offline rules for
  `crnotify test`. `crnotify.providers.cloud(kind)` is the one table that picks it; core code never
  branches on the kind of a registry.
- `Provider` — a cloud's *API*: it reads the live state of registries into `model.LiveState`,
  normalised (patterns parsed, targets and params sorted, server-added defaults such as
  `IsBase64Encode` stripped), and converges bus rules. `put_bus_rule` makes a rule `desired` in the
  fewest calls given `live` (what it is now): pattern, description, state, the full target list,
  and the removal of targets no longer wanted.

The registry side — an ACR event rule, whose every save regenerates its bus rule — is a capability
only Alibaba has: `Provider.registry_side(registry)` answers a `RegistrySide` there and None
elsewhere. Nothing here carries a type of one cloud, and no method answers NotImplementedError.

Errors are `crnotify.errors.ProviderError` subclasses, translated from vendor exceptions in one
function per provider; nothing vendor-specific crosses these interfaces. Each provider retries
throttling, 5xx and dropped connections in one place, with jittered exponential backoff, and every
write is safe to repeat after a lost response: a create that finds the object already there exactly
as asked, or a delete that finds it gone, succeeds. Secret values cross only inside the rules being
written or read, and providers never put them in messages.

The apply lock's leases (`crnotify.lock.LeaseStore`) and delivery health (`HealthReader`) are separate,
structural interfaces that both providers also implement.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from crnotify.delivery.transform import Delivery
from crnotify.diagnostics.reporter import Item, Reporter
from crnotify.health import Reading
from crnotify.model import (
    BusRule,
    EventType,
    LiveRule,
    LiveState,
    MessageTemplate,
    NotifyMethod,
    RegionRules,
    Registry,
    Rule,
    Target,
)
from crnotify.model import Provider as ProviderKind
from crnotify.planner.assessment import Assessment
from crnotify.planner.changes import Change, PlanError, RegistryWrite

# --- the API half ---------------------------------------------------------------------------------


class RegistrySide(Protocol):
    """A registry whose event rules are objects of their own (ACR), linked to a bus rule each."""

    def save_registry_rule(self, registry: Registry, write: RegistryWrite) -> None:
        """Create or save the registry-side rule; the cloud (re)generates its bus rule."""
        ...

    def delete_registry_rule(self, registry: Registry, rule_id: str) -> None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Check:
    """One thing `crnotify doctor` looked at. `status`: ok, answered (an API action crnotify needs
    answered), denied (by RAM/IAM: `detail` names what to grant), failed, unavailable, skipped."""

    topic: str  # identity | region | eventbridge | action | quota
    name: str  # e.g. the RAM action `cr:ListEventCenterRuleName`, or the quota's name
    status: str
    detail: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Observation:
    """One assumption a probe settled (`observed` is a value of the emulator variant `variant`) or
    could not (`observed` None; `evidence` says why and what to send back)."""

    variant: str
    assumption: str
    observed: str | None
    evidence: str
    default: str = ""  # the emulator's default value, filled in by the command


@dataclass(frozen=True, slots=True, kw_only=True)
class Checkup:
    """What `crnotify doctor` found for one registry."""

    registry: str
    cloud: str
    region: str
    account: str | None  # None: not known (the identity call failed)
    identity: str  # e.g. "RAMUser acs:ram::<account>:user/ci"
    checks: tuple[Check, ...] = ()
    observations: tuple[Observation, ...] = ()
    probe: tuple[str, ...] = ()  # what the probe did, step by step (scratch rule, timing, cleanup)


@dataclass(frozen=True, slots=True, kw_only=True)
class Probe:
    """`doctor --probe NAMESPACE`: make a scratch rule there. `tell` says something to the person at
    once (e.g. to create the rule in the console); `wait_s` bounds how long doctor waits for them."""

    namespace: str
    tell: Callable[[str], None]
    wait_s: float = 600.0


class Provider(Protocol):
    def read(
        self, registries: Sequence[Registry], *, names: Mapping[str, Collection[str]] | None = None
    ) -> LiveState:
        """Every rule of these registries, with each region's bus read once.

        A bus rule belongs to a registry when the registry has a rule of that name or the rule's
        pattern selects the registry; `names` (registry name → rule names) adds bus rules by name,
        so that a declared rule whose name is taken on the bus is seen.
        """
        ...

    def identity(self, registry: Registry) -> tuple[str, str]:
        """(the account id the credentials act in, where the calls go: "real", "local" or the
        emulator endpoint) — what a saved plan is tied to (`crnotify.planfile.Target`)."""
        ...

    def read_bus_rule(self, registry: Registry, name: str) -> BusRule | None:
        """One bus rule, with its targets' params; None if it does not exist."""
        ...

    def put_bus_rule(self, registry: Registry, desired: BusRule, live: BusRule | None) -> None:
        """Make the bus rule `desired`. `live` None: it does not exist and is created."""
        ...

    def delete_bus_rule(self, registry: Registry, name: str) -> None:
        """Delete the bus rule and its targets; succeeds if it is already gone."""
        ...

    def registry_side(self, registry: Registry) -> RegistrySide | None:
        """The registry's own event rules, where its cloud has them."""
        ...

    def checkup(self, registry: Registry, probe: Probe | None = None) -> Checkup:
        """`crnotify doctor` for one registry: identity, region, activation, the API actions crnotify
        needs, quotas; with `probe`, what the cloud does with a scratch rule (always cleaned up)."""
        ...


@runtime_checkable
class HealthReader(Protocol):
    """A provider that can read how its registries' rules delivered (`crnotify health`)."""

    def read_health(
        self, registry: Registry, rules: Sequence[Rule], *, since: float, until: float
    ) -> list[Reading]:
        """One `health.Reading` per rule of `registry`, for events between `since` and `until`."""
        ...


@runtime_checkable
class HistoryReader(Protocol):
    """A provider that can read back the events its registries had (`crnotify replay --since`)."""

    def read_history(self, registry: Registry, *, since: float, until: float) -> list[dict[str, Any]] | None:
        """The events as CloudEvents, oldest first; None when the cloud keeps no such record."""
        ...


@runtime_checkable
class RepositoryLister(Protocol):
    """A provider that can list a registry's repositories (`NS/REPO`), for the reach of a plan."""

    def list_repositories(self, registry: Registry) -> list[str] | None:
        """`NS/REPO` of every repository of the registry; None when its cloud cannot list them."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Connection:
    """How a session reaches the clouds: the embedded local cloud, an emulator endpoint, or real."""

    local: bool = False
    endpoint: str | None = None
    env: Mapping[str, str] | None = None  # None: the process environment
    concurrency: int = 8


class Connect(Protocol):
    """`providers/<cloud>/connect.py: connect` — the provider for these registries, or None when
    the cloud cannot be reached this way (the registries are then skipped, and said so)."""

    def __call__(
        self, registries: Sequence[Registry], how: Connection, stack: ExitStack
    ) -> Provider | None: ...


# --- the rules half ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class RegistryTarget:
    """What a declared registry points at, for "declared twice" checks: `key` is unique per target."""

    key: tuple[str, ...]
    where: str  # "ACR instance cri-…", for messages


@dataclass(frozen=True, slots=True, kw_only=True)
class Imported:
    """One live rule as YAML. `adoption` is the bus rule `import --adopt` writes to take it over."""

    name: str
    document: dict[str, object] | None  # the rule's YAML mapping; None when it cannot be imported
    env: tuple[tuple[str, str], ...] = ()  # (variable, what to put in it)
    notes: tuple[str, ...] = ()
    owned: bool = False
    adoption: BusRule | None = None  # secrets included: never rendered


class Cloud(Protocol):
    """One cloud's rules. Implemented once per cloud, in `providers/<cloud>/cloud.py`."""

    kind: ProviderKind
    label: str  # "Alibaba Cloud", for messages
    has_traces: bool  # EventBridge keeps event traces that `crnotify trace` can read
    health_window_seconds: float  # how far back `crnotify health` can read deliveries
    tag_filter_readable: bool  # whether an imported live rule shows its tag filter (ACR's is write-only)

    # validation (asked by `crnotify.config`)
    def check_registry(self, rep: Reporter, item: Item) -> RegistryTarget | None: ...

    def known_regions(self) -> frozenset[str]:
        """Every region id of this cloud (`providers/<cloud>/limits.py: REGIONS`)."""
        ...

    def rule_name_problem(self, name: str) -> str | None:
        """Why a rule name is not allowed on this cloud's bus, or None."""
        ...

    def bus_key(self, registry: Registry) -> tuple[str, ...]:
        """Rules with the same name and bus key write the same bus rule."""
        ...

    def check_rule_set(self, rep: Reporter, entries: Sequence[tuple[Item, Registry]]) -> None:
        """Checks across the config's rules of this cloud (quotas)."""
        ...

    def template_variables(self, event_type: EventType) -> tuple[tuple[str, str], ...] | None:
        """The variables every message template of this event type has; None: no such event here."""
        ...

    def default_message(self, event_type: EventType) -> MessageTemplate | None:
        """The markdown message (title, `### title` first line) a rule without `bus.template` sends
        to a chat robot; chat channels reshape it. None: no such event here."""
        ...

    def check_rule(
        self, rep: Reporter, item: Item, event_type: EventType, method: NotifyMethod, *, tags_ok: bool
    ) -> None: ...

    def check_built(self, rep: Reporter, item: Item, rule: Rule, registry: Registry, *, clean: bool) -> None:
        """Checks that need the built rule; `clean`: the rule had no other error."""
        ...

    # planning (plan and drift read the same assessment)
    def assess(self, registry: Registry, rule: Rule | None, live: LiveRule | None) -> Assessment: ...

    def check_quota(
        self, registries: Sequence[Registry], changes: Sequence[Change], usage: RegionRules
    ) -> tuple[PlanError, ...]:
        """Errors for a plan whose `changes` to these registries (of one region) would exceed the
        region's limits, given what already holds them (`usage`, other teams' rules included)."""
        ...

    def digest_items(self, registry: Registry, rule: Rule) -> list[str]:
        """What a saved plan's desired digest covers for one rule; ValueError if it cannot be planned."""
        ...

    # import
    def import_rule(self, registry: Registry, live: LiveRule) -> Imported: ...

    # offline rules (`crnotify test`); `resolved` False: secrets stay as written (`${env:…}`)
    def offline_bus_rule(self, registry: Registry, rule: Rule, *, resolved: bool) -> BusRule:
        """The bus rule apply leaves for `rule`; ValueError when it cannot be built."""
        ...

    def offline_tag_filter(self, rule: Rule) -> str | None:
        """A tag regex the cloud applies outside the bus pattern (ACR's), or None."""
        ...

    def offline_delivery(
        self, rule: Rule, target: Target, event: Mapping[str, Any], *, resolved: bool
    ) -> Delivery:
        """What `target` sends for `event` (TransformError when it cannot be rendered)."""
        ...
