"""`crnotify doctor` for an AWS registry: who the credentials are (sts:GetCallerIdentity), whether the
region is one AWS lists, whether EventBridge answers on the default bus, which read actions crnotify
needs are answered or denied (by their IAM action), and the bus's rule quota. No probe: the emulator
variants `--probe` settles concern Alibaba Cloud only."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from crnotify.errors import NotFound, PermissionDenied, ProviderError
from crnotify.model import Registry
from crnotify.providers.aws import limits, mapping
from crnotify.providers.base import Check, Checkup, Probe

if TYPE_CHECKING:
    from crnotify.providers.aws.provider import AwsProvider

ABSENT_RULE = "crnotify-doctor-absent"
# The IAM actions crnotify's writes need (providers/aws/provider.py), which doctor does not exercise.
WRITES = (
    "events:PutRule",
    "events:PutTargets",
    "events:RemoveTargets",
    "events:DeleteRule",
    "events:TagResource",
    "events:UntagResource",
)


def checkup(provider: AwsProvider, registry: Registry, probe: Probe | None = None) -> Checkup:
    region, checks = registry.region, []
    events = provider.client(region)

    def attempt(action: str, fn: Callable[[], Any]) -> Any:
        try:
            value = fn()
        except NotFound:
            checks.append(
                Check(topic="action", name=action, status="answered", detail="not found: an answer")
            )
            return None
        except PermissionDenied:
            checks.append(
                Check(topic="action", name=action, status="denied", detail=f"grant the IAM action `{action}`")
            )
            return None
        except ProviderError as exc:
            checks.append(Check(topic="action", name=action, status="failed", detail=exc.message))
            return None
        checks.append(Check(topic="action", name=action, status="answered"))
        return value

    who = attempt(
        "sts:GetCallerIdentity", lambda: provider.call(provider.client(region, "sts"), "get_caller_identity")
    )
    account = str(who["Account"]) if who else None
    identity = str(who.get("Arn") or "unknown") if who else "unknown"
    known = region in limits.REGIONS
    checks.insert(
        0,
        Check(
            topic="region",
            name=region,
            status="ok" if known else "unavailable",
            detail="an AWS region" if known else "not a region AWS lists",
        ),
    )
    bus = attempt(
        "events:DescribeEventBus", lambda: provider.call(events, "describe_event_bus", Name=mapping.BUS_NAME)
    )
    checks.append(
        Check(
            topic="eventbridge",
            name="activated",
            status="ok" if bus else "failed",
            detail="the default bus answers" if bus else "DescribeEventBus of the default bus failed",
        )
    )
    rules = attempt(
        "events:ListRules",
        lambda: provider.call(events, "list_rules", EventBusName=mapping.BUS_NAME, Limit=100),
    )
    attempt("events:DescribeRule", lambda: provider.call(events, "describe_rule", Name=ABSENT_RULE))
    attempt(
        "events:ListTargetsByRule", lambda: provider.call(events, "list_targets_by_rule", Rule=ABSENT_RULE)
    )
    if rules is not None:
        used, most = len(rules.get("Rules") or []), limits.RULES_PER_BUS
        more = " (first page)" if rules.get("NextToken") else ""
        checks.append(
            Check(
                topic="quota",
                name=f"rules on the {mapping.BUS_NAME} bus",
                status="ok" if used < most else "full",
                detail=f"{used}{more} used, {max(0, most - used)} left of {most} (the default quota)",
            )
        )
    checks += [
        Check(topic="action", name=a, status="skipped", detail="a write: doctor does not make it")
        for a in WRITES
    ]
    notes = ("no probe on AWS: the emulator variants concern Alibaba Cloud",) if probe is not None else ()
    return Checkup(
        registry=registry.name,
        cloud=registry.provider.value,
        region=region,
        account=account,
        identity=identity,
        checks=tuple(checks),
        probe=notes,
    )
