"""Container Registry (API 2018-12-01) event rules as a state machine: no HTTP here.

Every save of an ACR rule regenerates its bus rule through the ACR convention (the overwrite
behaviour, DESIGN.md §2); the registry spec is kept server-side but no API reads it back, as in the
real cloud (research/alibaba-facts.md §1.1). Emulator-only choices, documented in docs/emulator.md:

- "10 event rules per region, counted separately in ACR and in EventBridge" (research §6; issue 3) is
  read as: at most 10 ACR event rules per account and region, whatever their instances (the same
  count `crnotify validate` checks, config/semantic.py), and, on the bus, at most 10 ACR-generated
  rules per account and region. Each ACR rule has one generated rule, so the ACR count binds first;
  the bus count is kept as the cloud states it;
- rule names are unique per account and region, since each one names a rule on the one `default` bus;
- an update replaces only the parameters it carries; sending `EventScope` replaces the scope's
  `Namespaces`/`RepoNames` as a whole; renaming moves the generated bus rule to the new name.
"""

from __future__ import annotations

import json
import re
import secrets
import sqlite3
import string
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from crnotify.emulator import cloud_errors as errors
from crnotify.emulator.eventbridge import EventBridgeState, check_rule_name
from crnotify.emulator.variants import Variants
from crnotify.model import EventType, NotifyMethod, ScanStatus, ScopeKind
from crnotify.providers.alibaba import convention, limits

MAX_ACR_RULES = limits.RULES_PER_REGION
UNSUPPORTED_REGIONS = frozenset(limits.UNAVAILABLE_REGIONS)
INSTANCE_ID = re.compile(r"cri-[a-z0-9]+")
_ID_ALPHABET = string.ascii_lowercase + string.digits


def new_id(prefix: str) -> str:
    return prefix + "".join(secrets.choice(_ID_ALPHABET) for _ in range(16))


@dataclass(frozen=True, slots=True)
class InstancePolicy:
    """Which instances are Enterprise Edition instances of the caller.

    `allowed` None: any well-formed `cri-…` id in a region that has the feature. Otherwise only the
    listed (region, instance id) pairs.
    """

    allowed: frozenset[tuple[str, str]] | None = None

    def check(self, region: str, instance_id: str) -> None:
        if region in UNSUPPORTED_REGIONS:
            raise errors.REGION_NOT_SUPPORTED.error(
                f"Container Registry event notification is not available in region {region}"
            )
        known = INSTANCE_ID.fullmatch(instance_id) is not None and (
            self.allowed is None or (region, instance_id) in self.allowed
        )
        if not known:
            raise errors.INSTANCE_NOT_EXIST.error(
                f"instance {instance_id} is not an Enterprise Edition instance in region {region}"
            )


