"""Alibaba Cloud's limits and facts, defined once: read by validation, the planner and the emulator.

Sources: research/alibaba-facts.md §2.5 (EventBridge rule names), §6 (10 event rules per region, the
regions without ACR event notification, the generated rule of the same name on `default`); the region
ids: Alibaba Cloud's public region list, "Regions and zones"
(https://www.alibabacloud.com/help/en/ecs/product-overview/regions-and-zones) and the per-service
endpoint tables of its API references, including the Finance and Government clouds.
"""

from __future__ import annotations

import re

from crnotify.lock import PREFIX as LEASE_PREFIX

DOCS = "https://www.alibabacloud.com/help/en/acr/user-guide/create-an-event-notification"

RULES_PER_REGION = 10  # ACR event rules per region, whatever their instances (§6)
RULES_PER_BUS = 50  # EventBridge rules on one bus
TARGETS_PER_RULE = 5
NAME_MAX = 127  # EventBridge rule names: letters, digits and '-', starting with a letter or digit
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*")
RESERVED_PREFIX = "eventbridge-reserved-"
# How long a rule description may be is not documented (issue 14 row 13); crnotify's own records keep
# theirs at most this long, a length any description field of the console accepts.
DESCRIPTION_MAX = 256
# Names of crnotify's own bus rules on the default bus (the ownership records,
# `providers.alibaba.ownership`; the apply lock's leases, `crnotify.lock`, which defines its prefix):
# never a registry rule, so never counted against RULES_PER_REGION nor shown as a user's rule.
RECORD_PREFIX = "crnotify-owned-"
CRNOTIFY_PREFIXES = (LEASE_PREFIX, RECORD_PREFIX)
# EventBridge keeps events and their traces 3 days (QueryEventTraces, QueryTracedEventByEventId; §6):
# how far back `crnotify health` can read deliveries.
TRACE_RETENTION_SECONDS = 3 * 24 * 3600


def is_internal(name: str) -> bool:
    """Whether a bus rule is one crnotify keeps for itself (a record or a lease), not a user's rule:
    import, drift and quota counts leave it out."""
    return name.startswith(CRNOTIFY_PREFIXES)


# Regions where ACR event notifications are not offered, with the names the docs give them.
UNAVAILABLE_REGIONS = {
    "cn-hangzhou-finance": "China East 1 Finance",
    "cn-shanghai-finance-1": "China East 2 Finance",
    "cn-shenzhen-finance-1": "China South 1 Finance",
    "cn-shenzhen-finance": "China South 1 Finance",
    "cn-north-2-gov-1": "China North 2 Ali Gov 1",
    "eu-west-1": "UK (London)",
}

# Every region id Alibaba Cloud lists, public and industry clouds, for "unknown region" checks (a typo
# such as `cn-hangzou` would otherwise validate and only fail at the first API call — or, under
# `--local`, not at all). The unavailable regions above are in it: they exist, ACR events do not.
REGIONS = frozenset({
    # China (public cloud)
    "cn-qingdao", "cn-beijing", "cn-zhangjiakou", "cn-huhehaote", "cn-wulanchabu", "cn-hangzhou",
    "cn-shanghai", "cn-nanjing", "cn-fuzhou", "cn-wuhan-lr", "cn-shenzhen", "cn-heyuan", "cn-guangzhou",
    "cn-chengdu", "cn-hongkong",
    # Asia Pacific
    "ap-northeast-1", "ap-northeast-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
    "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ap-southeast-8", "ap-south-1",
    # Europe, the Americas, the Middle East
    "us-east-1", "us-west-1", "us-southeast-1", "na-south-1", "eu-central-1", "eu-west-1",
    "me-east-1", "me-central-1",
    # Finance and Government clouds
    "cn-hangzhou-finance", "cn-shanghai-finance-1", "cn-shenzhen-finance-1", "cn-shenzhen-finance",
    "cn-beijing-finance-1", "cn-north-2-gov-1",
})  # fmt: skip


def rule_name_problem(name: str) -> str | None:
    """Why EventBridge refuses `name`, or None."""
    if len(name) > NAME_MAX:
        return f"is {len(name)} characters long; EventBridge allows {NAME_MAX}"
    if not NAME.fullmatch(name):
        return "may contain only letters, digits and '-' on Alibaba Cloud EventBridge"
    if name.lower().startswith(RESERVED_PREFIX):
        return f"starts with '{RESERVED_PREFIX}', which EventBridge reserves"
    return None


def declared_name_problem(name: str) -> str | None:
    """Why a declared rule cannot have `name`: EventBridge's rules, and crnotify's own prefixes."""
    if is_internal(name):
        prefix = next(p for p in CRNOTIFY_PREFIXES if name.startswith(p))
        return f"starts with '{prefix}', which crnotify keeps for its own bus rules"
    return rule_name_problem(name)
