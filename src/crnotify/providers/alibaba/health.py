"""How Alibaba Cloud rules delivered, from the cloud's own records, through the official SDKs (and the
instance's repositories, for the reach of a plan).

Per declared rule (its ACR rule, by name, from ListEventCenterRuleName):

1. the events in its scope: ListEventCenterRecord with its `RuleId`, newest first, paged until a
   record is older than the window — ACR records each event its rule's settings cover
   (https://www.alibabacloud.com/help/en/acr/developer-reference/api-cr-2018-12-01-listeventcenterrecord);
2. for each event, QueryEventTraces on `default`
   (https://www.alibabacloud.com/help/en/eventbridge/developer-reference/api-eventbridge-2020-04-01-queryeventtraces):
   a `FilterEvent` step naming the rule's bus rule (the ACR rule's name) is a match; its `PushEvent`
   steps are the deliveries, every retry included, and `NotifyStatus` is the target's answer.
   An event with no trace left (EventBridge keeps them 3 days, `limits.TRACE_RETENTION_SECONDS`) is
   not counted: nothing can be said of it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from crnotify.health import Push, Reading
from crnotify.model import Registry, Rule
from crnotify.providers.alibaba import _sdk, cr
from crnotify.providers.alibaba.errors import call, checked
from crnotify.providers.alibaba.eventbridge import ContextFor, query_event_traces
from crnotify.redact import mask_query_secrets

SOURCE = "ACR event records + EventBridge traces"
PAGE_SIZE = 100
MAX_EVENTS = 2_000  # per rule and run: the traces are one call per event
_PUSHED = ("success", "200", "[200]")


def delivered(status: str) -> bool:
    """Whether a push's `NotifyStatus` says the target accepted it (`Success`, `200`, `[200]Ok`)."""
    text = status.strip().lower()
    return text.startswith(_PUSHED) or (len(text) == 3 and text.startswith("2") and text.isdigit())


def records(
    clients: _sdk.Clients, instance_id: str, rule_id: str, since_ms: int, context: ContextFor
) -> list[dict[str, Any]]:
    """The rule's event-center records since `since_ms`, newest first, at most MAX_EVENTS."""
    ctx = context("cr:ListEventCenterRecord", f"instance {instance_id} rule {rule_id}")
    found: list[dict[str, Any]] = []
    page = 1
    while len(found) < MAX_EVENTS:
        request = _sdk.cr_models.ListEventCenterRecordRequest(
            instance_id=instance_id, rule_id=rule_id or None, page_no=page, page_size=PAGE_SIZE
        )

        def once(request: Any = request) -> dict[str, Any]:
            response = clients.cr.list_event_center_record_with_options(request, _sdk.runtime())
            return checked(response.body.to_map() if response.body is not None else {}, ctx)

        body = call(ctx, once, clients.retry)
        items = [r for r in body.get("Records") or [] if isinstance(r, Mapping)]
        fresh = [dict(r) for r in items if int(r.get("CreateTime") or 0) >= since_ms]
        found += fresh
        if len(fresh) < len(items) or page * PAGE_SIZE >= int(body.get("TotalCount") or 0) or not items:
            break
        page += 1
    return found[:MAX_EVENTS]


def repositories(clients: _sdk.Clients, instance_id: str, context: ContextFor) -> list[str]:
    """`NS/REPO` of the instance's repositories: ListRepository, 100 a page
    (https://www.alibabacloud.com/help/en/acr/developer-reference/api-cr-2018-12-01-listrepository)."""
    ctx = context("cr:ListRepository", f"instance {instance_id}")
    names: list[str] = []
    page = 1
    while True:
        request = _sdk.cr_models.ListRepositoryRequest(
            instance_id=instance_id, page_no=page, page_size=PAGE_SIZE
        )

        def once(request: Any = request) -> dict[str, Any]:
            response = clients.cr.list_repository_with_options(request, _sdk.runtime())
            return checked(response.body.to_map() if response.body is not None else {}, ctx)

        body = call(ctx, once, clients.retry)
        items = [r for r in body.get("Repositories") or [] if isinstance(r, Mapping)]
        names += [f"{r.get('RepoNamespaceName', '')}/{r.get('RepoName', '')}" for r in items]
        if not items or page * PAGE_SIZE >= int(body.get("TotalCount") or 0):
            return sorted(set(names))
        page += 1


