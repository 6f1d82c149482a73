"""The probe of `crnotify doctor --probe NAMESPACE` (`doctor.py` has the rest): a scratch rule that
settles what only the cloud's own behaviour shows (issue 14 rows 1, 2, 5, 7, 9, 13 and the delete),
always cleaned up.

Steps, each named by the emulator variant it settles:

1. `create-call`: CreateEventCenterRule as a signed RPC — answered (`rpc`), unknown to the gateway
   (`absent`) or denied by RAM (`forbidden`). Without it, the person is told to create the rule in the
   console, and the probe waits (bounded) until ListEventCenterRuleName shows it.
2. `generated-description`, `generated-shape`: the bus rule ACR generated, against the two shapes
   the emulator knows (`convention`); `empty-params`: whether GetRule answers unset param values
   and templates as "" or leaves them out.
3. `update-status`: DisableRule, then UpdateRule without Status: still disabled (`keep`) or enabled.
4. `regeneration`: a registry save (UpdateEventCenterRule, no change), then GetRule until the
   regenerated rule shows: at the first read (`sync`) or after MS milliseconds (`async:MS`).
5. `lock-rule-targets`: CreateRule without targets (the lock's leases): accepted or refused.
6. `delete-removes-bus`: DeleteEventCenterRule, then whether the generated bus rule went with it.

`notify-status` needs a real push through the rule, which the probe never makes: not settled.
"""

from __future__ import annotations

import contextlib
import math
import secrets
import time
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from crnotify.errors import NotFound, PermissionDenied, ProviderError
from crnotify.model import BusRule, EventType, NotifyMethod, Scope, ScopeKind
from crnotify.providers import retry
from crnotify.providers.alibaba import _sdk, cr, eventbridge
from crnotify.providers.alibaba.convention import (
    ALTERNATE_DESCRIPTION,
    ALTERNATE_RETRY_STRATEGY,
    ALTERNATE_TARGET_ID,
    BUS_NAME,
    DEFAULT_DESCRIPTION,
    RETRY_STRATEGY,
    TARGET_ID,
    RegistrySpec,
    generated_for,
)
from crnotify.providers.alibaba.errors import succeeded
from crnotify.providers.base import Observation, Probe

if TYPE_CHECKING:
    from crnotify.providers.alibaba.doctor import Run

SCRATCH_PREFIX = "crnotify-doctor-"
SCRATCH_URL = "https://doctor.crnotify.invalid/"  # RFC 2606: never resolves, nothing is delivered
SENTINEL = "crnotify doctor: waiting for the regeneration"
LOCK_PATTERN = '{"source":["crnotify.doctor"]}'
GENERATION_DEADLINE_S = 60.0  # as apply waits (`regeneration.DEADLINE_S`)
_UNKNOWN_ACTION = ("InvalidAction", "InvalidApi", "UnsupportedOperation")


def scratch_spec(name: str, namespace: str) -> RegistrySpec:
    return RegistrySpec(
        rule_name=name,
        event_type=EventType.acr_rule_types()[0],
        scope=Scope(kind=ScopeKind.NAMESPACE, namespaces=(namespace,)),
        tag_pattern=".*",
        method=NotifyMethod.HTTPS,
        url=SCRATCH_URL,
    )


def scratch_name() -> str:
    """A fresh name: two probes at once never share a rule."""
    return SCRATCH_PREFIX + secrets.token_hex(4)


class _Scratch:
    """What the probe made, so that `finally` removes exactly that."""

    def __init__(self, name: str) -> None:
        self.name, self.lock = name, f"{name}-lock"
        self.rule_id: str | None = None
        self.bus_rules: set[str] = set()


def probe(run: Run, request: Probe) -> list[Observation]:
    scratch = _Scratch(scratch_name())
    spec = scratch_spec(scratch.name, request.namespace)
    run.notes.append(f"scratch rule {scratch.name} in namespace {request.namespace} of {run.instance}")
    found: list[Observation] = []
    try:
        found.append(_create(run, request, spec, scratch))
        found += _generated(run, spec, scratch)
        found.append(_update_status(run, scratch))
        found.append(_regeneration(run, spec, scratch))
        found.append(_lock_targets(run, scratch))
        found.append(_delete(run, scratch, found))
    finally:
        _clean_up(run, scratch)
    found.append(
        Observation(
            variant="notify-status",
            assumption='a delivered push traces NotifyStatus "success"',
            observed=None,
            evidence="needs a real push through a rule: push an image, then send `crnotify trace EVENT_ID "
            "--format json`",
        )
    )
    return found