@dataclass
class Pending:
    """Bus rules still to be generated (variant `regeneration=async:MS`): (due ms, account, region,
    ACR rule id). Kept in memory: the wait is milliseconds, within one emulator process."""

    due: list[tuple[int, str, str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class AcrState(EventBridgeState):
    """ACR event rules, records and the bus rules they generate."""

    _instances: InstancePolicy
    _pending: Pending
    variants: Variants

    def settle(self) -> None:
        """Write the generated bus rules that are due (`regeneration=async:MS`), from each ACR rule's
        settings as they are now; a rule deleted meanwhile generates nothing."""
        now = self._now_ms()
        with self._pending.lock:
            due = [p for p in self._pending.due if p[0] <= now]
            self._pending.due = [p for p in self._pending.due if p[0] > now]
        for _, account, region, rule_id in sorted(due):
            with self._store.transaction() as db:
                row = db.execute(
                    "SELECT * FROM acr_rules WHERE account = ? AND region = ? AND rule_id = ?",
                    (account, region, rule_id),
                ).fetchone()
                if row is not None:
                    spec = convention.RegistrySpec.from_params(json.loads(row["params"]))
                    generated = self.variants.generated_rule(spec, row["instance_id"])
                    self._write_generated_rule(db, account, region, generated, rule_id)

    def _generate(  # noqa: PLR0917 (the transaction, the account and region, then what to generate)
        self,
        db: sqlite3.Connection,
        account: str,
        region: str,
        spec: convention.RegistrySpec,
        instance_id: str,
        rule_id: str,
    ) -> None:
        """Convention A1 under the variants: now, or `regeneration_ms` later (`settle`)."""
        delay = self.variants.regeneration_ms
        if delay:
            with self._pending.lock:
                self._pending.due.append((self._now_ms() + delay, account, region, rule_id))
            return
        self._write_generated_rule(
            db, account, region, self.variants.generated_rule(spec, instance_id), rule_id
        )

    def create_event_center_rule(
        self, account: str, region: str, *, instance_id: str, spec: convention.RegistrySpec
    ) -> str:
        self._instances.check(region, instance_id)
        _check_spec(spec)
        with self._store.transaction() as db:
            self._check_name_free(db, account, region, spec.rule_name)
            count = db.execute(
                "SELECT count(*) FROM acr_rules WHERE account = ? AND region = ?", (account, region)
            ).fetchone()[0]
            if count >= MAX_ACR_RULES:
                raise errors.ACR_RULE_LIMIT.error(
                    f"region {region} already has {count} Container Registry event rules, "
                    f"the maximum is {MAX_ACR_RULES}"
                )
            rule_id = new_id("crecr-")
            now = self._now_ms()
            db.execute(
                "INSERT INTO acr_rules VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (account, region, rule_id, instance_id, spec.rule_name, _dump(spec), now, now),
            )
            self._generate(db, account, region, spec, instance_id, rule_id)
            return rule_id

    def update_event_center_rule(
        self, account: str, region: str, *, instance_id: str, rule_id: str, params: Mapping[str, str]
    ) -> str:
        """Apply the given Create/Update parameters on top of the stored ones and regenerate."""
        self._instances.check(region, instance_id)
        with self._store.transaction() as db:
            row = self._acr_rule(db, account, region, instance_id, rule_id)
            stored: dict[str, str] = json.loads(row["params"])
            if "EventScope" in params:
                stored.pop("Namespaces", None)
                stored.pop("RepoNames", None)
            spec = spec_from_params({**stored, **params})
            _check_spec(spec)
            if spec.rule_name != row["rule_name"]:
                self._check_name_free(db, account, region, spec.rule_name)
                self._delete_generated(db, account, region, row["rule_name"])
            db.execute(
                "UPDATE acr_rules SET rule_name = ?, params = ?, updated_ms = ? "
                "WHERE account = ? AND region = ? AND rule_id = ?",
                (spec.rule_name, _dump(spec), self._now_ms(), account, region, rule_id),
            )
            self._generate(db, account, region, spec, instance_id, rule_id)
            return rule_id

    def delete_event_center_rule(self, account: str, region: str, *, instance_id: str, rule_id: str) -> None:
        self._instances.check(region, instance_id)
        with self._store.transaction() as db:
            row = self._acr_rule(db, account, region, instance_id, rule_id)
            if self.variants.delete_removes_bus == "yes":
                self._delete_generated(db, account, region, row["rule_name"])
            else:  # left on the bus as a plain rule, no longer ACR's
                db.execute(
                    "UPDATE bus_rules SET acr_rule_id = NULL "
                    "WHERE account = ? AND region = ? AND acr_rule_id = ?",
                    (account, region, rule_id),
                )
            db.execute(
                "DELETE FROM acr_rules WHERE account = ? AND region = ? AND rule_id = ?",
                (account, region, rule_id),
            )

    def list_event_center_rule_name(
        self, account: str, region: str, *, instance_id: str
    ) -> list[tuple[str, str]]:
        """(RuleId, RuleName) pairs, oldest first: all the real API tells about a rule."""
        self._instances.check(region, instance_id)
        with self._store.transaction(write=False) as db:
            rows = db.execute(
                "SELECT rule_id, rule_name FROM acr_rules "
                "WHERE account = ? AND region = ? AND instance_id = ? ORDER BY created_ms, rule_id",
                (account, region, instance_id),
            ).fetchall()
            return [(r["rule_id"], r["rule_name"]) for r in rows]

    def list_event_center_record(
        self,
        account: str,
        region: str,
        *,
        instance_id: str,
        event_type: str | None = None,
        rule_id: str | None = None,
        namespace: str | None = None,
        repo_name: str | None = None,
        page_no: int = 1,
        page_size: int = 30,
    ) -> tuple[list[dict[str, Any]], int]:
        """(records of the page, newest first; TotalCount)."""
        self._instances.check(region, instance_id)
        if page_no < 1 or not 1 <= page_size <= 100:
            raise errors.INVALID_PARAMETER.error("PageNo must be ≥ 1 and PageSize between 1 and 100")
        where = ["account = ?", "region = ?", "instance_id = ?"]
        args: list[object] = [account, region, instance_id]
        for column, value in (
            ("event_type", event_type),
            ("rule_id", rule_id),
            ("namespace", namespace),
            ("repo_name", repo_name),
        ):
            if value:
                where.append(f"{column} = ?")
                args.append(value)
        clause = " AND ".join(where)
        with self._store.transaction(write=False) as db:
            total = db.execute(f"SELECT count(*) FROM acr_records WHERE {clause}", args).fetchone()[0]  # noqa: S608
            rows = db.execute(
                f"SELECT * FROM acr_records WHERE {clause} ORDER BY created_ms DESC, record_id "  # noqa: S608
                "LIMIT ? OFFSET ?",
                (*args, page_size, (page_no - 1) * page_size),
            ).fetchall()
        return [_record_shape(r) for r in rows], total

    # --- helpers -----------------------------------------------------------------------------------

    def _record_acr_delivery(
        self,
        db: sqlite3.Connection,
        account: str,
        region: str,
        *,
        rule_name: str,
        event: Mapping[str, Any],
        at_ms: int,
    ) -> None:
        """An event pushed by an ACR-generated bus rule becomes an ACR event-center record."""
        row = db.execute(
            "SELECT r.* FROM acr_rules r JOIN bus_rules b ON b.acr_rule_id = r.rule_id "
            "AND b.account = r.account AND b.region = r.region "
            "WHERE r.account = ? AND r.region = ? AND b.bus = ? AND b.name = ?",
            (account, region, convention.BUS_NAME, rule_name),
        ).fetchone()
        if row is None:
            return
        spec = convention.RegistrySpec.from_params(json.loads(row["params"]))
        self._insert_record(db, account, region, row, spec, event, at_ms)

    def _insert_record(  # noqa: PLR0917 (the transaction, where, the rule, the event, when)
        self,
        db: sqlite3.Connection,
        account: str,
        region: str,
        rule: sqlite3.Row,
        spec: convention.RegistrySpec,
        event: Mapping[str, Any],
        at_ms: int,
    ) -> None:
        """One event-center record of `event` for the ACR rule `rule`; once per rule and event (ACR
        records what it emitted, `publish.py`; a push of the same event by its bus rule adds none)."""
        event_id = str(event.get("id", ""))  # the event id: the notify config's own id is a secret
        seen = db.execute(
            "SELECT 1 FROM acr_records WHERE account = ? AND region = ? AND rule_id = ? AND notify_id = ?",
            (account, region, rule["rule_id"], event_id),
        ).fetchone()
        if seen is not None and event_id:
            return
        data = event.get("data") if isinstance(event.get("data"), dict) else {}
        assert isinstance(data, dict)
        db.execute(
            "INSERT INTO acr_records VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                account,
                region,
                new_id("crecrr-"),
                rule["instance_id"],
                rule["rule_id"],
                rule["rule_name"],
                str(data.get("RepoNamespaceName", "")),
                str(data.get("RepoName", "")),
                str(data.get("Tag", "")),
                str(event.get("type", spec.event_type.value)),
                spec.method.acr_name,
                event_id,
                at_ms,
            ),
        )

    def _check_name_free(self, db: sqlite3.Connection, account: str, region: str, name: str) -> None:
        check_rule_name(name)
        taken = db.execute(
            "SELECT 1 FROM acr_rules WHERE account = ? AND region = ? AND rule_name = ?",
            (account, region, name),
        ).fetchone()
        if taken is not None:
            raise errors.RULE_EXISTS.error(f"The event rule [{name}] already existed in region {region}!")

    def _acr_rule(
        self, db: sqlite3.Connection, account: str, region: str, instance_id: str, rule_id: str
    ) -> sqlite3.Row:
        row = db.execute(
            "SELECT * FROM acr_rules WHERE account = ? AND region = ? AND rule_id = ? AND instance_id = ?",
            (account, region, rule_id, instance_id),
        ).fetchone()
        if row is None:
            raise errors.RULE_NOT_FOUND.error(
                f"The event rule [{rule_id}] of instance [{instance_id}] not existed!"
            )
        assert isinstance(row, sqlite3.Row)
        return row

    def _delete_generated(self, db: sqlite3.Connection, account: str, region: str, name: str) -> None:
        self._delete(db, account, region, convention.BUS_NAME, name)


def spec_from_params(params: Mapping[str, str]) -> convention.RegistrySpec:
    """The registry spec of Create/UpdateEventCenterRule parameters; InvalidParameter naming the
    parameter at fault, never a crash, for whatever a client sends."""
    event_type = params.get("EventType", "")
    if event_type not in {t.value for t in EventType}:
        offered = ", ".join(t.value for t in EventType.acr_rule_types())
        raise errors.INVALID_PARAMETER.error(f"EventType must be one of {offered}, not {event_type!r}")
    scope = params.get("EventScope") or ScopeKind.INSTANCE.value
    if scope not in {k.value for k in ScopeKind}:
        kinds = ", ".join(k.value for k in ScopeKind)
        raise errors.INVALID_PARAMETER.error(f"EventScope must be one of {kinds}, not {scope!r}")
    for name in ("Namespaces", "RepoNames"):
        _json_param(params, name, list, "a JSON array of strings", items=str)
    config = _json_param(params, "EventConfig", dict, "a JSON object")
    methods, method = [m.acr_name for m in NotifyMethod], config.get("notifyMethod")
    if method not in methods:
        raise errors.INVALID_PARAMETER.error(
            f"EventConfig.notifyMethod must be one of {', '.join(methods)}, not {method!r}"
        )
    for key in ("notifyConfig", "notifyFilter"):
        if not isinstance(config.get(key) or {}, dict):
            raise errors.INVALID_PARAMETER.error(f"EventConfig.{key} must be a JSON object")
    statuses = (config.get("notifyFilter") or {}).get("Status") or []
    allowed = [s.value for s in ScanStatus]
    if not isinstance(statuses, list) or not all(s in allowed for s in statuses):
        raise errors.INVALID_PARAMETER.error(
            f"EventConfig.notifyFilter.Status must be a list of {', '.join(allowed)}, not {statuses!r}"
        )
    try:
        return convention.RegistrySpec.from_params(params)
    except (ValueError, KeyError, TypeError) as exc:  # e.g. an event type ACR rules do not offer
        raise errors.INVALID_PARAMETER.error(f"invalid event rule parameters: {exc}") from None


def _json_param(
    params: Mapping[str, str], name: str, kind: type, shape: str, *, items: type | None = None
) -> Any:
    if name not in params:
        return kind()
    try:
        value = json.loads(params[name])
    except ValueError:
        raise errors.INVALID_PARAMETER.error(f"{name} must be {shape}, not {params[name]!r}") from None
    members: list[Any] = value if isinstance(value, list) else []
    if not isinstance(value, kind) or (items is not None and not all(isinstance(i, items) for i in members)):
        raise errors.INVALID_PARAMETER.error(f"{name} must be {shape}, not {params[name]!r}")
    return value


def _check_spec(spec: convention.RegistrySpec) -> None:
    scope = spec.scope
    if scope.kind is not ScopeKind.INSTANCE and not scope.namespaces:
        raise errors.INVALID_PARAMETER.error(f"EventScope {scope.kind.value} needs Namespaces")
    if scope.kind is ScopeKind.REPO and (len(scope.namespaces) != 1 or not scope.repositories):
        raise errors.INVALID_PARAMETER.error("EventScope REPO needs exactly one namespace and RepoNames")
    try:
        re.compile(spec.tag_pattern)
    except re.error as exc:
        raise errors.INVALID_PARAMETER.error(f"RepoTagFilterPattern is not a valid regex: {exc}") from None
    if not spec.url:
        raise errors.INVALID_PARAMETER.error("EventConfig needs notifyConfig.Url")


def _dump(spec: convention.RegistrySpec) -> str:
    return json.dumps(spec.to_params(), sort_keys=True)


def _record_shape(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "RecordId": row["record_id"],
        "RuleId": row["rule_id"],
        "RuleName": row["rule_name"],
        "InstanceId": row["instance_id"],
        "Namespace": row["namespace"],
        "RepoName": row["repo_name"],
        "Tag": row["tag"],
        "EventType": row["event_type"],
        "EventChannel": convention.EVENT_CHANNEL,
        "EventNotifyMethod": row["notify_method"],
        "EventNotifyId": row["notify_id"],
        "CreateTime": row["created_ms"],
        "UpdateTime": row["created_ms"],
    }
