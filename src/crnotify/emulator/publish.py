"""Container Registry emitting its artifact events, and the listing calls over what it has seen.

ACR publishes each artifact event (scan, build, sync, delivery chain, signing) to EventBridge's bus
`default` with `source: acs.cr`; every ACR event rule of the instance whose own settings cover the
event — its type, scope (instance, namespaces or repositories), tag regex and scan-status filter —
gets an event-center record (ListEventCenterRecord), whether or not its bus rule, perhaps edited on
the bus side, then matches and delivers. That is what lets `crnotify health` tell a silent rule: the
registry had events in the rule's scope and the bus delivered none of them.

Emulator-only choices (docs/emulator.md): a record's `EventNotifyId` is the event id (the notify
config's own id would be a secret); a push by a generated rule records the same event once, so events
put with PutEvents directly still appear. Namespaces, repositories and tags are created by the events
published (or by `--instances`), with ids derived from their names; ListNamespace, ListRepository and
ListRepoTag read them back with their documented paging (`PageNo`, `PageSize` ≤ 100).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from crnotify import tagregex
from crnotify.emulator import cloud_errors as errors
from crnotify.emulator.acr import new_id
from crnotify.emulator.traces import MAX_EVENTS_PER_CALL, TraceState
from crnotify.model import ScopeKind
from crnotify.providers.alibaba import convention

ACR_SOURCE = "acs.cr"
_STATUS_FIELDS = ("Status", "BuildStatus", "SyncStatus", "DeliveryChainStatus", "SigningStatus")


def covers(spec: convention.RegistrySpec, instance_id: str, event: Mapping[str, Any]) -> bool:
    """Whether an ACR rule's own settings cover `event` (the registry side, before any bus rule)."""
    data = event.get("data")
    if not isinstance(data, Mapping) or event.get("type") != spec.event_type.value:
        return False
    if data.get("InstanceId") != instance_id:
        return False
    scope = spec.scope
    if scope.kind is not ScopeKind.INSTANCE and data.get("RepoNamespaceName") not in scope.namespaces:
        return False
    if scope.kind is ScopeKind.REPO and data.get("RepoName") not in scope.repositories:
        return False
    if spec.scan_status and data.get("Status") not in {s.value for s in spec.scan_status}:
        return False
    try:
        return tagregex.matches(spec.tag_pattern or ".*", str(data.get("Tag", "")))
    except ValueError:
        return False  # validated on save; an unreadable regex covers nothing


def _short_id(prefix: str, *parts: str) -> str:
    return f"{prefix}-{hashlib.sha256('/'.join(parts).encode()).hexdigest()[:16]}"