def _create(run: Run, request: Probe, spec: RegistrySpec, scratch: _Scratch) -> Observation:
    started = time.monotonic()
    try:
        scratch.rule_id = run.attempt(
            "cr:CreateEventCenterRule", lambda: cr.create(run.clients, run.instance, spec, run.context)
        )
        scratch.bus_rules.add(scratch.name)
        return Observation(
            variant="create-call",
            assumption="CreateEventCenterRule is callable as a signed RPC",
            observed="rpc",
            evidence=f"answered with a RuleId in {_ms(started)} ms",
        )
    except PermissionDenied as exc:
        observed, evidence = "forbidden", f"denied ({exc.code})"
    except ProviderError as exc:
        if not (exc.code or "").startswith(_UNKNOWN_ACTION) and "404" not in str(exc.code):
            raise
        observed, evidence = "absent", f"unknown to the gateway ({exc.code})"
        # Not a problem: crnotify then says to create rules in the console and adopt them.
        run.answered("cr:CreateEventCenterRule", "absent", evidence + ": create in the console, then adopt")
    request.tell(
        f"CreateEventCenterRule is {'denied' if observed == 'forbidden' else 'not available'}: create the "
        f"rule {spec.rule_name} in the console now (instance {run.instance}, event {spec.event_type.value}, "
        f"namespace {request.namespace}, tag filter .*, notify by HTTPS to {SCRATCH_URL}). "
        f"Waiting up to {request.wait_s:.0f} s for it; Ctrl-C stops and cleans up."
    )
    rule_id = retry.poll(
        lambda: _rule_id(run, spec.rule_name),
        lambda found: found is not None,
        deadline=request.wait_s,
        first=0.2,
        longest=2.0,
        sleep=run.clients.retry.sleep,
    )
    if rule_id is None:
        raise ProviderError(
            f"the rule {spec.rule_name} did not appear in {run.instance} within {request.wait_s:.0f} s",
            hint="create it in the console as described, or rerun without --probe",
        )
    scratch.rule_id = rule_id
    scratch.bus_rules.add(scratch.name)
    return Observation(
        variant="create-call",
        assumption="CreateEventCenterRule is callable as a signed RPC",
        observed=observed,
        evidence=evidence + "; the rule was created in the console",
    )


def _rule_id(run: Run, name: str) -> str | None:
    names = cr.list_rule_names(run.clients, run.instance, run.context)
    return next((rule_id for rule_id, found in names if found == name), None)


def _await_generated(run: Run, spec: RegistrySpec) -> tuple[BusRule | None, int, int]:
    """(the generated rule or None, ms until it showed, GetRule calls made)."""
    started, reads = time.monotonic(), 0

    def read() -> BusRule | None:
        nonlocal reads
        reads += 1
        return run.get_rule(spec.rule_name)

    rule = retry.poll(
        read,
        lambda rule: rule is not None and generated_for(rule, spec, run.instance),
        deadline=GENERATION_DEADLINE_S,
        first=0.05,
        longest=1.0,
        sleep=run.clients.retry.sleep,
    )
    return rule, _ms(started), reads


def _generated(run: Run, spec: RegistrySpec, scratch: _Scratch) -> list[Observation]:
    rule, elapsed, _ = _await_generated(run, spec)
    if rule is None:
        raise ProviderError(
            f"ACR generated no bus rule {spec.rule_name} within {GENERATION_DEADLINE_S:.0f} s"
        )
    run.notes.append(f"ACR's generated rule showed after {elapsed} ms")
    # Issue 14 row 3: whether scope and tag filtering are in the pattern. Nothing secret is in it.
    run.notes.append(f"generated pattern {_pattern_text(rule)}")
    names = {"rule": spec.rule_name, "instance": run.instance}
    description = {DEFAULT_DESCRIPTION.format(**names): "v1", ALTERNATE_DESCRIPTION.format(**names): "v2"}
    target = rule.targets[0] if len(rule.targets) == 1 else None
    shapes = {(TARGET_ID, RETRY_STRATEGY): "v1", (ALTERNATE_TARGET_ID, ALTERNATE_RETRY_STRATEGY): "v2"}
    shape = None if target is None else shapes.get((target.id, target.retry_strategy or ""))
    seen = "no single target" if target is None else f"target id {target.id!r}, retry {target.retry_strategy}"
    return [
        Observation(
            variant="generated-description",
            assumption=f"ACR describes its rule as {DEFAULT_DESCRIPTION!r}",
            observed=description.get(rule.description),
            evidence=f"generated description {rule.description!r}",
        ),
        Observation(
            variant="generated-shape",
            assumption=f"ACR's target has id {TARGET_ID!r} and retry {RETRY_STRATEGY}",
            observed=shape,
            evidence=f"generated {seen}",
        ),
        _empty_params(run, spec.rule_name),
    ]


