"""The emulated cloud's state machine, per account and region, with no HTTP in it (moto's split).

    EmulatorState ─ PublishState (ACR's events, records, repositories)  publish.py
                    └ TraceState (PutEvents, traces)      traces.py
                      └ AcrState (ACR event rules)        acr.py
                        └ EventBridgeState (rules, targets, buses)  eventbridge.py
                          └ StateBase → Store (SQLite)    store.py

Every public method takes `account, region` first, runs in one SQLite transaction, and raises
`ServiceError` (errors.py) with the code the wire layer answers with. Method names follow the API's
action names (`create_rule` for CreateRule, …).
"""

from __future__ import annotations

import hashlib

from crnotify.clock import Clock, SystemClock
from crnotify.emulator.acr import InstancePolicy, Pending
from crnotify.emulator.cloud_errors import ServiceError
from crnotify.emulator.eventbridge import RuleRecord
from crnotify.emulator.publish import PublishState
from crnotify.emulator.store import Store
from crnotify.emulator.target_shapes import ErrorEntry
from crnotify.emulator.traces import BusRef, PutResult
from crnotify.emulator.variants import Variants

__all__ = [
    "BusRef",
    "EmulatorState",
    "ErrorEntry",
    "InstancePolicy",
    "PutResult",
    "RuleRecord",
    "ServiceError",
    "account_id_for",
]


def account_id_for(access_key_id: str) -> str:
    """A stable 16-digit account id for an access key id (real account ids have 16 digits)."""
    digest = int(hashlib.sha256(access_key_id.encode()).hexdigest(), 16)
    return str(10**15 + digest % (9 * 10**15))


class EmulatorState(PublishState):
    """All the emulated cloud's data, in one SQLite file (or in memory)."""

    def __init__(
        self,
        path: str = ":memory:",
        *,
        clock: Clock | None = None,
        instances: InstancePolicy | None = None,
        variants: Variants | None = None,
    ) -> None:
        self._clock = clock or SystemClock()
        self._instances = instances or InstancePolicy()
        self.variants = variants or Variants()
        self._pending = Pending()
        self._store = Store(path, created_ms=self._now_ms())

    @property
    def path(self) -> str:
        return self._store.path

    def close(self) -> None:
        self._store.close()
