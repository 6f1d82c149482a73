"""The apply lock: one `crnotify apply` at a time per registry, across machines (CI runners included).

A local lock file would only stop two applies on one machine, so the lock lives in the cloud itself,
as a *lease*: a small object of the registry's own cloud account that can be created only if absent.
The provider is the `LeaseStore` (Alibaba: a disabled EventBridge rule without targets on the
`default` bus, CreateRule failing with EventRuleAlreadyExisted when the name is taken; see
docs/plan-apply.md "Concurrency" for the quota cost and the AWS analogue).

Leases are numbered: `crnotify-lock-<scope>-<generation>`, and the lock is the lease of the highest
generation. Its description says who holds it, since when, until when, or that it was released:

    crnotify apply lock; state=held; holder=alice@ci-7; host=ci-7; pid=4242; token=9f2c…; since=…Z; until=…Z

The holder is a stable id (`default_holder`): CRNOTIFY_LOCK_HOLDER, else the CI job, else user@host.
To take the lock, read the highest lease g. If it is held and not expired, stop: someone else has it
— unless it is held under our own holder id by a process no longer running on this machine (an apply
of ours whose release failed, or the same CI job run again): that one we take over at once.
Otherwise (released, expired, or none) create generation g+1. Creation is the compare-and-swap: of
all the processes that saw g, exactly one creates g+1. Then list again: a lease above ours means we
raced a slower reader and lost (we remove ours). Finally remove the leases below ours. Releasing
marks the lease released instead of deleting it, so that generations only grow: a process that read
an old state can never re-create a number someone has since passed. A crashed apply's lease simply
expires (`ttl`); the next apply takes over with no manual step, and an apply checks before each
write that its own lease has not expired (`ApplyLock.check`). Every registry's lease is tried before
giving up, so one refusal names every lease in the way; `unlock` (`crnotify unlock`) releases one
early, given its holder id.

What this needs from the cloud is create-if-absent and a listing that shows completed creates;
holders' clocks must agree to well within the ttl (15 minutes by default).
"""

from __future__ import annotations

import getpass
import logging
import os
import re
import shlex
import socket
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
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
    host: str = ""  # where the process that took it ran, and its pid: whether it still runs
    pid: int | None = None
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
    pid = "" if lease.pid is None else str(lease.pid)
    return (
        f"crnotify apply lock; state={lease.state}; holder={lease.holder}; host={lease.host}; pid={pid}; "
        f"token={lease.token}; since={since}; until={until}"
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
        host=fields.get("host", "").strip(),
        pid=int(pid) if (pid := fields.get("pid", "").strip()).isdigit() else None,
        token=fields.get("token", "").strip(),
        since=_parse_time(fields.get("since", "").strip()),
        until=_parse_time(fields.get("until", "").strip()),
    )


def lease_name(scope: str, generation: int) -> str:
    return f"{PREFIX}{scope}-{generation:06d}"


def clean_holder(text: str) -> str:
    """A holder id as a lease stores it: `;` and `=` would break the description, and AWS tag values
    allow only letters, digits, spaces and `_ . : / = + - @`."""
    return re.sub(r"[^\w@.:/ -]", "_", text.strip())[:100]


def default_holder(env: Mapping[str, str] | None = None) -> str:
    """Who is applying, as an id that stays the same when the same one applies again, so that it can
    take back a lease it failed to release: CRNOTIFY_LOCK_HOLDER if set; else the CI job (GitHub
    Actions: repository, run and job, the same on a re-run; GitLab CI: project, pipeline and job
    name); else user@host."""
    env = os.environ if env is None else env
    if env.get("CRNOTIFY_LOCK_HOLDER", "").strip():
        return clean_holder(env["CRNOTIFY_LOCK_HOLDER"])
    if env.get("GITHUB_RUN_ID"):
        repository, job = env.get("GITHUB_REPOSITORY", ""), env.get("GITHUB_JOB", "")
        return clean_holder(f"github {repository} run {env['GITHUB_RUN_ID']} job {job}")
    if env.get("GITLAB_CI") and env.get("CI_PIPELINE_ID"):
        project, job = env.get("CI_PROJECT_PATH", ""), env.get("CI_JOB_NAME", "")
        return clean_holder(f"gitlab {project} pipeline {env['CI_PIPELINE_ID']} job {job}")
    try:
        user = getpass.getuser()
    except (OSError, KeyError):
        user = "unknown"
    return clean_holder(f"{user}@{socket.gethostname()}")