def _empty_params(run: Run, name: str) -> Observation:
    request = _sdk.eventbridge_models.GetRuleRequest(event_bus_name=BUS_NAME, rule_name=name)
    body = run.raw(
        "eventbridge:GetRule", lambda: run.clients.eventbridge.get_rule_with_options(request, _sdk.runtime())
    )
    params = [p for t in (body.get("Data") or {}).get("Targets") or [] for p in t.get("ParamList") or []]
    unset = [(p, key) for p in params for key in ("Value", "Template") if not p.get(key)]
    empty = any(p.get(key) == "" for p, key in unset)
    observed = None if not unset else "empty" if empty else "absent"
    evidence = f"{len(unset)} unset param value(s)/template(s) in GetRule, " + (
        'answered as ""' if empty else "left out" if unset else "none to judge by"
    )
    return Observation(
        variant="empty-params",
        assumption="GetRule leaves an unset param value or template out",
        observed=observed,
        evidence=evidence,
    )


def _update_status(run: Run, scratch: _Scratch) -> Observation:
    m, name = _sdk.eventbridge_models, scratch.name
    live = run.get_rule(name)
    if live is None:
        raise ProviderError(f"the bus rule {name} vanished during the probe")
    run.raw(
        "eventbridge:DisableRule",
        lambda: run.clients.eventbridge.disable_rule_with_options(
            m.DisableRuleRequest(event_bus_name=BUS_NAME, rule_name=name), _sdk.runtime()
        ),
    )
    pattern = _pattern_text(live)
    update = m.UpdateRuleRequest(
        event_bus_name=BUS_NAME, rule_name=name, filter_pattern=pattern, description=SENTINEL
    )
    run.raw(
        "eventbridge:UpdateRule",
        lambda: run.clients.eventbridge.update_rule_with_options(update, _sdk.runtime()),
    )
    after = run.get_rule(name)
    observed = None if after is None else "reset" if after.enabled else "keep"
    return Observation(
        variant="update-status",
        assumption="UpdateRule without Status keeps the rule's state",
        observed=observed,
        evidence="a disabled rule after UpdateRule without Status is "
        + ("gone" if after is None else "enabled" if after.enabled else "still disabled"),
    )


def _pattern_text(rule: BusRule) -> str:
    import json  # noqa: PLC0415 (only the probe sends a pattern as text)

    return json.dumps(rule.pattern, separators=(",", ":"))


def _regeneration(run: Run, spec: RegistrySpec, scratch: _Scratch) -> Observation:
    assert scratch.rule_id is not None
    rule_id = scratch.rule_id
    run.attempt(
        "cr:UpdateEventCenterRule", lambda: cr.save(run.clients, run.instance, rule_id, {}, run.context)
    )
    rule, elapsed, reads = _await_generated(run, spec)
    if rule is None:
        observed, evidence = None, f"no regeneration within {GENERATION_DEADLINE_S:.0f} s of a save"
    elif reads == 1:
        observed, evidence = "sync", f"regenerated at the first GetRule after the save ({elapsed} ms)"
    else:
        # The emulator's value: how long after the save it showed, rounded up to 50 ms.
        observed = f"async:{min(999_999, 50 * math.ceil(elapsed / 50))}"
        evidence = f"regenerated {elapsed} ms after the save ({reads} GetRule calls)"
    return Observation(
        variant="regeneration",
        assumption="ACR regenerates the bus rule with the registry save",
        observed=observed,
        evidence=evidence,
    )