def history(
    clients: _sdk.Clients, registry: Registry, instance_id: str, window: tuple[int, int], context: ContextFor
) -> list[dict[str, Any]]:
    """The events ACR's records of the instance name, once each, oldest first, as CloudEvents with the
    fields a record keeps (type, namespace, repository, tag, time; not the status)."""
    since_ms, until_ms = window
    seen: dict[str, dict[str, Any]] = {}
    for record in reversed(records(clients, instance_id, "", since_ms, context)):
        event_id = str(record.get("EventNotifyId") or record.get("RecordId") or "")
        at = int(record.get("CreateTime") or 0)
        if event_id in seen or at > until_ms:
            continue
        seen[event_id] = {
            "id": event_id,
            "source": "acs.cr",
            "type": str(record.get("EventType", "")),
            "time": datetime.fromtimestamp(at / 1000, UTC).isoformat(timespec="milliseconds"),
            "data": {
                "RegionId": registry.region,
                "InstanceId": instance_id,
                "RepoNamespaceName": str(record.get("Namespace", "")),
                "RepoName": str(record.get("RepoName", "")),
                "Tag": str(record.get("Tag", "")),
            },
        }
    return list(seen.values())


def read_rule(  # noqa: PLR0917 (the clients, what to read, the window, the context)
    clients: _sdk.Clients,
    registry: Registry,
    rule: Rule,
    rule_id: str | None,
    window: tuple[int, int],
    context: ContextFor,
) -> Reading:
    since_ms, _ = window
    if rule_id is None:
        return Reading(
            registry=registry.name, rule=rule.name, source=SOURCE, in_scope=None, matched=None,
            note="no ACR event rule of this name on the instance: not applied",
        )  # fmt: skip
    assert registry.instance_id is not None
    seen = records(clients, registry.instance_id, rule_id, since_ms, context)  # newer than `until`: kept
    event_ids = list(dict.fromkeys(str(r.get("EventNotifyId", "")) for r in seen if r.get("EventNotifyId")))
    matched = in_scope = 0
    pushes: list[Push] = []
    for event_id in event_ids:
        steps = query_event_traces(clients, event_id, context)
        if not steps:
            continue
        in_scope += 1
        mine = [s for s in steps if s.get("RuleName") == rule.name]
        if any(s.get("Action") == "FilterEvent" for s in mine):
            matched += 1
        attempts = [s for s in mine if s.get("Action") == "PushEvent"]
        if attempts:
            last = attempts[-1]
            ok = any(delivered(str(s.get("NotifyStatus", ""))) for s in attempts)
            answer = "" if ok else mask_query_secrets(_answer(str(last.get("NotifyStatus", ""))))
            pushes.append(Push(event_id, int(last.get("ActionTime") or 0), ok, answer, len(attempts)))
    return Reading(
        registry=registry.name,
        rule=rule.name,
        source=SOURCE,
        in_scope=in_scope,
        matched=matched,
        pushes=tuple(pushes),
    )


def _answer(status: str) -> str:
    """The target's answer in a failed push's `NotifyStatus` (`Failed: HTTP 500` → `HTTP 500`)."""
    head, sep, rest = status.partition(": ")
    return rest if sep and head.lower() == "failed" else status or "failed"


def read_health(
    clients: _sdk.Clients,
    registry: Registry,
    rules: Sequence[Rule],
    window: tuple[int, int],
    context: ContextFor,
) -> list[Reading]:
    """One reading per rule of `registry` (an ACR instance) for records within `window` (ms)."""
    assert registry.instance_id is not None
    ids = {name: rule_id for rule_id, name in cr.list_rule_names(clients, registry.instance_id, context)}
    return [read_rule(clients, registry, rule, ids.get(rule.name), window, context) for rule in rules]


__all__ = ["SOURCE", "delivered", "history", "read_health", "records", "repositories"]
