"""The apply lock's leases on AWS (`crnotify.lock.LeaseStore`): one custom event bus per lease.

On AWS, PutRule is an upsert, so a rule cannot be created "only if absent". CreateEventBus can: it
fails with ResourceAlreadyExistsException when the name is taken, which is the compare-and-swap the
lock needs. An empty custom bus receives nothing and costs nothing (EventBridge charges per event);
the quota is 100 buses per account and region (adjustable), of which the lock keeps one per account
and region (two for a moment while an apply takes over from the previous one). The lease's state
lives in the bus's tags, `crnotify:lock:<field>` (tag values may not hold the `;` of the Alibaba
description), and is turned into the lock's description form here.

IAM actions: events:CreateEventBus, events:ListEventBuses, events:ListTagsForResource,
events:TagResource, events:DeleteEventBus.
"""

from __future__ import annotations

import re
from typing import Any

from crnotify.errors import NotFound
from crnotify.lock import LeaseRecord
from crnotify.model import Registry

TAG = "crnotify:lock:"
_FIELDS = ("state", "holder", "host", "pid", "token", "since", "until")
_DESCRIPTION = re.compile(r"(\w+)=([^;]*)")


def scope(registry: Registry) -> str:
    """An ECR registry is an account's registry in a region: the lock guards the account's
    default bus there."""
    return re.sub(r"[^a-z0-9-]", "-", (registry.account or "ecr").lower())


def tags(description: str) -> list[dict[str, str]]:
    fields = dict(_DESCRIPTION.findall(description))
    return [{"Key": TAG + name, "Value": fields.get(name, "").strip()} for name in _FIELDS]


def description(tag_list: list[dict[str, str]]) -> str:
    found = {t["Key"].removeprefix(TAG): t["Value"] for t in tag_list if t["Key"].startswith(TAG)}
    if found.get("state") not in {"held", "released"}:
        return ""  # not a lease crnotify wrote
    return "crnotify apply lock; " + "; ".join(f"{name}={found.get(name, '')}" for name in _FIELDS)


def list_leases(provider: Any, client: Any, prefix: str) -> list[LeaseRecord]:
    records = []
    token = None
    while True:
        params: dict[str, Any] = {"NamePrefix": prefix, "Limit": 100}
        if token:
            params["NextToken"] = token
        page = provider._call(client, "list_event_buses", **params)
        for bus in page.get("EventBuses", []):
            if not str(bus.get("Name", "")).startswith(prefix):
                continue
            try:
                found = provider._call(client, "list_tags_for_resource", ResourceARN=bus["Arn"])
            except NotFound:  # removed between the listing and now
                continue
            records.append(LeaseRecord(str(bus["Name"]), description(found.get("Tags", []))))
        token = page.get("NextToken")
        if not token:
            return records


def arn(provider: Any, client: Any, name: str) -> str:
    return str(provider._call(client, "describe_event_bus", Name=name)["Arn"])
