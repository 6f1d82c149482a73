"""EventBridge (API 2020-04-01) rules and targets as a state machine: no HTTP here.

Shapes and limits: research/alibaba-facts.md §2.2–2.5. Targets are kept in their wire shape
(`Id`, `Type`, `Endpoint`, `ParamList`, …) so GetRule and ListTargets give back what PutTargets
stored, plus the `IsBase64Encode=false` parameter the real backend adds (convention A6).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from crnotify.emulator import cloud_errors as errors
from crnotify.emulator.store import StateBase, offset_page
from crnotify.emulator.target_shapes import ErrorEntry, model_target, normalise_target, wire_target
from crnotify.emulator.variants import Variants
from crnotify.model import BusRule
from crnotify.patterns import CompiledPattern, InvalidPatternError, compile_pattern
from crnotify.providers.alibaba import convention, limits

BUSES = (convention.BUS_NAME,)  # only the default bus: custom buses are not emulated
MAX_RULES_PER_BUS = limits.RULES_PER_BUS
MAX_TARGETS_PER_RULE = limits.TARGETS_PER_RULE
# per region, counted on the bus apart from ACR's own count
MAX_ACR_GENERATED_RULES = limits.RULES_PER_REGION
MAX_PAGE = 100
DEFAULT_PAGE = 10

_STATUSES = ("ENABLE", "DISABLE")
# The fields a ListRules target carries (no ParamList), and a ListTargets target.
LIST_RULES_TARGET_KEYS = ("Id", "Type", "Endpoint", "ErrorsTolerance", "PushSelector")
LIST_TARGETS_KEYS = ("Id", "Type", "Endpoint", "ErrorsTolerance", "ParamList", "ConcurrentConfig")


def rule_arn(region: str, account: str, bus: str, name: str) -> str:
    return f"acs:eventbridge:{region}:{account}:eventbus/{bus}/rule/{name}"


def bus_arn(region: str, account: str, bus: str) -> str:
    return f"acs:eventbridge:{region}:{account}:eventbus/{bus}"


@dataclass(frozen=True, slots=True)
class RuleRecord:
    """One stored bus rule. `pattern` is the FilterPattern string exactly as written."""

    account: str
    region: str
    bus: str
    name: str
    pattern: str
    description: str
    status: str
    created_ms: int
    targets: tuple[Mapping[str, Any], ...]
    acr_rule_id: str | None

    @property
    def arn(self) -> str:
        return rule_arn(self.region, self.account, self.bus, self.name)

    @property
    def enabled(self) -> bool:
        return self.status == "ENABLE"

    def to_bus_rule(self) -> BusRule:
        """The model's view (targets sorted by id, params by key), e.g. for delivery."""
        return BusRule(
            name=self.name,
            pattern=json.loads(self.pattern),
            description=self.description,
            enabled=self.enabled,
            targets=tuple(sorted((model_target(t) for t in self.targets), key=lambda t: t.id)),
        )


def check_rule_name(name: str) -> None:
    """The cloud's name rule (`providers.alibaba.limits`, research/alibaba-facts.md §2.5)."""
    if limits.rule_name_problem(name) is not None:
        raise errors.RULE_NAME_INVALID.error(
            f"The event rule name [{name}] is invalid: up to {limits.NAME_MAX} letters, digits and '-', "
            f"starting with a letter or digit, not starting with '{limits.RESERVED_PREFIX}'"
        )


