"""Execute a plan through a provider, in a safe order, and report exactly what happened. No printing.

Order: rules are handled one at a time, deletions first (they free the per-region quota of 10 event
rules), then updates, then creations. Within a rule, the registry write comes before the bus write
that re-applies the customisations (DESIGN.md §2); if a step fails, the rest of that rule's steps
are skipped and the other rules go on. Nothing is retried here: the provider already retried what
could pass (throttling, 5xx, dropped connections) and made every write safe to repeat, so a failed
step means the call kept failing. A rerun converges: a rule left half
written (registry saved, bus not yet re-applied) shows up in the next plan as "registry side saved
outside crnotify" and is finished.

After the steps, the live state is read again and planned again: an empty plan is the proof.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from enum import StrEnum

from crnotify.errors import ApplyError, CrnotifyError, ProviderError
from crnotify.model import Config, LiveState
from crnotify.planner import (
    Action,
    Change,
    CreateRegistryRule,
    DeleteRule,
    Plan,
    PutBusRule,
    UpdateRegistryRule,
)
from crnotify.planner import (
    plan as make_plan,
)
from crnotify.providers.base import Provider


class StepStatus(StrEnum):
    APPLIED = "applied"
    FAILED = "failed"
    SKIPPED = "skipped"  # not attempted: an earlier step of the same rule failed


@dataclass(frozen=True, slots=True, kw_only=True)
class StepResult:
    change: Change
    status: StepStatus
    error: str | None = None


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


def read_live(config: Config, provider: Provider, *, skip: Collection[str] = ()) -> LiveState:
    """The live state of every registry the config declares (but those in `skip`), with declared
    names looked up."""
    registries = tuple(r for r in config.registries if r.name not in skip)
    names = {r.name: tuple(rule.name for rule in config.rules_of(r.name)) for r in registries}
    return provider.read(registries, names=names)


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


_ORDER = {Action.DELETE: 0, Action.UPDATE: 1, Action.CREATE: 2}


def ordered(plan: Plan) -> list[list[Change]]:
    """The plan's changes grouped by rule (registry step, then bus step), deletions first."""
    groups: dict[tuple[str, str], list[Change]] = {}
    for change in plan.changes:
        groups.setdefault((change.registry, change.rule), []).append(change)
    for group in groups.values():
        group.sort(key=lambda c: c.action is Action.REAPPLY_BUS)
    return sorted(groups.values(), key=lambda g: (_ORDER.get(g[0].action, 1), g[0].registry, g[0].rule))


def apply(
    plan: Plan,
    provider: Provider,
    config: Config,
    *,
    overwrite_bus_edits: bool = False,
    on_step: Callable[[StepResult], None] | None = None,
    skip: Collection[str] = (),
    guard: Callable[[], None] | None = None,
) -> ApplyResult:
    """Apply `plan` (made from `config`, `skip`ping those registries); `on_step` hears of each step
    as it finishes. `guard` is called before each step (the apply lock's expiry check): if it
    raises, that step and every later one are skipped, with its message."""
    if plan.errors:
        names = ", ".join(f"{e.registry}/{e.rule}" for e in plan.errors)
        raise ApplyError(f"the plan has errors ({names}); nothing was applied")
    if not overwrite_bus_edits:
        refuse_discards(plan)
    results: list[StepResult] = []
    stopped: str | None = None
    for group in ordered(plan):
        failed = False
        for change in group:
            if guard is not None and stopped is None:
                try:
                    guard()
                except CrnotifyError as exc:
                    stopped = str(exc)
            if stopped is not None:
                result = StepResult(change=change, status=StepStatus.SKIPPED, error=stopped)
            elif failed:
                result = StepResult(change=change, status=StepStatus.SKIPPED)
            else:
                try:
                    _execute(change, plan, provider)
                    result = StepResult(change=change, status=StepStatus.APPLIED)
                except ProviderError as exc:
                    failed = True
                    result = StepResult(change=change, status=StepStatus.FAILED, error=str(exc))
            results.append(result)
            if on_step is not None:
                on_step(result)
    try:
        verification = make_plan(config, read_live(config, provider, skip=skip), skip=skip)
    except ProviderError as exc:
        return ApplyResult(steps=tuple(results), verification_error=str(exc))
    return ApplyResult(steps=tuple(results), verification=verification)


def _execute(change: Change, plan: Plan, provider: Provider) -> None:
    registry = plan.registry(change.registry)
    operation = change.operation
    if isinstance(operation, CreateRegistryRule):
        provider.create_registry_rule(registry, operation.spec)
    elif isinstance(operation, UpdateRegistryRule):
        provider.update_registry_rule(registry, operation.rule_id, operation.spec)
    elif isinstance(operation, PutBusRule):
        live = operation.live
        if operation.after_registry_write:  # the cloud just regenerated it: converge from what is there
            live = provider.read_bus_rule(registry, operation.desired.name)
        provider.put_bus_rule(registry, operation.desired, live)
    elif isinstance(operation, DeleteRule):
        if operation.rule_id is not None:
            provider.delete_registry_rule(registry, operation.rule_id)
        if operation.bus_name is not None:
            provider.delete_bus_rule(registry, operation.bus_name)
    else:  # a Change without an operation comes only from a plan file, which is never executed
        raise ApplyError(f"{change.registry}/{change.rule}: nothing to execute for {change.action}")
