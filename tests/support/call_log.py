"""Test helper: an emulator whose call log (`EmulatorServer.record_calls`) runs from the start.

    with RecordingEmulator() as server:
        ...  # run crnotify against server.endpoint
        assert not server.calls_naming("cri-other")   # nothing read or written on that instance

The log is kept in memory for the test (parameters can carry the rules' tokens: it is never printed).
"""

from __future__ import annotations

from typing import Any

from crnotify.emulator.server import EmulatorServer


class RecordingEmulator(EmulatorServer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.record_calls()

    def clear_calls(self) -> None:
        self.record_calls()

    def actions(self) -> list[str]:
        return [call.action for call in self.calls]