class PublishState(TraceState):
    """ACR's events on the bus, their event-center records, and the artifacts they name."""

    def publish_acr_events(
        self, account: str, region: str, *, instance_id: str, events: Sequence[Mapping[str, Any]]
    ) -> list[dict[str, Any]]:
        """Record, then put on `default`, events ACR emits for `instance_id`; the accepted CloudEvents
        (for the delivery hook). An event that is not ACR's, or names another instance, is refused."""
        self._instances.check(region, instance_id)
        for index, event in enumerate(events, start=1):
            data = event.get("data")
            if event.get("source") != ACR_SOURCE or not isinstance(data, Mapping):
                raise errors.EVENT_INVALID.error(
                    f"event {index}: not a Container Registry event (source acs.cr)"
                )
            if data.get("InstanceId") != instance_id:
                raise errors.EVENT_INVALID.error(
                    f"event {index}: data.InstanceId {data.get('InstanceId')!r} is not {instance_id}"
                )
        accepted: list[dict[str, Any]] = []
        for start in range(0, len(events), MAX_EVENTS_PER_CALL):
            batch = list(events[start : start + MAX_EVENTS_PER_CALL])
            results, stored = self.put_events(account, region, bus=convention.BUS_NAME, events=batch)
            refused = next((r.error for r in results if r.error is not None), None)
            if refused is not None:
                raise refused
            with self._store.transaction() as db:
                for event in stored:
                    self._remember_artifact(db, account, region, instance_id, event)
                    self._record_covering_rules(db, account, region, instance_id, event)
            accepted += stored
        return accepted

    def add_repositories(
        self, account: str, region: str, *, instance_id: str, repositories: Sequence[str]
    ) -> None:
        """Repositories (`NS/REPO`) an instance holds before any event names them (`--instances`)."""
        with self._store.transaction() as db:
            for name in repositories:
                namespace, _, repo = name.partition("/")
                self._insert_repo(db, account, region, instance_id, namespace, repo, None)

    def _remember_artifact(
        self, db: sqlite3.Connection, account: str, region: str, instance_id: str, event: Mapping[str, Any]
    ) -> None:
        data = event["data"]
        namespace, repo = str(data.get("RepoNamespaceName", "")), str(data.get("RepoName", ""))
        if namespace and repo:
            self._insert_repo(db, account, region, instance_id, namespace, repo, str(data.get("Tag") or ""))

    def _insert_repo(  # noqa: PLR0917 (the transaction, where, then the artifact)
        self,
        db: sqlite3.Connection,
        account: str,
        region: str,
        instance_id: str,
        namespace: str,
        repo: str,
        tag: str | None,
    ) -> None:
        now = self._now_ms()
        db.execute(
            "INSERT OR IGNORE INTO acr_artifacts VALUES (?, ?, ?, ?, ?, ?, ?)",
            (account, region, instance_id, namespace, repo, "", now),
        )
        if tag:
            db.execute(
                "INSERT INTO acr_artifacts VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE "
                "SET updated_ms = excluded.updated_ms",
                (account, region, instance_id, namespace, repo, tag, now),
            )

    def _record_covering_rules(
        self, db: sqlite3.Connection, account: str, region: str, instance_id: str, event: Mapping[str, Any]
    ) -> None:
        rows = db.execute(
            "SELECT * FROM acr_rules WHERE account = ? AND region = ? AND instance_id = ?",
            (account, region, instance_id),
        ).fetchall()
        for row in rows:
            spec = convention.RegistrySpec.from_params(json.loads(row["params"]))
            if covers(spec, instance_id, event):
                self._insert_record(db, account, region, row, spec, event, self._now_ms())

    def list_namespace(
        self, account: str, region: str, *, instance_id: str, page_no: int, page_size: int
    ) -> tuple[list[dict[str, Any]], int]:
        rows = self._artifacts(
            account, region, instance_id, "SELECT DISTINCT namespace FROM acr_artifacts", "namespace"
        )
        shaped = [
            {
                "InstanceId": instance_id,
                "NamespaceId": _short_id("crn", instance_id, r["namespace"]),
                "NamespaceName": r["namespace"],
                "NamespaceStatus": "NORMAL",
                "AutoCreateRepo": True,
                "DefaultRepoType": "PRIVATE",
            }
            for r in rows
        ]
        return _page(shaped, page_no, page_size), len(shaped)

    def list_repository(
        self,
        account: str,
        region: str,
        *,
        instance_id: str,
        namespace: str | None,
        page_no: int,
        page_size: int,
    ) -> tuple[list[dict[str, Any]], int]:
        rows = self._artifacts(
            account,
            region,
            instance_id,
            "SELECT namespace, repo, min(updated_ms) AS created, max(updated_ms) AS modified "
            "FROM acr_artifacts",
            "namespace, repo",
            namespace=namespace,
        )
        shaped = [
            {
                "InstanceId": instance_id,
                "RepoId": self.repo_id(instance_id, r["namespace"], r["repo"]),
                "RepoNamespaceName": r["namespace"],
                "RepoName": r["repo"],
                "RepoStatus": "NORMAL",
                "RepoType": "PRIVATE",
                "RepoBuildType": "MANUAL",
                "CreateTime": r["created"],
                "ModifiedTime": r["modified"],
            }
            for r in rows
        ]
        return _page(shaped, page_no, page_size), len(shaped)

    def list_repo_tag(
        self, account: str, region: str, *, instance_id: str, repo_id: str, page_no: int, page_size: int
    ) -> tuple[list[dict[str, Any]], int]:
        repos = self._artifacts(
            account,
            region,
            instance_id,
            "SELECT DISTINCT namespace, repo FROM acr_artifacts",
            "namespace, repo",
        )
        found = [r for r in repos if self.repo_id(instance_id, r["namespace"], r["repo"]) == repo_id]
        if not found:
            raise errors.REPO_NOT_EXIST.error(
                f"repository {repo_id} does not exist in instance {instance_id}"
            )
        with self._store.transaction(write=False) as db:
            tags = db.execute(
                "SELECT tag, updated_ms FROM acr_artifacts WHERE account = ? AND region = ? AND "
                "instance_id = ? AND namespace = ? AND repo = ? AND tag != '' ORDER BY updated_ms DESC, tag",
                (account, region, instance_id, found[0]["namespace"], found[0]["repo"]),
            ).fetchall()
        shaped = [
            {
                "Tag": t["tag"],
                "Status": "NORMAL",
                "ImageId": _short_id("img", repo_id, t["tag"]),
                "Digest": hashlib.sha256(f"{repo_id}:{t['tag']}".encode()).hexdigest(),
                "ImageCreate": t["updated_ms"],
                "ImageUpdate": t["updated_ms"],
                "ImageSize": 0,
            }
            for t in tags
        ]
        return _page(shaped, page_no, page_size), len(shaped)

    @staticmethod
    def repo_id(instance_id: str, namespace: str, repo: str) -> str:
        """The id ACR's events carry as `RepoId` (`crnotify.offline.samples` derives the same)."""
        return _short_id("crr", instance_id, namespace, repo)

    def _artifacts(
        self,
        account: str,
        region: str,
        instance_id: str,
        select: str,
        order: str,
        *,
        namespace: str | None = None,
    ) -> list[sqlite3.Row]:
        self._instances.check(region, instance_id)
        where = "WHERE account = ? AND region = ? AND instance_id = ? AND (? IS NULL OR namespace = ?)"
        with self._store.transaction(write=False) as db:
            return list(
                db.execute(
                    f"{select} {where} GROUP BY {order} ORDER BY {order}",
                    (account, region, instance_id, namespace, namespace),
                ).fetchall()
            )


def _page(items: list[dict[str, Any]], page_no: int, page_size: int) -> list[dict[str, Any]]:
    if page_no < 1 or not 1 <= page_size <= 100:
        raise errors.INVALID_PARAMETER.error("PageNo must be ≥ 1 and PageSize between 1 and 100")
    return items[(page_no - 1) * page_size : page_no * page_size]


__all__ = ["ACR_SOURCE", "PublishState", "covers", "new_id"]
