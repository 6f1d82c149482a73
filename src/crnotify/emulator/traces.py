"""Events put on a bus and their traces (PutEvent / FilterEvent / PushEvent), kept 3 days.

PutEvents stores CloudEvents and records their PutEvent trace; matching and delivery happen outside
the state machine (an `on_events` hook of the server), which reports back through `record_trace`.
Retention follows the documented 3-day window for trace queries (research/alibaba-facts.md §6), read
on the injectable clock.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from crnotify.emulator import cloud_errors as errors
from crnotify.emulator.acr import AcrState

RETENTION_MS = 3 * 24 * 3600 * 1000
MAX_EVENTS_PER_CALL = 16
MAX_EVENT_BYTES = 256 * 1024
# CloudEvents attributes an entry may carry, with their maximum length (research §2.5).
_ATTRIBUTES = {
    "id": 128,
    "source": 128,
    "type": 64,
    "subject": 512,
    "time": None,
    "specversion": None,
    "datacontenttype": None,
    "dataschema": None,
}
TraceAction = Literal["PutEvent", "FilterEvent", "PushEvent"]


@dataclass(frozen=True, slots=True)
class BusRef:
    """Which bus events were put on: what the `on_events` hook receives first."""

    account: str
    region: str
    name: str


@dataclass(frozen=True, slots=True)
class PutResult:
    event_id: str
    trace_id: str
    error: errors.ServiceError | None = None


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def normalise_event(raw: object, *, bus: BusRef, now_ms: int) -> dict[str, Any]:
    """One PutEvents entry (the SDK's `Id`/`Source`/… keys or CloudEvents' lower-case ones) as a
    CloudEvent with the extensions the bus adds."""
    if not isinstance(raw, dict):
        raise errors.EVENT_INVALID.error("an event must be a JSON object")
    fields = {key.lower(): value for key, value in raw.items()}
    event: dict[str, Any] = {}
    for name, max_length in _ATTRIBUTES.items():
        value = fields.get(name)
        if value is None:
            continue
        if not isinstance(value, str) or (max_length is not None and len(value) > max_length):
            raise errors.EVENT_INVALID.error(
                f"event attribute {name} must be a string of ≤{max_length} chars"
            )
        event[name] = value
    for required in ("source", "type"):
        if not event.get(required):
            raise errors.EVENT_INVALID.error(f"event attribute {required} is required")
    event.setdefault("id", str(uuid.uuid4()))
    event.setdefault("specversion", "1.0")
    event.setdefault("time", _iso(now_ms))
    event.setdefault("datacontenttype", "application/json")
    data = fields.get("data")
    if isinstance(data, str) and "json" in event["datacontenttype"]:
        try:
            data = json.loads(data)
        except ValueError:
            raise errors.EVENT_INVALID.error("event data is not JSON but datacontenttype says so") from None
    if data is not None:
        event["data"] = data
    event.update(
        aliyunaccountid=bus.account,
        aliyunregionid=bus.region,
        aliyuneventbusname=bus.name,
        aliyunpublishtime=_iso(now_ms),
        aliyunpublishaddr="127.0.0.1",
    )
    if len(json.dumps(event).encode()) > MAX_EVENT_BYTES:
        raise errors.EVENT_INVALID.error(f"an event may hold at most {MAX_EVENT_BYTES} bytes")
    return event


class TraceState(AcrState):
    """PutEvents, traces and the queries over them."""

    def put_events(
        self, account: str, region: str, *, bus: str, events: Sequence[object]
    ) -> tuple[list[PutResult], list[dict[str, Any]]]:
        """(one result per entry, the accepted CloudEvents) — stored with their PutEvent trace."""
        if not events or len(events) > MAX_EVENTS_PER_CALL:
            raise errors.INVALID_PARAMETER.error(f"EventList takes 1 to {MAX_EVENTS_PER_CALL} events")
        ref = BusRef(account, region, bus)
        results: list[PutResult] = []
        accepted: list[dict[str, Any]] = []
        with self._store.transaction() as db:
            self._check_bus(bus)
            now = self._now_ms()
            self._purge(now)
            for raw in events:
                trace_id = str(uuid.uuid4())
                try:
                    event = normalise_event(raw, bus=ref, now_ms=now)
                except errors.ServiceError as exc:
                    results.append(PutResult("", trace_id, exc))
                    continue
                db.execute(
                    "INSERT OR REPLACE INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        account,
                        region,
                        bus,
                        event["id"],
                        event["source"],
                        event["type"],
                        now,
                        json.dumps(event),
                    ),
                )
                self.record_trace(
                    account, region, bus=bus, event_id=event["id"], event_source=event["source"],
                    action="PutEvent", at=now / 1000,
                )  # fmt: skip
                results.append(PutResult(event["id"], trace_id))
                accepted.append(event)
        return results, accepted

    def record_trace(
        self,
        account: str,
        region: str,
        *,
        bus: str,
        event_id: str,
        event_source: str,
        action: TraceAction,
        rule_name: str | None = None,
        endpoint: str | None = None,
        notify_status: str | None = None,
        notify_latency_ms: int | None = None,
        at: float,
    ) -> None:
        """Record one step of an event's way; a push by an ACR-generated rule is also an ACR record."""
        if action not in ("PutEvent", "FilterEvent", "PushEvent"):
            raise ValueError(f"unknown trace action {action!r}")
        at_ms = int(at * 1000)
        with self._store.transaction() as db:
            db.execute(
                "INSERT INTO traces (account, region, bus, event_id, event_source, action, rule_name, "
                "endpoint, notify_status, notify_latency_ms, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (account, region, bus, event_id, event_source, action, rule_name, endpoint, notify_status,
                 notify_latency_ms, at_ms),
            )  # fmt: skip
            if action == "PushEvent" and rule_name is not None:
                event = self.get_event(account, region, bus=bus, event_id=event_id)
                if event is not None:
                    self._record_acr_delivery(
                        db, account, region, rule_name=rule_name, event=event, at_ms=at_ms
                    )

    def get_event(self, account: str, region: str, *, bus: str, event_id: str) -> dict[str, Any] | None:
        """A stored CloudEvent within retention, or None."""
        with self._store.transaction(write=False) as db:
            row = db.execute(
                "SELECT body FROM events WHERE account = ? AND region = ? AND bus = ? AND event_id = ? "
                "AND received_ms >= ?",
                (account, region, bus, event_id, self._now_ms() - RETENTION_MS),
            ).fetchone()
        return None if row is None else dict(json.loads(row["body"]))

    def query_event_traces(
        self, account: str, region: str, *, bus: str, event_id: str
    ) -> list[dict[str, Any]]:
        """QueryEventTraces `Data`: the steps of one event, oldest first."""
        self._check_bus(bus)
        with self._store.transaction(write=False) as db:
            rows = db.execute(
                "SELECT * FROM traces WHERE account = ? AND region = ? AND bus = ? AND event_id = ? "
                "AND at_ms >= ? ORDER BY at_ms, seq",
                (account, region, bus, event_id, self._now_ms() - RETENTION_MS),
            ).fetchall()
        return [_trace_shape(row) for row in rows]

    def query_traced_event_by_event_id(
        self, account: str, region: str, *, bus: str, event_id: str, event_source: str | None = None
    ) -> list[dict[str, Any]]:
        """QueryTracedEventByEventId `Data.Events`."""
        self._check_bus(bus)
        with self._store.transaction(write=False) as db:
            rows = db.execute(
                "SELECT * FROM events WHERE account = ? AND region = ? AND bus = ? AND event_id = ? "
                "AND received_ms >= ? AND (? IS NULL OR source = ?)",
                (account, region, bus, event_id, self._now_ms() - RETENTION_MS, event_source, event_source),
            ).fetchall()
        return [
            {
                "EventBusName": row["bus"],
                "EventId": row["event_id"],
                "EventReceivedTime": row["received_ms"],
                "EventSource": row["source"],
                "EventType": row["type"],
            }
            for row in rows
        ]

    def _purge(self, now_ms: int) -> None:
        with self._store.transaction() as db:
            db.execute("DELETE FROM events WHERE received_ms < ?", (now_ms - RETENTION_MS,))
            db.execute("DELETE FROM traces WHERE at_ms < ?", (now_ms - RETENTION_MS,))


def _trace_shape(row: Mapping[str, Any]) -> dict[str, Any]:
    trace: dict[str, Any] = {
        "Action": row["action"],
        "ActionTime": row["at_ms"],
        "EventBusName": row["bus"],
        "EventId": row["event_id"],
        "EventSource": row["event_source"],
    }
    if row["rule_name"] is not None:
        trace["RuleName"] = row["rule_name"]
    if row["action"] == "PutEvent":
        trace["ReceivedTime"] = row["at_ms"]
    elif row["action"] == "FilterEvent":
        trace["RuleMatchingTime"] = str(row["at_ms"])
    else:
        trace["Endpoint"] = row["endpoint"] or ""
        trace["NotifyStatus"] = row["notify_status"] or ""
        trace["NotifyLatency"] = "" if row["notify_latency_ms"] is None else str(row["notify_latency_ms"])
        trace["NotifyTime"] = row["at_ms"]
    return trace
