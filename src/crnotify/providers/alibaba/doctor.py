"""`crnotify doctor` for an Alibaba Cloud registry: who the credentials are, whether the region offers
ACR event notifications and EventBridge answers, which API actions crnotify needs are answered or
denied (by their RAM action), the quotas used and left — and with a probe, what the cloud really does
with a scratch rule (issue 14 item 6; docs/real-cloud.md says what each observation settles).

The probe, in a namespace the person names: create a scratch ACR rule (or, when CreateEventCenterRule
is absent or denied, ask the person to create it in the console and wait for it), read what ACR
generated and how fast, then try each unsettled behaviour on it — a DisableRule and an UpdateRule
without Status, a registry save timed until the regeneration shows, a lock-style CreateRule without
targets, the delete — and clean up everything it made, also when interrupted (`finally`; the command
turns SIGTERM into an interrupt). The scratch rule notifies an HTTPS URL under `.invalid` (RFC 2606):
nothing is ever delivered anywhere.

Each observation is named by the emulator variant it settles, with that variant's value, so that
`crnotify emulator serve --profile REPORT` can behave as observed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from crnotify.errors import NotActivated, NotFound, PermissionDenied, ProviderError
from crnotify.model import BusRule, Registry
from crnotify.providers.alibaba import _sdk, cr, doctor_probe, eventbridge, limits
from crnotify.providers.alibaba.convention import BUS_NAME
from crnotify.providers.alibaba.errors import call, checked, succeeded
from crnotify.providers.base import Check, Checkup, Observation, Probe

if TYPE_CHECKING:
    from crnotify.providers.alibaba.provider import AlibabaProvider

T = TypeVar("T")

ABSENT_RULE = "crnotify-doctor-absent"  # a rule no one makes: GetRule's error form
# Every RAM action crnotify's commands call (providers/alibaba/cr.py, eventbridge.py).
READS = (
    "cr:ListEventCenterRuleName",
    "eventbridge:ListEventBuses",
    "eventbridge:ListRules",
    "eventbridge:GetRule",
    "eventbridge:QueryEventTraces",
)
WRITES = (
    "cr:CreateEventCenterRule",
    "cr:UpdateEventCenterRule",
    "cr:DeleteEventCenterRule",
    "eventbridge:CreateRule",
    "eventbridge:UpdateRule",
    "eventbridge:DisableRule",
    "eventbridge:EnableRule",
    "eventbridge:PutTargets",
    "eventbridge:DeleteTargets",
    "eventbridge:DeleteRule",
)


class Run:
    """One registry's checkup: its clients, and the answer each RAM action got."""

    def __init__(self, provider: AlibabaProvider, registry: Registry) -> None:
        self.provider, self.registry, self.region = provider, registry, registry.region
        self.clients = provider.clients_for(registry.region)
        self.context = provider.context_for(registry.region, registry.name)
        self.instance = registry.instance_id or ""
        self.actions: dict[str, Check] = {}
        self.notes: list[str] = []

    def record(self, action: str, status: str, detail: str = "") -> None:
        if self.actions.get(action, Check(topic="", name="", status="")).status not in ("denied", "failed"):
            self.actions[action] = Check(topic="action", name=action, status=status, detail=detail)

    def answered(self, action: str, status: str, detail: str) -> None:
        """The call failed, and that was the answer the probe looked for."""
        self.actions[action] = Check(topic="action", name=action, status=status, detail=detail)

    def attempt(self, action: str, fn: Callable[[], T]) -> T:
        """`fn()`, noting whether `action` was answered, denied or failed (and re-raising)."""
        try:
            value = fn()
        except NotFound:
            self.record(action, "answered", "not found: an answer")
            raise
        except PermissionDenied:
            self.record(action, "denied", f"grant the RAM action `{action}`")
            raise
        except ProviderError as exc:
            self.record(action, "failed", exc.message)
            raise
        self.record(action, "answered")
        return value

    def raw(self, action: str, fn: Callable[[], Any], *, check: bool = True) -> dict[str, Any]:
        """An SDK call's body as the cloud sent it, errors translated; `check` False: an error in an
        HTTP 200 body is returned, not raised."""
        ctx = self.context(action, f"bus {BUS_NAME}")

        def once() -> dict[str, Any]:
            response = fn()
            body = response.body.to_map() if response is not None and response.body is not None else {}
            return checked(body, ctx) if check else body

        return self.attempt(action, lambda: call(ctx, once, self.clients.retry))

    def get_rule(self, name: str) -> BusRule | None:
        return self.attempt(
            "eventbridge:GetRule", lambda: eventbridge.get_rule(self.clients, name, self.context)
        )


def checkup(provider: AlibabaProvider, registry: Registry, probe: Probe | None = None) -> Checkup:
    run = Run(provider, registry)
    checks: list[Check] = []
    account, identity = _identity(run, checks)
    checks.append(_region(registry.region))
    observations = _activation(run, checks)
    checks += _quotas(run)
    observations.append(_errors_form(run))
    if probe is not None:
        observations += doctor_probe.probe(run, probe)
    else:
        run.notes.append("no probe: pass --probe NAMESPACE to settle what only a scratch rule shows")
    for action in (*READS, *WRITES):
        if action not in run.actions:
            run.actions[action] = Check(
                topic="action", name=action, status="skipped", detail="exercised only by --probe"
            )
    return Checkup(
        registry=registry.name,
        cloud=registry.provider.value,
        region=registry.region,
        account=account,
        identity=identity,
        checks=(*checks, *(run.actions[a] for a in (*READS, *WRITES))),
        observations=tuple(observations),
        probe=tuple(run.notes),
    )


