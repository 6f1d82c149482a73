"""AWS's limits and facts, defined once (research/aws-facts.md §2: Amazon EventBridge rule names).

The region codes: AWS's public list, "AWS Regions"
(https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html), the commercial,
China and GovCloud (US) partitions — the ones Amazon EventBridge and ECR serve customers in; a test
checks it against the EventBridge regions of the installed botocore's endpoint data.
"""

from __future__ import annotations

import re

NAME_MAX = 64
# "Rules per event bus": 300 by default, adjustable (Amazon EventBridge quotas,
# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html). An account whose quota was
# raised gets a plan error it can override only by raising this number: better than a half-done apply.
RULES_PER_BUS = 300
# CloudWatch keeps 1-minute datapoints 15 days ("Metrics retention", CloudWatch concepts,
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html):
# how far back `crnotify health` can read a rule's AWS/Events metrics at that resolution.
METRIC_RETENTION_SECONDS = 15 * 24 * 3600
NAME = re.compile(r"[.\-_A-Za-z0-9]+")

# Every region code, for "unknown region" checks: a typo would otherwise validate and fail only at the
# first call (or at `sts:GetCallerIdentity`, with a message about endpoints, not about the YAML).
REGIONS = frozenset({
    # North America
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "ca-west-1", "mx-central-1",
    # South America, Africa, the Middle East
    "sa-east-1", "af-south-1", "me-south-1", "me-central-1", "il-central-1",
    # Asia Pacific
    "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1",
    "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
    "ap-southeast-5", "ap-southeast-6", "ap-southeast-7",
    # Europe
    "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2",
    "eu-west-3",
    # China, GovCloud (US)
    "cn-north-1", "cn-northwest-1", "us-gov-east-1", "us-gov-west-1",
})  # fmt: skip


def rule_name_problem(name: str) -> str | None:
    """Why Amazon EventBridge refuses `name`, or None."""
    if len(name) > NAME_MAX:
        return f"is {len(name)} characters long; Amazon EventBridge allows {NAME_MAX}"
    if not NAME.fullmatch(name):
        return "may contain only letters, digits, '.', '-' and '_' on Amazon EventBridge"
    return None


# Rules per event bus: Amazon EventBridge's default quota, adjustable in Service Quotas
# (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html).
RULES_PER_BUS = 300
