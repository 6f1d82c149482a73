"""Execute a plan through a provider, in a safe order, and report exactly what happened. No printing.

Order: deletions first (they free the per-region quota of 10 event rules), then updates, then
creations; each phase ends before the next begins. Within a phase, different rules are independent —
each is its own registry rule and its own bus rule — so their steps run concurrently, at most
`concurrency` calls at once (`crnotify.fanout`). Within a rule, the registry write comes before the
bus write that re-applies the customisations (DESIGN.md §2): the bus step is started only once the
registry step has succeeded; if a step fails, the rest of that rule's steps are skipped and the other
rules go on. Nothing is retried here: the provider already retried what could pass (throttling, 5xx,
dropped connections) and made every write safe to repeat, so a failed step means the call kept
failing. A rerun converges: a rule left half written (registry saved, bus not yet re-applied) shows
up in the next plan as "registry side saved outside crnotify" and is finished.

Between the plan's read and a write, someone may edit the rule (in the console, with the SDK): a
registry write regenerates the bus rule from the registry's defaults and a bus write replaces it, so
the edit would be lost without a word. So, given the `live` state the plan was made from, each
registry write and each bus write that replaces a live bus rule first re-reads that rule's bus side
(`Provider.read_bus_rule`) and compares it with what the plan read, by the digest saved plans keep
(`planfile.bus_stamp`). A rule that changed is refused — not written, named with what changed in the
saved-plan check's words — and the other rules go on; the next plan shows the edit. What is left is
the moment between that read and the write itself, which neither cloud lets a client close (no
conditional writes).

After the steps, the live state is read again and planned again: an empty plan is the proof.

The history (`ApplyResult.steps`, each with its `sequence` number, and `on_step`) is in plan order
(`ordered`): phases one after the other, and within a phase rule by rule, each rule's registry step
before its bus step. Steps of one phase run concurrently, but they are independent (each its own
rule), so any order of them is a true account of what happened; plan order is the one that makes the
same plan give the same log on every run, so a CI log reads — and diffs — as a history. A step is
reported as soon as it and every step before it in that order have ended (a reorder buffer), so a
line waits at most for the slowest earlier step of its own phase, never for a later phase.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import partial

from crnotify import planfile
from crnotify.errors import ApplyError, CrnotifyError, ProviderError
from crnotify.fanout import DEFAULT_CONCURRENCY, Fanout
from crnotify.model import Config, LiveState
from crnotify.planner import Action, Change, DeleteRule, Plan, PutBusRule, RegistryWrite
from crnotify.planner import (
    plan as make_plan,
)
from crnotify.planner.scope import EVERYTHING, Scope
from crnotify.providers.base import Provider, RegistrySide


class StepStatus(StrEnum):
    APPLIED = "applied"
    FAILED = "failed"
    SKIPPED = "skipped"  # not attempted: an earlier step of the same rule failed
    REFUSED = "refused"  # not attempted: the rule changed in the cloud since the plan read it


@dataclass(frozen=True, slots=True, kw_only=True)
class StepResult:
    change: Change
    status: StepStatus
    error: str | None = None
    sequence: int = 0  # its place in the apply's history, from 1 (0: not yet placed)
    # A failure a rerun can get past (throttling, 5xx, a dropped connection: `ProviderError.retryable`);
    # False for one that recurs until its cause is fixed (a quota, permissions, a refused parameter).
    transient: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ApplyResult:
    steps: tuple[StepResult, ...]
    verification: Plan | None = None  # the plan made from a fresh read after applying
    verification_error: str | None = None

    @property
    def failed(self) -> tuple[StepResult, ...]:
        return tuple(step for step in self.steps if step.status is not StepStatus.APPLIED)

    @property
    def converged(self) -> bool:
        return (
            not self.failed
            and self.verification is not None
            and self.verification.is_empty
            and not self.verification.errors
        )


def read_live(
    config: Config, provider: Provider, *, skip: Collection[str] = (), scope: Scope = EVERYTHING
) -> LiveState:
    """The live state of every registry the config declares (but those in `skip`), with declared
    names looked up; of a scoped run, only the rules in its `scope` (`planner.scope`)."""
    registries = tuple(r for r in config.registries if r.name not in skip)
    names = {
        r.name: tuple(
            name
            for rule in config.rules_of(r.name)
            for name in (rule.name, rule.renamed_from)
            if name is not None  # a rename's old name is looked up too
        )
        for r in registries
    }
    return scope.narrow_live(provider.read(registries, names=names))


def refuse_discards(plan: Plan) -> None:
    """Raise unless no change of the plan discards bus edits made outside crnotify."""
    if not plan.discards:
        return
    lines = [
        f"  {change.registry}/{change.rule}: {', '.join(field.path for field in change.discards)}"
        for change in plan.discards
    ]
    raise ApplyError(
        "refusing to discard bus-rule edits made outside crnotify:\n" + "\n".join(lines),
        hint="declare them under `bus:` in the YAML (`crnotify import --registry NAME` prints them), "
        "or pass --overwrite-bus-edits to discard them",
    )


_ORDER = {Action.DELETE: 0, Action.UPDATE: 1, Action.CREATE: 2, Action.RENAME: 2}


def ordered(plan: Plan) -> list[list[Change]]:
    """The plan's changes grouped by rule (registry step, then bus step), deletions first. A rename's
    steps are one group under the new name, the deletion of the old name last (`planner.rename`): it
    starts only once the new rule exists, so one of the two is there at every moment."""
    groups: dict[tuple[str, str], list[Change]] = {}
    for change in plan.changes:
        groups.setdefault(change.group, []).append(change)
    for group in groups.values():
        group.sort(key=lambda c: (c.renamed_to is not None, c.action is Action.REAPPLY_BUS))
    return sorted(groups.values(), key=lambda g: (_ORDER.get(g[0].action, 1), g[0].registry, g[0].rule))


def apply(
    plan: Plan,
    provider: Provider,
    config: Config,
    *,
    overwrite_bus_edits: bool = False,
    on_step: Callable[[StepResult], None] | None = None,
    skip: Collection[str] = (),
    concurrency: int = DEFAULT_CONCURRENCY,
    guard: Callable[[], None] | None = None,
    live: LiveState | None = None,
    scope: Scope = EVERYTHING,
) -> ApplyResult:
    """Apply `plan` (made from `config`, `skip`ping those registries); `on_step` hears of each step,
    numbered, in history order (the module docstring) as soon as it and the steps before it ended (on
    this thread). `guard` is called before each step (the apply lock's expiry
    check): if it raises, the step is skipped with its message. `scope`: the scoped run's, so that
    the verifying plan reads what the plan read. `live` is the state `plan` was made
    from: a write whose rule changed since then is refused (see the module docstring); None skips
    that check (for callers that just read and planned in the same breath).

    `steps` of the result are in `ordered(plan)` order, whatever order the concurrent steps ended in,
    numbered from 1: every step of the plan, attempted or not.
    """
    if plan.errors:
        names = ", ".join(f"{e.registry}/{e.rule}" for e in plan.errors)
        raise ApplyError(f"the plan has errors ({names}); nothing was applied")
    if not overwrite_bus_edits:
        refuse_discards(plan)
    groups = ordered(plan)
    keys = [(index, step) for index, group in enumerate(groups) for step in range(len(group))]
    results: dict[tuple[int, int], StepResult] = {}
    history: list[StepResult] = []

    def record(index: int, step: int, result: StepResult) -> None:
        results[index, step] = result
        while len(history) < len(keys) and keys[len(history)] in results:  # the next in order ended
            placed = replace(results[keys[len(history)]], sequence=len(history) + 1)
            history.append(placed)
            if on_step is not None:
                on_step(placed)

    def attempt(index: int, step: int, fan: Fanout) -> None:
        fan.submit(
            partial(_attempt, groups[index][step], plan, provider, guard, live),
            then=partial(finished, index, step, fan),
        )

    def finished(index: int, step: int, fan: Fanout, result: StepResult) -> None:
        record(index, step, result)
        later = range(step + 1, len(groups[index]))
        if result.status is StepStatus.APPLIED and later:
            attempt(index, step + 1, fan)  # the bus step only after the registry step succeeded
            return
        change = groups[index][step]
        why = f"not attempted: the step before it ({change.action.value}) {result.status.value}"
        for skipped in later:
            skip_it = StepResult(change=groups[index][skipped], status=StepStatus.SKIPPED, error=why)
            record(index, skipped, skip_it)

    for phase in sorted({_phase(group) for group in groups}):
        fan = Fanout(concurrency)
        for index, group in enumerate(groups):
            if _phase(group) == phase:
                attempt(index, 0, fan)
        fan.run()
    steps = tuple(history)
    try:
        verification = make_plan(config, read_live(config, provider, skip=skip, scope=scope), skip=skip)
    except ProviderError as exc:
        return ApplyResult(steps=steps, verification_error=str(exc))
    return ApplyResult(steps=steps, verification=verification)


def _phase(group: list[Change]) -> int:
    return _ORDER.get(group[0].action, 1)


def _attempt(
    change: Change,
    plan: Plan,
    provider: Provider,
    guard: Callable[[], None] | None = None,
    live: LiveState | None = None,
) -> StepResult:
    if guard is not None:
        try:
            guard()
        except CrnotifyError as exc:
            return StepResult(change=change, status=StepStatus.SKIPPED, error=str(exc))
    try:
        changed = None if live is None else changed_since(change, plan, provider, live)
        if changed is not None:
            return StepResult(
                change=change,
                status=StepStatus.REFUSED,
                error=f"changed since the plan was made: {changed}; not written, so that change is kept",
            )
        _execute(change, plan, provider)
    except ProviderError as exc:
        return StepResult(change=change, status=StepStatus.FAILED, error=str(exc), transient=exc.retryable)
    return StepResult(change=change, status=StepStatus.APPLIED)


def changed_since(change: Change, plan: Plan, provider: Provider, live: LiveState) -> str | None:
    """What changed in the bus side of `change`'s rule since `live` was read, in the saved-plan
    check's words (`planfile.what_changed`); None if nothing did or the step overwrites nothing."""
    operation = change.operation
    name = change.rule
    if isinstance(operation, PutBusRule):
        if operation.live is None or operation.after_registry_write:
            return None  # a create, or the rule our own registry write (checked itself) just regenerated
        name = operation.desired.name
    elif isinstance(operation, DeleteRule):
        name = operation.bus_name or name
    elif not isinstance(operation, RegistryWrite):
        return None
    before = planfile.stamp(live.get(change.registry, change.rule))
    fresh = planfile.bus_stamp(provider.read_bus_rule(plan.registry(change.registry), name))
    if (before.bus if before else None) == fresh:
        return None
    after = planfile.Stamp(rule_id=before.rule_id if before else None, bus=fresh)
    return planfile.what_changed(before, after)