def _identity(run: Run, checks: list[Check]) -> tuple[str | None, str]:
    ctx = run.context("sts:GetCallerIdentity", "the credentials")
    connection = run.provider.connection_for(run.region)
    try:
        body = call(ctx, lambda: _sdk.caller_identity(connection), run.clients.retry)
    except ProviderError as exc:
        checks.append(
            Check(topic="identity", name="sts:GetCallerIdentity", status="failed", detail=exc.message)
        )
        return None, "unknown"
    identity = f"{body.get('IdentityType') or 'unknown'} {body.get('Arn') or ''}".strip()
    checks.append(Check(topic="identity", name="sts:GetCallerIdentity", status="ok", detail=identity))
    return str(body.get("AccountId") or "") or None, identity


def _region(region: str) -> Check:
    if region in limits.UNAVAILABLE_REGIONS:
        name = limits.UNAVAILABLE_REGIONS[region]
        detail = f"{name}: Container Registry offers no event notifications there ({limits.DOCS})"
        return Check(topic="region", name=region, status="unavailable", detail=detail)
    if region not in limits.REGIONS:
        return Check(topic="region", name=region, status="unavailable", detail="not an Alibaba Cloud region")
    return Check(topic="region", name=region, status="ok", detail="offers ACR event notifications")


def _activation(run: Run, checks: list[Check]) -> list[Observation]:
    """EventBridge answers ListEventBuses (it is activated); its `Code` settles success-code."""
    request = _sdk.eventbridge_models.ListEventBusesRequest(name_prefix=BUS_NAME, limit=10)
    try:
        body = run.raw(
            "eventbridge:ListEventBuses",
            lambda: run.clients.eventbridge.list_event_buses_with_options(request, _sdk.runtime()),
        )
    except NotActivated as exc:
        checks.append(Check(topic="eventbridge", name="activated", status="failed", detail=exc.message))
        return []
    except ProviderError as exc:
        checks.append(Check(topic="eventbridge", name="activated", status="failed", detail=exc.message))
        return []
    checks.append(Check(topic="eventbridge", name="activated", status="ok", detail="the default bus answers"))
    code = str(body.get("Code"))
    settled = code if code in ("Success", "200") else None
    return [
        Observation(
            variant="success-code",
            assumption='a successful EventBridge answer has Code "Success"',
            observed=settled,
            evidence=f"ListEventBuses answered Code {code!r}",
        )
    ]


def _quotas(run: Run) -> list[Check]:
    found: list[Check] = []
    try:
        names = run.attempt(
            "cr:ListEventCenterRuleName",
            lambda: cr.list_rule_names(run.clients, run.instance, run.context),
        )
        used, most = len(names), limits.RULES_PER_REGION
        found.append(
            Check(
                topic="quota",
                name=f"ACR event rules of {run.instance}",
                status="ok" if used < most else "full",
                detail=f"{used} used, {max(0, most - used)} left of {most} (the limit is per region, "
                "across instances)",
            )
        )
    except ProviderError:
        pass
    try:
        rules = run.attempt(
            "eventbridge:ListRules", lambda: list(eventbridge.list_rules(run.clients, run.context))
        )
        used, most = len(rules), limits.RULES_PER_BUS
        found.append(
            Check(
                topic="quota",
                name=f"rules on the {BUS_NAME} bus",
                status="ok" if used < most else "full",
                detail=f"{used} used, {max(0, most - used)} left of {most}",
            )
        )
    except ProviderError:
        pass
    with contextlib.suppress(ProviderError):
        run.attempt(
            "eventbridge:QueryEventTraces",
            lambda: eventbridge.query_event_traces(run.clients, "crnotify-doctor-none", run.context),
        )
    return found


def _errors_form(run: Run) -> Observation:
    """GetRule of a rule no one made: an HTTP 4xx, or HTTP 200 with the error in the body."""
    request = _sdk.eventbridge_models.GetRuleRequest(event_bus_name=BUS_NAME, rule_name=ABSENT_RULE)
    observed, evidence = None, "GetRule of a missing rule could not be made"
    try:
        body = run.raw(
            "eventbridge:GetRule",
            lambda: run.clients.eventbridge.get_rule_with_options(request, _sdk.runtime()),
            check=False,
        )
        if not succeeded(body):
            observed, evidence = "body", f"GetRule of a missing rule: HTTP 200 with Code {body.get('Code')!r}"
    except NotFound as exc:
        observed, evidence = "status", f"GetRule of a missing rule: an HTTP error ({exc.code})"
    except ProviderError:
        pass
    return Observation(
        variant="errors", assumption="service errors arrive as HTTP 4xx", observed=observed, evidence=evidence
    )


__all__ = ["Run", "checkup"]