def _running_here(lease: Lease) -> bool:
    """Whether the process that took `lease` is another process still running on this machine."""
    if lease.pid is None or lease.host != socket.gethostname() or lease.pid == os.getpid():
        return False
    try:
        os.kill(lease.pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except OSError:  # it exists, under another user (PermissionError), or the answer is unclear
        return True
    return True


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class _Held:
    registry: Registry
    scope: str
    lease: Lease


class _Blocked(ConcurrentApplyError):
    """One registry's lease is held by someone else (`lease` None: others keep taking it)."""

    def __init__(self, registry: Registry, lease: Lease | None, where: str) -> None:
        super().__init__(f"registry {registry.name}: {blocked_line(lease, where)}")
        self.registry, self.lease = registry, lease


def blocked_line(lease: Lease | None, where: str) -> str:
    if lease is None:
        return "other applies keep taking its lock"
    if lease.state == "unknown":
        return f"its lock is held by an object crnotify did not write ({where})"
    since = _timestamp(lease.since) if lease.since else "an unknown time"
    until = _timestamp(lease.until) if lease.until else "an unknown time"
    return f"lease {lease.name} held by {lease.holder or 'unknown'} since {since}, until {until} ({where})"


def _refusal(blocked: Sequence[_Blocked]) -> ConcurrentApplyError:
    """One error naming every lease in the way, with the way to clear each."""
    head = (
        f"another crnotify apply holds the lock of registry {blocked[0].registry.name}; retry later"
        if len(blocked) == 1
        else f"other crnotify applies hold the locks of {len(blocked)} registries; retry later"
    )
    by_holder: dict[str, list[str]] = {}
    by_hand = []
    for item in blocked:
        if item.lease is not None and item.lease.state == "unknown":
            by_hand.append(item.lease.name)
        elif item.lease is not None:
            by_holder.setdefault(item.lease.holder, []).append(item.lease.name)
    hints = [f"`{unlock_command(names, holder)}`" for holder, names in by_holder.items()]
    hint = "a killed apply's lock expires at the time shown, and the next apply takes it over"
    if hints:
        hint += "; to clear it now, when no apply is running: " + " and ".join(hints)
    if by_hand:
        hint += f"; delete {', '.join(by_hand)} by hand if no crnotify apply is running"
    return ConcurrentApplyError(head + ":\n" + "\n".join(f"  {item.message}" for item in blocked), hint=hint)


def unlock_command(names: Sequence[str], holder: str) -> str:
    return shlex.join(["crnotify", "unlock", *names, "--holder", holder])


class ApplyLock:
    """`with ApplyLock(store, registries): …` holds the lock of every registry's scope, or raises
    `ConcurrentApplyError` naming every lease in the way. Released on exit, whatever happened inside."""

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
        self._holder = clean_holder(holder) if holder else default_holder()
        self._token = uuid.uuid4().hex[:16]
        self._ttl = ttl
        self._now = now
        self._held: list[_Held] = []

    def __enter__(self) -> ApplyLock:
        tried: list[Registry] = []
        blocked: list[_Blocked] = []
        try:
            for registry in self._registries:  # every one, so that the refusal names all in the way
                tried.append(registry)
                try:
                    self._held.append(self._acquire(registry))
                except _Blocked as exc:
                    blocked.append(exc)
            if blocked:
                raise _refusal(blocked)
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
            host=socket.gethostname(),
            pid=os.getpid(),
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
            if top is not None and top.active(now) and top.token != self._token and not self._ours(top):
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
        raise _Blocked(registry, None, "")

    def _ours(self, lease: Lease) -> bool:
        """Held under our holder id by a process that is not running here: ours to take back."""
        return lease.state == "held" and lease.holder == self._holder and not _running_here(lease)

    def _held_by(self, registry: Registry, lease: Lease) -> _Blocked:
        return _Blocked(registry, lease, self._store.lease_location(registry, lease.name))

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


# --- breaking a lease early (`crnotify unlock`) ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Found:
    registry: Registry
    lease: Lease
    where: str


def find_leases(
    store: LeaseStore, registries: Sequence[Registry], names: Sequence[str], holder: str
) -> list[Found]:
    """The named leases, each held by `holder` (the id a refusal printed), among the scopes of
    `registries`; raises naming every lease that is not (unknown, another holder's, not crnotify's),
    so that one mistake releases nothing. A lease already released is left out."""
    groups: dict[tuple[str, str], Registry] = {}
    for registry in registries:
        groups.setdefault((registry.region, store.lease_scope(registry)), registry)
    wanted = clean_holder(holder)
    found: list[Found] = []
    problems: list[str] = []
    for name in dict.fromkeys(names):
        match = _NAME.fullmatch(name.removeprefix(PREFIX))
        if not name.startswith(PREFIX) or match is None:
            problems.append(f"{name}: not the name of a crnotify lock lease ({PREFIX}<scope>-<generation>)")
            continue
        hits = [
            (registry, lease)
            for (_, scope), registry in sorted(groups.items())
            if scope == match["scope"]
            for lease in (parse(r, scope) for r in store.list_leases(registry, f"{PREFIX}{scope}-"))
            if lease is not None and lease.name == name
        ]
        if not hits:
            scopes = ", ".join(sorted({scope for _, scope in groups})) or "none"
            problems.append(
                f"{name}: no such lease in the registries of this configuration (scopes {scopes})"
            )
        for registry, lease in hits:
            where = store.lease_location(registry, name)
            if lease.state == "unknown":
                problems.append(f"{name}: crnotify did not write it; if no apply is running, delete {where}")
            elif lease.state == "held" and lease.holder != wanted:
                problems.append(f"{name}: held by {lease.holder or 'unknown'}, not by {wanted}")
            elif lease.state == "held":
                found.append(Found(registry, lease, where))
    if problems:
        raise ConcurrentApplyError(
            "refusing to unlock; nothing was changed:\n" + "\n".join(f"  {p}" for p in problems),
            hint="give the lease names and the holder id exactly as the refusing apply printed them",
        )
    return found


def release_leases(store: LeaseStore, found: Sequence[Found], now: Callable[[], datetime] = _utcnow) -> None:
    """Mark the leases released, as their holder would have: the next apply takes the next generation."""
    for item in found:
        released = replace(item.lease, state="released", until=now())
        store.update_lease(item.registry, item.lease.name, describe(released))
        log.info("released the apply lock %s of %s", item.lease.name, item.lease.holder)


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
