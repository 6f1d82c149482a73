"""The apply lock: one `crnotify apply` at a time per registry, across machines (CI runners included).

A local lock file would only stop two applies on one machine, so the lock lives in the cloud itself,
as a *lease*: a small object of the registry's own cloud account that can be created only if absent.
The provider is the `LeaseStore` (Alibaba: a disabled EventBridge rule without targets on the
`default` bus, CreateRule failing with EventRuleAlreadyExisted when the name is taken; see
docs/plan-apply.md "Concurrency" for the quota cost and the AWS analogue).

Leases are numbered: `crnotify-lock-<scope>-<generation>`, and the lock is the lease of the highest
generation. Its description says who holds it, since when, until when, or that it was released:

    crnotify apply lock; state=held; holder=alice@ci-7 pid 4242; token=9f2c…; since=…Z; until=…Z

To take the lock, read the highest lease g. If it is held and not expired, stop: someone else has it.
Otherwise (released, expired, or none) create generation g+1. Creation is the compare-and-swap: of
all the processes that saw g, exactly one creates g+1. Then list again: a lease above ours means we
raced a slower reader and lost (we remove ours). Finally remove the leases below ours. Releasing
marks the lease released instead of deleting it, so that generations only grow: a process that read
an old state can never re-create a number someone has since passed. A crashed apply's lease simply
expires (`ttl`); the next apply takes over with no manual step, and an apply checks before each
write that its own lease has not expired (`ApplyLock.check`).

What this needs from the cloud is create-if-absent and a listing that shows completed creates;
holders' clocks must agree to well within the ttl (15 minutes by default).
"""

from __future__ import annotations

import getpass
import logging
import os
import re
import socket
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Protocol, runtime_checkable

from crnotify.errors import AlreadyExists, ConcurrentApplyError, CrnotifyError
from crnotify.model import Registry

log = logging.getLogger(__name__)

PREFIX = "crnotify-lock-"
DEFAULT_TTL = timedelta(minutes=15)
SAFETY_MARGIN = timedelta(seconds=30)  # stop writing this long before our lease expires
_NAME = re.compile(r"(?P<scope>[a-z0-9][a-z0-9-]*)-(?P<generation>\d{6,})")
_FIELD = re.compile(r"(\w+)=([^;]*)")


@dataclass(frozen=True, slots=True)
class LeaseRecord:
    """A lease object as the store lists it."""

    name: str
    description: str


@runtime_checkable
class LeaseStore(Protocol):
    """What a provider offers to hold leases in the cloud, per registry."""

    def lease_scope(self, registry: Registry) -> str:
        """The cloud object the lock guards, as lowercase letters, digits and `-` (e.g. the
        instance id): registries that share it share one lock."""
        ...

    def list_leases(self, registry: Registry, prefix: str) -> list[LeaseRecord]: ...

    def create_lease(self, registry: Registry, name: str, description: str) -> None:
        """Create the lease, or raise `AlreadyExists` if the name is taken (by anyone, us included)."""
        ...

    def update_lease(self, registry: Registry, name: str, description: str) -> None: ...

    def delete_lease(self, registry: Registry, name: str) -> None:
        """Delete it; a lease already gone is not an error."""
        ...

    def lease_location(self, registry: Registry, name: str) -> str:
        """Where a person finds the lease (for the message telling them how to break it)."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Lease:
    name: str
    generation: int
    state: str  # "held" | "released" | "unknown" (a description crnotify did not write)
    holder: str = ""
    token: str = ""
    since: datetime | None = None
    until: datetime | None = None

    def active(self, now: datetime) -> bool:
        if self.state == "unknown":
            return True  # not ours to judge: someone must remove it by hand
        return self.state == "held" and self.until is not None and now < self.until


def _timestamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def describe(lease: Lease) -> str:
    since = _timestamp(lease.since) if lease.since else ""
    until = _timestamp(lease.until) if lease.until else ""
    return (
        f"crnotify apply lock; state={lease.state}; holder={lease.holder}; token={lease.token}; "
        f"since={since}; until={until}"
    )


def parse(record: LeaseRecord, scope: str) -> Lease | None:
    """The lease a record holds; None if the name is not one of `scope`'s leases."""
    match = _NAME.fullmatch(record.name.removeprefix(PREFIX))
    if not record.name.startswith(PREFIX) or match is None or match["scope"] != scope:
        return None
    fields = dict(_FIELD.findall(record.description))
    generation = int(match["generation"])
    if not record.description.startswith("crnotify apply lock;") or fields.get("state") not in {
        "held",
        "released",
    }:
        return Lease(name=record.name, generation=generation, state="unknown")
    return Lease(
        name=record.name,
        generation=generation,
        state=fields["state"],
        holder=fields.get("holder", "").strip(),
        token=fields.get("token", "").strip(),
        since=_parse_time(fields.get("since", "").strip()),
        until=_parse_time(fields.get("until", "").strip()),
    )