def check_pattern(text: str) -> None:
    """A pattern is a JSON object; with the pattern engine installed, also a compilable one."""
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise errors.PATTERN_INVALID.error(f"Event pattern is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise errors.PATTERN_INVALID.error("Event pattern is not valid, reason: it must be a JSON object")
    compile_alibaba(value)


def compile_alibaba(pattern: str | dict[str, Any]) -> CompiledPattern:
    """A pattern in the Alibaba dialect, compiled; an invalid one answers like the cloud."""
    try:
        return compile_pattern(pattern, dialect="alibaba")
    except InvalidPatternError as exc:
        raise errors.PATTERN_INVALID.error(f"Event pattern is not valid, reason: {exc}") from None


def normalise_status(status: str) -> str:
    if status.upper() not in _STATUSES:
        raise errors.INVALID_PARAMETER.error(f"Status must be ENABLE or DISABLE, not {status!r}")
    return status.upper()


def _record(row: sqlite3.Row) -> RuleRecord:
    return RuleRecord(
        account=row["account"],
        region=row["region"],
        bus=row["bus"],
        name=row["name"],
        pattern=row["pattern"],
        description=row["description"],
        status=row["status"],
        created_ms=row["created_ms"],
        targets=tuple(json.loads(row["targets"])),
        acr_rule_id=row["acr_rule_id"],
    )


class EventBridgeState(StateBase):
    """Buses, rules and targets of one account and region per call."""

    variants: Variants

    # --- rules -----------------------------------------------------------------------------------

    def create_rule(
        self,
        account: str,
        region: str,
        *,
        bus: str,
        name: str,
        pattern: str,
        description: str = "",
        status: str = "ENABLE",
        targets: Sequence[object] = (),
    ) -> RuleRecord:
        check_rule_name(name)
        check_pattern(pattern)
        status = normalise_status(status)
        if not targets and self.variants.lock_rule_targets == "required":
            raise errors.MISSING_PARAMETER.error("EventTargets is mandatory for this action.")
        stored = [normalise_target(t) for t in targets]
        if len(stored) > MAX_TARGETS_PER_RULE:
            raise errors.TARGET_LIMIT.error(f"a rule takes at most {MAX_TARGETS_PER_RULE} targets")
        if len({t["Id"] for t in stored}) != len(stored):
            raise errors.TARGET_INVALID.error("target ids must be unique within a rule")
        with self._store.transaction() as db:
            self._check_bus(bus)
            if self._find_rule(db, account, region, bus, name) is not None:
                raise errors.RULE_EXISTS.error(
                    f"The event rule [{name}] of event bus [{bus}] already existed!"
                )
            self._check_room(db, account, region, bus)
            db.execute(
                "INSERT INTO bus_rules VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                (
                    account,
                    region,
                    bus,
                    name,
                    pattern,
                    description,
                    status,
                    self._now_ms(),
                    json.dumps(stored),
                ),
            )
            return self._rule(db, account, region, bus, name)

    def update_rule(
        self,
        account: str,
        region: str,
        *,
        bus: str,
        name: str,
        pattern: str,
        description: str | None = None,
        status: str | None = None,
    ) -> None:
        check_pattern(pattern)
        with self._store.transaction() as db:
            rule = self._rule(db, account, region, bus, name)
            if status is None:  # variant update-status: omitted, the state is kept or reset
                status = rule.status if self.variants.update_status == "keep" else "ENABLE"
            db.execute(
                "UPDATE bus_rules SET pattern = ?, description = ?, status = ? "
                "WHERE account = ? AND region = ? AND bus = ? AND name = ?",
                (
                    pattern,
                    rule.description if description is None else description,
                    normalise_status(status),
                    account,
                    region,
                    bus,
                    name,
                ),
            )

    def get_rule(self, account: str, region: str, *, bus: str, name: str) -> RuleRecord:
        with self._store.transaction(write=False) as db:
            return self._rule(db, account, region, bus, name)

    def list_rules(
        self,
        account: str,
        region: str,
        *,
        bus: str,
        prefix: str = "",
        limit: int = DEFAULT_PAGE,
        next_token: str | None = None,
    ) -> tuple[list[RuleRecord], str | None, int]:
        """(rules of this page sorted by name, NextToken, Total)."""
        with self._store.transaction(write=False) as db:
            self._check_bus(bus)
            where = "account = ? AND region = ? AND bus = ? AND substr(name, 1, ?) = ?"
            args = (account, region, bus, len(prefix), prefix)
            total = db.execute(f"SELECT count(*) FROM bus_rules WHERE {where}", args).fetchone()[0]  # noqa: S608
            offset, token = offset_page(next_token, limit, total)
            rows = db.execute(
                f"SELECT * FROM bus_rules WHERE {where} ORDER BY name LIMIT ? OFFSET ?",  # noqa: S608
                (*args, limit, offset),
            ).fetchall()
            return [_record(r) for r in rows], token, total

    def all_rules(self, account: str, region: str, *, bus: str) -> list[RuleRecord]:
        """Every rule on a bus (no paging), for delivery and tests."""
        with self._store.transaction(write=False) as db:
            rows = db.execute(
                "SELECT * FROM bus_rules WHERE account = ? AND region = ? AND bus = ? ORDER BY name",
                (account, region, bus),
            ).fetchall()
            return [_record(r) for r in rows]

    def delete_rule(self, account: str, region: str, *, bus: str, name: str) -> None:
        with self._store.transaction() as db:
            self._rule(db, account, region, bus, name)
            self._delete(db, account, region, bus, name)

    def enable_rule(self, account: str, region: str, *, bus: str, name: str) -> None:
        self._set_status(account, region, bus, name, "ENABLE")

    def disable_rule(self, account: str, region: str, *, bus: str, name: str) -> None:
        self._set_status(account, region, bus, name, "DISABLE")

    # --- targets ---------------------------------------------------------------------------------

    def put_targets(
        self, account: str, region: str, *, bus: str, rule: str, targets: Sequence[object]
    ) -> list[ErrorEntry]:
        """Create or replace targets by Id; entries that fail are reported, the others kept."""
        failures: list[ErrorEntry] = []
        with self._store.transaction() as db:
            current = {t["Id"]: dict(t) for t in self._rule(db, account, region, bus, rule).targets}
            seen: set[str] = set()
            for raw in targets:
                entry_id = str(raw.get("Id", "")) if isinstance(raw, dict) else ""
                try:
                    target = normalise_target(raw)
                    if target["Id"] in seen:
                        raise errors.TARGET_INVALID.error(f"target {target['Id']} appears twice")
                    if target["Id"] not in current and len(current) >= MAX_TARGETS_PER_RULE:
                        raise errors.TARGET_LIMIT.error(
                            f"rule {rule} already has {MAX_TARGETS_PER_RULE} targets, the maximum"
                        )
                except errors.ServiceError as exc:
                    failures.append(ErrorEntry(entry_id, exc.code, exc.message))
                    continue
                seen.add(target["Id"])
                current[target["Id"]] = target
            self._save_targets(db, account, region, bus, rule=rule, targets=list(current.values()))
        return failures

    def delete_targets(
        self, account: str, region: str, *, bus: str, rule: str, target_ids: Sequence[str]
    ) -> list[ErrorEntry]:
        failures: list[ErrorEntry] = []
        with self._store.transaction() as db:
            current = {t["Id"]: t for t in self._rule(db, account, region, bus, rule).targets}
            for target_id in target_ids:
                if current.pop(target_id, None) is None:
                    failures.append(
                        ErrorEntry(
                            target_id,
                            errors.TARGET_NOT_FOUND.code,
                            f"The event target [{target_id}] of event rule [{rule}] on eventbus [{bus}] "
                            "is not existed!",
                        )
                    )
            self._save_targets(db, account, region, bus, rule=rule, targets=list(current.values()))
        return failures

    def list_targets(
        self,
        account: str,
        region: str,
        *,
        bus: str,
        rule: str,
        limit: int = DEFAULT_PAGE,
        next_token: str | None = None,
    ) -> tuple[list[Mapping[str, Any]], str | None, int]:
        targets = self.get_rule(account, region, bus=bus, name=rule).targets
        offset, token = offset_page(next_token, limit, len(targets))
        return list(targets[offset : offset + limit]), token, len(targets)

    # --- buses -----------------------------------------------------------------------------------

    def list_event_buses(
        self,
        account: str,
        region: str,
        *,
        prefix: str = "",
        limit: int = DEFAULT_PAGE,
        next_token: str | None = None,
    ) -> tuple[list[dict[str, Any]], str | None, int]:
        created = self._store.created_ms
        buses = [
            {
                "EventBusName": name,
                "EventBusARN": bus_arn(region, account, name),
                "Description": "The default event bus",
                "CreateTimestamp": created,
            }
            for name in BUSES
            if name.startswith(prefix)
        ]
        offset, token = offset_page(next_token, limit, len(buses))
        return buses[offset : offset + limit], token, len(buses)

    # --- helpers shared with the ACR side ---------------------------------------------------------

    def _check_bus(self, bus: str) -> None:
        if bus not in BUSES:
            raise errors.BUS_NOT_FOUND.error(f"The event bus [{bus}] not existed!")

    def _check_room(self, db: sqlite3.Connection, account: str, region: str, bus: str) -> None:
        count = db.execute(
            "SELECT count(*) FROM bus_rules WHERE account = ? AND region = ? AND bus = ?",
            (account, region, bus),
        ).fetchone()[0]
        if count >= MAX_RULES_PER_BUS:
            raise errors.RULE_LIMIT.error(
                f"The current count of event rule is [{count}], which will exceed the limit quota "
                f"[{MAX_RULES_PER_BUS}] of event bus [{bus}]"
            )

    def _write_generated_rule(
        self, db: sqlite3.Connection, account: str, region: str, rule: BusRule, acr_rule_id: str
    ) -> None:
        """Convention A1: replace (or create) the bus rule an ACR save generates."""
        bus = convention.BUS_NAME
        pattern = json.dumps(rule.pattern, separators=(",", ":"))
        targets = json.dumps([wire_target(t) for t in rule.targets])
        status = "ENABLE" if rule.enabled else "DISABLE"
        if self._find_rule(db, account, region, bus, rule.name) is not None:
            db.execute(
                "UPDATE bus_rules SET pattern = ?, description = ?, status = ?, targets = ?, acr_rule_id = ? "
                "WHERE account = ? AND region = ? AND bus = ? AND name = ?",
                (pattern, rule.description, status, targets, acr_rule_id, account, region, bus, rule.name),
            )
            return
        self._check_room(db, account, region, bus)
        generated = db.execute(
            "SELECT count(*) FROM bus_rules WHERE account = ? AND region = ? AND acr_rule_id IS NOT NULL",
            (account, region),
        ).fetchone()[0]
        if generated >= MAX_ACR_GENERATED_RULES:
            raise errors.RULE_LIMIT.error(
                f"The current count of Container Registry event rules on EventBridge is [{generated}], "
                f"which will exceed the limit quota [{MAX_ACR_GENERATED_RULES}]"
            )
        db.execute(
            "INSERT INTO bus_rules VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                account,
                region,
                bus,
                rule.name,
                pattern,
                rule.description,
                status,
                self._now_ms(),
                targets,
                acr_rule_id,
            ),
        )

    def _delete(self, db: sqlite3.Connection, account: str, region: str, bus: str, name: str) -> None:
        db.execute(
            "DELETE FROM bus_rules WHERE account = ? AND region = ? AND bus = ? AND name = ?",
            (account, region, bus, name),
        )

    def _find_rule(
        self, db: sqlite3.Connection, account: str, region: str, bus: str, name: str
    ) -> RuleRecord | None:
        row = db.execute(
            "SELECT * FROM bus_rules WHERE account = ? AND region = ? AND bus = ? AND name = ?",
            (account, region, bus, name),
        ).fetchone()
        return None if row is None else _record(row)

    def _rule(self, db: sqlite3.Connection, account: str, region: str, bus: str, name: str) -> RuleRecord:
        self._check_bus(bus)
        rule = self._find_rule(db, account, region, bus, name)
        if rule is None:
            raise errors.RULE_NOT_FOUND.error(f"The event rule [{name}] of event bus [{bus}] not existed!")
        return rule

    def _set_status(self, account: str, region: str, bus: str, name: str, status: str) -> None:
        with self._store.transaction() as db:
            self._rule(db, account, region, bus, name)
            db.execute(
                "UPDATE bus_rules SET status = ? WHERE account = ? AND region = ? AND bus = ? AND name = ?",
                (status, account, region, bus, name),
            )

    def _save_targets(
        self, db: sqlite3.Connection, account: str, region: str, bus: str, *, rule: str, targets: list[Any]
    ) -> None:
        db.execute(
            "UPDATE bus_rules SET targets = ? WHERE account = ? AND region = ? AND bus = ? AND name = ?",
            (json.dumps(targets), account, region, bus, rule),
        )
