"""How AWS rules delivered: each rule's `AWS/Events` metrics in CloudWatch, through boto3.

EventBridge publishes per rule (dimension `RuleName`) `TriggeredRules` (the rule matched an event),
`Invocations` (a target was invoked), `FailedInvocations` (an invocation failed for good) and
`ThrottledRules` ("Amazon EventBridge metrics",
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html). GetMetricStatistics with
the `Sum` of each over the window gives the counts; CloudWatch has no record of the events a rule did
not match, so an AWS rule is never called silent from metrics alone (`in_scope` unknown) — it is
failing when invocations failed or were throttled.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from crnotify.health import Reading
from crnotify.model import Registry, Rule

SOURCE = "CloudWatch AWS/Events metrics"
NAMESPACE = "AWS/Events"
METRICS = ("TriggeredRules", "Invocations", "FailedInvocations", "ThrottledRules")
Call = Callable[..., Any]  # AwsProvider._call bound to the region's CloudWatch client


def _sum(call: Call, rule: str, metric: str, since: float, until: float) -> int:
    period = max(60, int(until - since) // 60 * 60 or 60)  # one datapoint for the whole window
    answer = call(
        "get_metric_statistics",
        Namespace=NAMESPACE,
        MetricName=metric,
        Dimensions=[{"Name": "RuleName", "Value": rule}],
        StartTime=datetime.fromtimestamp(since, UTC),
        EndTime=datetime.fromtimestamp(until, UTC),
        Period=period,
        Statistics=["Sum"],
    )
    return int(sum(float(p.get("Sum", 0)) for p in answer.get("Datapoints") or []))


def read_health(
    call: Call, registry: Registry, rules: Sequence[Rule], *, since: float, until: float
) -> list[Reading]:
    readings = []
    for rule in rules:
        counts = {metric: _sum(call, rule.name, metric, since, until) for metric in METRICS}
        failed = counts["FailedInvocations"]
        throttled = counts["ThrottledRules"]
        answers = tuple(
            (text, n)
            for text, n in (
                (f"FailedInvocations: {failed} invocation(s) failed", failed),
                (f"ThrottledRules: {throttled} throttled", throttled),
            )
            if n
        )
        readings.append(
            Reading(
                registry=registry.name,
                rule=rule.name,
                source=SOURCE,
                in_scope=None,
                matched=counts["TriggeredRules"],
                delivered_count=max(0, counts["Invocations"] - failed),
                failed_count=failed + throttled,
                answers=answers,
            )
        )
    return readings