def lease_name(scope: str, generation: int) -> str:
    return f"{PREFIX}{scope}-{generation:06d}"


def default_holder() -> str:
    """Who is applying, for the message another apply shows: user@host, the pid, and the CI run."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError):
        user = "unknown"
    where = f"{user}@{socket.gethostname()} pid {os.getpid()}"
    if os.environ.get("GITHUB_RUN_ID"):
        where += f" run {os.environ['GITHUB_RUN_ID']}"
    return re.sub(r"[^\w@. -]", "_", where)[:100]  # keep `;` and `=` out of the description


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class _Held:
    registry: Registry
    scope: str
    lease: Lease


class ApplyLock:
    """`with ApplyLock(store, registries): …` holds the lock of every registry's scope, or raises
    `ConcurrentApplyError` naming the holder. Released on exit, whatever happened inside."""

    def __init__(
        self,
        store: LeaseStore,
        registries: Sequence[Registry],
        *,
        holder: str | None = None,
        ttl: timedelta = DEFAULT_TTL,
        now: Callable[[], datetime] = _utcnow,
    ) -> None:
        self._store = store
        scopes: dict[tuple[str, str], Registry] = {}
        for registry in registries:
            scopes.setdefault((registry.region, store.lease_scope(registry)), registry)
        self._registries = [scopes[key] for key in sorted(scopes)]
        self._holder = holder or default_holder()
        self._token = uuid.uuid4().hex[:16]
        self._ttl = ttl
        self._now = now
        self._held: list[_Held] = []

    def __enter__(self) -> ApplyLock:
        tried: list[Registry] = []
        try:
            for registry in self._registries:
                tried.append(registry)
                self._held.append(self._acquire(registry))
        except BaseException:
            self.release()
            for registry in tried:  # a create whose outcome we never heard may have made a lease
                self._release_strays(registry)
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()

    def check(self) -> None:
        """Raise if a lease we hold expires within the safety margin: another apply may take it."""
        now = self._now()
        for held in self._held:
            until = held.lease.until
            if until is not None and now >= until - SAFETY_MARGIN:
                raise ConcurrentApplyError(
                    f"the apply lock for registry {held.registry.name} expired at {_timestamp(until)}; "
                    "stopping before the next write, since another apply may now hold it",
                    hint="run apply again: it plans from what is live now",
                )

    # --- taking and releasing ---------------------------------------------------------------------

    def _mine(self, generation: int, scope: str, now: datetime) -> Lease:
        return Lease(
            name=lease_name(scope, generation),
            generation=generation,
            state="held",
            holder=self._holder,
            token=self._token,
            since=now,
            until=now + self._ttl,
        )

    def _leases(self, registry: Registry, scope: str) -> list[Lease]:
        records = self._store.list_leases(registry, f"{PREFIX}{scope}-")
        leases = (parse(record, scope) for record in records)
        return sorted((lease for lease in leases if lease is not None), key=lambda lease: lease.generation)

    def _acquire(self, registry: Registry, attempts: int = 3) -> _Held:
        scope = self._store.lease_scope(registry)
        for _ in range(attempts):
            leases = self._leases(registry, scope)
            top = leases[-1] if leases else None
            now = self._now()
            if top is not None and top.active(now) and top.token != self._token:
                raise self._held_by(registry, top)
            mine = self._mine((top.generation if top else 0) + 1, scope, now)
            try:
                self._store.create_lease(registry, mine.name, describe(mine))
            except AlreadyExists:
                # Taken by another apply that read the same state — or by our own create, repeated
                # after its response was lost: the token tells.
                ours = (lease.token == self._token for lease in self._leases(registry, scope))
                if not any(ours):
                    continue
            after = self._leases(registry, scope)
            if after and after[-1].generation > mine.generation:  # we read an old state: theirs wins
                self._store.delete_lease(registry, mine.name)
                continue
            for old in after[:-1]:
                try:
                    self._store.delete_lease(registry, old.name)
                except CrnotifyError as exc:  # a leftover costs one rule until the next apply
                    log.warning("could not remove the old lock lease %s: %s", old.name, exc)
            log.info("took the apply lock %s for registry %s", mine.name, registry.name)
            return _Held(registry=registry, scope=scope, lease=mine)
        leases = self._leases(registry, scope)
        if leases and leases[-1].active(self._now()):
            raise self._held_by(registry, leases[-1])
        raise ConcurrentApplyError(
            f"could not take the apply lock for registry {registry.name}: other applies keep taking it",
            hint="retry later",
        )

    def _held_by(self, registry: Registry, lease: Lease) -> ConcurrentApplyError:
        where = self._store.lease_location(registry, lease.name)
        if lease.state == "unknown":
            return ConcurrentApplyError(
                f"the apply lock for registry {registry.name} is held by an object crnotify did not "
                f"write ({where})",
                hint="if no crnotify apply is running, delete it and retry",
            )
        since = _timestamp(lease.since) if lease.since else "an unknown time"
        until = _timestamp(lease.until) if lease.until else "an unknown time"
        return ConcurrentApplyError(
            f"another crnotify apply holds the lock for registry {registry.name} since {since} "
            f"(holder {lease.holder or 'unknown'}); retry later",
            hint=f"if that apply was killed, its lock expires at {until} and the next apply takes it "
            f"over; to break it now, delete {where}",
        )

    def _release_strays(self, registry: Registry) -> None:
        try:
            scope = self._store.lease_scope(registry)
            for lease in self._leases(registry, scope):
                if lease.token == self._token and lease.state == "held":
                    released = replace(lease, state="released", until=self._now())
                    self._store.update_lease(registry, lease.name, describe(released))
        except CrnotifyError as exc:
            log.warning("could not check for a lock lease left by a failed create: %s", exc)

    def release(self) -> None:
        """Mark every lease we hold released (kept, so that generations only grow). Best effort: a
        lease we fail to release expires on its own."""
        while self._held:
            held = self._held.pop()
            released = replace(held.lease, state="released", until=self._now())
            try:
                self._store.update_lease(held.registry, held.lease.name, describe(released))
            except CrnotifyError as exc:
                until = _timestamp(held.lease.until) if held.lease.until else "its expiry"
                log.warning(
                    "could not release the apply lock %s (%s); it expires at %s", held.lease.name, exc, until
                )


def _nothing() -> None:
    return None


@contextmanager
def hold(
    provider: object, registries: Sequence[Registry], *, enabled: bool = True
) -> Iterator[Callable[[], None]]:
    """Hold the apply lock of `registries` through `provider` while the block runs; yields the check
    to call before each write. A provider that cannot hold leases, or `enabled=False` (`--no-lock`),
    runs unlocked, and says so."""
    if not enabled or not registries:
        yield _nothing
        return
    if not isinstance(provider, LeaseStore):
        log.warning("%s cannot hold an apply lock: applying without one", type(provider).__name__)
        yield _nothing
        return
    with ApplyLock(provider, registries) as lock:
        yield lock.check
