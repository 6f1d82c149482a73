"""Test helper: an emulator that keeps a log of the API calls it was sent, with their parameters.

    with RecordingEmulator() as server:
        ...  # run crnotify against server.endpoint
        assert not server.calls_naming("cri-other")   # nothing read or written on that instance

The log is kept in memory for the test (parameters can carry the rules' tokens: it is never printed).
"""

from __future__ import annotations

import threading
from contextlib import suppress
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from crnotify.emulator.server import EmulatorServer
from crnotify.emulator.signing import SignedRequest


@dataclass(frozen=True, slots=True)
class LoggedCall:
    action: str
    params: dict[str, str]

    def names(self, text: str) -> bool:
        """Whether any parameter (a rule name, an instance id, a pattern…) mentions `text`."""
        return any(text in value for value in self.params.values())


class RecordingEmulator(EmulatorServer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._log: list[LoggedCall] = []
        self._log_lock = threading.Lock()

    def handle(
        self, request: SignedRequest, request_id: str, *rest: Any
    ) -> tuple[str | None, dict[str, Any] | None]:
        params = dict(request.query)
        with suppress(UnicodeDecodeError):  # the emulator answers that itself
            params.update(parse_qsl(request.body.decode("utf-8"), keep_blank_values=True))
        action = next(iter(request.headers.get("x-acs-action", ())), "")
        with self._log_lock:
            self._log.append(LoggedCall(action, params))
        return super().handle(request, request_id, *rest)  # `rest`: the serving region, as the server passes

    @property
    def calls(self) -> list[LoggedCall]:
        with self._log_lock:
            return list(self._log)

    def clear_calls(self) -> None:
        with self._log_lock:
            self._log.clear()

    def calls_naming(self, text: str) -> list[LoggedCall]:
        return [call for call in self.calls if call.names(text)]

    def actions(self) -> list[str]:
        return [call.action for call in self.calls]