def _execute(change: Change, plan: Plan, provider: Provider) -> None:
    registry = plan.registry(change.registry)
    operation = change.operation
    if isinstance(operation, RegistryWrite):
        _registry_side(provider, change, plan).save_registry_rule(registry, operation)
    elif isinstance(operation, PutBusRule):
        live = operation.live
        if operation.after_registry_write:  # the cloud just regenerated it: converge from what is there
            live = provider.read_bus_rule(registry, operation.desired.name)
        provider.put_bus_rule(registry, operation.desired, live)
    elif isinstance(operation, DeleteRule):
        if operation.rule_id is not None:
            _registry_side(provider, change, plan).delete_registry_rule(registry, operation.rule_id)
        if operation.bus_name is not None:
            provider.delete_bus_rule(registry, operation.bus_name)
    else:  # a Change without an operation comes only from a plan file, which is never executed
        raise ApplyError(f"{change.registry}/{change.rule}: nothing to execute for {change.action}")


def _registry_side(provider: Provider, change: Change, plan: Plan) -> RegistrySide:
    side = provider.registry_side(plan.registry(change.registry))
    if side is None:  # only a cloud with a registry side plans registry writes
        raise ApplyError(f"{change.registry}/{change.rule}: this registry's cloud has no registry-side rules")
    return side