def _lock_targets(run: Run, scratch: _Scratch) -> Observation:
    m = _sdk.eventbridge_models
    request = m.CreateRuleRequest(
        event_bus_name=BUS_NAME,
        rule_name=scratch.lock,
        filter_pattern=LOCK_PATTERN,
        status="DISABLE",
        description="crnotify doctor: a rule without targets",
    )
    try:
        scratch.bus_rules.add(scratch.lock)
        run.raw(
            "eventbridge:CreateRule",
            lambda: run.clients.eventbridge.create_rule_with_options(request, _sdk.runtime()),
        )
        observed, evidence = "accepted", "CreateRule without targets was accepted"
        _taken_name(run, request)
    except ProviderError as exc:
        if exc.code != "MissingParameter" and "EventTargets" not in exc.message:
            raise
        observed, evidence = "required", f"CreateRule without targets was refused ({exc.code})"
        run.answered("eventbridge:CreateRule", "answered", "refused a rule without targets: an answer")
    return Observation(
        variant="lock-rule-targets",
        assumption="CreateRule accepts a rule without targets",
        observed=observed,
        evidence=evidence,
    )


def _taken_name(run: Run, request: Any) -> None:
    """Issue 14 row 10: the code a taken rule name answers (the lock's create-if-absent relies on
    `EventRuleAlreadyExisted`, which no public source documents)."""
    try:  # the raw answer is the observation: translated, its code would be one of crnotify's errors
        response = run.clients.eventbridge.create_rule_with_options(request, _sdk.runtime())
    except Exception as exc:
        run.notes.append(f"a taken rule name answers {getattr(exc, 'code', None) or type(exc).__name__}")
        return
    body = response.body.to_map() if response is not None and response.body is not None else {}
    if succeeded(body):
        run.notes.append("a taken rule name was accepted by CreateRule")
    else:
        run.notes.append(f"a taken rule name answers {body.get('Code')} (in an HTTP 200 body)")


def _delete(run: Run, scratch: _Scratch, found: list[Observation]) -> Observation:
    assert scratch.rule_id is not None
    rule_id = scratch.rule_id
    run.attempt(
        "cr:DeleteEventCenterRule", lambda: cr.delete(run.clients, run.instance, rule_id, run.context)
    )
    scratch.rule_id = None
    # A late deletion would land within the time the regeneration took: wait that long, 3 times over.
    late = next((o.observed for o in found if o.variant == "regeneration" and o.observed), "sync")
    wait_s = min(30.0, max(0.5, 3 * int(late.partition(":")[2] or 0) / 1000))
    gone = retry.poll(
        lambda: run.get_rule(scratch.name) is None,
        lambda gone: gone,
        deadline=wait_s,
        first=0.05,
        longest=1.0,
        sleep=run.clients.retry.sleep,
    )
    if gone:
        scratch.bus_rules.discard(scratch.name)
    return Observation(
        variant="delete-removes-bus",
        assumption="DeleteEventCenterRule deletes the generated bus rule too",
        observed="yes" if gone else "no",
        evidence="the generated bus rule "
        + ("went with it" if gone else f"was still there {wait_s:.1f} s later"),
    )


def _clean_up(run: Run, scratch: _Scratch) -> None:
    """Remove what the probe made, whatever happened; say what could not be removed."""
    left: list[str] = []
    rule_id = scratch.rule_id
    if rule_id is None:
        with contextlib.suppress(ProviderError):
            rule_id = _rule_id(run, scratch.name)  # made in the console after an interrupt, perhaps
    if rule_id is not None:
        if not _quietly(lambda: cr.delete(run.clients, run.instance, rule_id, run.context)):
            left.append(f"the ACR rule {scratch.name}")
        scratch.bus_rules.add(scratch.name)
    for name in sorted(scratch.bus_rules):
        if not _quietly(partial(eventbridge.delete_rule, run.clients, name, run.context)):
            left.append(f"the bus rule {name}")
    run.notes.append(
        "cleaned up: nothing of the probe is left"
        if not left
        else f"could not remove {', '.join(left)}: delete by hand"
    )


def _quietly(fn: Callable[[], Any]) -> bool:
    try:
        fn()
    except NotFound:
        return True
    except ProviderError:
        return False
    return True


def _ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
