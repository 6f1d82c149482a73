"""SQLite persistence for the emulator: one schema, one connection, serialisable transactions.

Concurrency model: every API call is one transaction. Threads of one server share a single
connection behind a re-entrant lock; separate processes sharing one state file are serialised by
SQLite itself (`BEGIN IMMEDIATE` takes the write lock up front, so a read-check-write sequence such as
"count rules, then insert" cannot interleave with another writer), WAL lets readers proceed, and the
busy timeout makes a second writer wait instead of failing with "database is locked".
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from crnotify.clock import Clock
from crnotify.emulator import cloud_errors as errors
from crnotify.errors import CrnotifyError

SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS bus_rules (
    account TEXT NOT NULL, region TEXT NOT NULL, bus TEXT NOT NULL, name TEXT NOT NULL,
    pattern TEXT NOT NULL, description TEXT NOT NULL, status TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    targets TEXT NOT NULL,              -- JSON list of targets in wire shape (ParamList included)
    acr_rule_id TEXT,                   -- set when Container Registry generated this rule
    PRIMARY KEY (account, region, bus, name)
);
CREATE TABLE IF NOT EXISTS acr_rules (
    account TEXT NOT NULL, region TEXT NOT NULL, rule_id TEXT NOT NULL,
    instance_id TEXT NOT NULL, rule_name TEXT NOT NULL,
    params TEXT NOT NULL,               -- RegistrySpec.to_params() as JSON, never served back
    created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,
    PRIMARY KEY (account, region, rule_id)
);
CREATE UNIQUE INDEX IF NOT EXISTS acr_rule_names ON acr_rules (account, region, rule_name);
CREATE TABLE IF NOT EXISTS acr_records (
    account TEXT NOT NULL, region TEXT NOT NULL, record_id TEXT NOT NULL,
    instance_id TEXT NOT NULL, rule_id TEXT NOT NULL, rule_name TEXT NOT NULL,
    namespace TEXT NOT NULL, repo_name TEXT NOT NULL, tag TEXT NOT NULL,
    event_type TEXT NOT NULL, notify_method TEXT NOT NULL, notify_id TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    PRIMARY KEY (account, region, record_id)
);
CREATE TABLE IF NOT EXISTS acr_artifacts (
    account TEXT NOT NULL, region TEXT NOT NULL, instance_id TEXT NOT NULL,
    namespace TEXT NOT NULL, repo TEXT NOT NULL,
    tag TEXT NOT NULL,                  -- '' for the repository itself
    updated_ms INTEGER NOT NULL,
    PRIMARY KEY (account, region, instance_id, namespace, repo, tag)
);
CREATE TABLE IF NOT EXISTS events (
    account TEXT NOT NULL, region TEXT NOT NULL, bus TEXT NOT NULL, event_id TEXT NOT NULL,
    source TEXT NOT NULL, type TEXT NOT NULL, received_ms INTEGER NOT NULL,
    body TEXT NOT NULL,                 -- the CloudEvent as JSON, with the aliyun* extensions
    PRIMARY KEY (account, region, bus, event_id)
);
CREATE INDEX IF NOT EXISTS events_received ON events (received_ms);
CREATE TABLE IF NOT EXISTS traces (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL, region TEXT NOT NULL, bus TEXT NOT NULL, event_id TEXT NOT NULL,
    event_source TEXT NOT NULL, action TEXT NOT NULL, rule_name TEXT, endpoint TEXT,
    notify_status TEXT, notify_latency_ms INTEGER, at_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS traces_event ON traces (account, region, bus, event_id);
"""


class Store:
    """One SQLite database (a file path or `:memory:`)."""

    def __init__(self, path: str, *, busy_timeout_s: float = 30.0, created_ms: int) -> None:
        self.path = path
        self._lock = threading.RLock()
        # isolation_level=None: we issue BEGIN/COMMIT ourselves (the sqlite3 module's implicit
        # transactions would start a DEFERRED one and upgrade it too late to be race-free).
        self._conn = sqlite3.connect(
            path, timeout=busy_timeout_s, isolation_level=None, check_same_thread=False
        )
        self._conn.row_factory = sqlite3.Row
        self._conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
        if path != ":memory:":
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = NORMAL")
        with self.transaction() as db:
            # Statement by statement: executescript() would COMMIT our transaction first.
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            db.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?), ('created_ms', ?)",
                (SCHEMA_VERSION, str(created_ms)),
            )
            version = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
        if version != SCHEMA_VERSION:
            self.close()
            raise ValueError(f"{path}: state schema version {version}, this emulator reads {SCHEMA_VERSION}")

    @property
    def created_ms(self) -> int:
        with self.transaction(write=False) as db:
            return int(db.execute("SELECT value FROM meta WHERE key = 'created_ms'").fetchone()[0])

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[sqlite3.Connection]:
        """Run the body in one transaction; nested uses join the outer one."""
        with self._lock:
            if self._conn.in_transaction:
                yield self._conn
                return
            self._conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._conn.close()


# The columns that hold JSON; a row that does not parse would fail every API call that reads it.
_JSON_COLUMNS = (("bus_rules", ("pattern", "targets")), ("acr_rules", ("params",)), ("events", ("body",)))


def check_file(path: str, *, created_ms: int) -> None:
    """Open the state file at `path` (creating it if missing) and read all of it once: a damaged file
    is then one error naming it and how to reset it, instead of an InternalError on every API call
    (retried, with a traceback each) or "file is not a database" from deep inside a command."""
    reset = f"delete {path} (and {path}-wal and {path}-shm, if present) to start from an empty state"
    try:
        store = Store(path, created_ms=created_ms)
    except (sqlite3.DatabaseError, ValueError) as exc:
        raise CrnotifyError(f"the emulator's state {path} cannot be read: {exc}", hint=reset) from None
    try:
        with store.transaction(write=False) as db:
            verdict = db.execute("PRAGMA quick_check").fetchone()[0]
            if verdict != "ok":
                raise CrnotifyError(f"the emulator's state {path} is damaged: {verdict}", hint=reset)
            for table, columns in _JSON_COLUMNS:
                for row in db.execute(f"SELECT rowid, {', '.join(columns)} FROM {table}"):  # noqa: S608
                    for column in columns:
                        try:
                            json.loads(row[column])
                        except (ValueError, TypeError):
                            raise CrnotifyError(
                                f"the emulator's state {path} is damaged: row {row['rowid']} of {table} "
                                f"holds no valid JSON in {column}",
                                hint=reset,
                            ) from None
    except sqlite3.DatabaseError as exc:
        raise CrnotifyError(f"the emulator's state {path} is damaged: {exc}", hint=reset) from None
    finally:
        store.close()


class StateBase:
    """What the state mixins share: the store and the clock."""

    _store: Store
    _clock: Clock

    def _now_ms(self) -> int:
        return int(self._clock.now() * 1000)


def offset_page(next_token: str | None, limit: int, total: int) -> tuple[int, str | None]:
    """(offset to read from, NextToken of the following page or None). Tokens are offsets."""
    try:
        offset = int(next_token) if next_token else 0
    except ValueError:
        raise errors.INVALID_PARAMETER.error(f"NextToken {next_token!r} is not valid") from None
    if offset < 0:
        raise errors.INVALID_PARAMETER.error(f"NextToken {next_token!r} is not valid")
    following = offset + limit
    return offset, (str(following) if following < total else None)
