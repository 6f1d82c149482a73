"""The wire protocol's common part: one API call's parameters, routes, and response envelopes.

Product modules (`wire_acr`, `wire_eventbridge`) declare `Route`s whose handlers turn a `Call` into
the JSON body the official SDK's response model reads, calling the state machine in between;
`routing.ROUTES` gathers them by (`x-acs-version`, `x-acs-action`). RPC parameters arrive in the
query string, and for TestEventPattern/PutEvents in the form body; both are merged into `params`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from crnotify.emulator import cloud_errors as errors
from crnotify.emulator.state import BusRef, EmulatorState

ACR_VERSION = "2018-12-01"
EVENTBRIDGE_VERSION = "2020-04-01"

OnEvents = Callable[[BusRef, list[dict[str, Any]]], None]
"""The dispatcher hook: called after PutEvents commits, with the bus and the accepted CloudEvents."""

Body = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Call:
    """One authenticated API call."""

    state: EmulatorState
    account: str
    region: str
    params: Mapping[str, str]
    request_id: str
    on_events: OnEvents | None = None

    def required(self, name: str) -> str:
        value = self.params.get(name)
        if not value:
            raise errors.MISSING_PARAMETER.error(f"{name} is mandatory for this action.")
        return value

    def optional(self, name: str) -> str | None:
        return self.params.get(name)

    def integer(self, name: str, *, default: int, low: int, high: int) -> int:
        text = self.params.get(name)
        if not text:
            return default
        try:
            value = int(text)
        except ValueError:
            raise errors.INVALID_PARAMETER.error(f"{name} must be an integer, not {text!r}") from None
        if not low <= value <= high:
            raise errors.INVALID_PARAMETER.error(f"{name} must be between {low} and {high}, not {value}")
        return value

    def json_value(self, name: str, *, required: bool = True) -> Any:
        text = self.required(name) if required else self.params.get(name)
        if text is None:
            return None
        try:
            return json.loads(text)
        except ValueError as exc:
            raise errors.INVALID_PARAMETER.error(f"{name} is not valid JSON: {exc}") from None

    def json_list(self, name: str, *, required: bool = True) -> list[Any]:
        value = self.json_value(name, required=required)
        if value is None:
            return []
        if not isinstance(value, list):
            raise errors.INVALID_PARAMETER.error(f"{name} must be a JSON array")
        return value


@dataclass(frozen=True, slots=True)
class Route:
    product: str  # "Container Registry" | "EventBridge"
    version: str
    action: str
    handler: Callable[[Call], Body]
    summary: str
    in_sdk: bool = True  # False: the SDK has no method; call it with the generic `call_api`
    body_params: bool = False  # parameters travel in the form body rather than the query


def eventbridge_ok(call: Call, data: Any = None) -> Body:
    """EventBridge's envelope (research/alibaba-facts.md §2.3), its `Code` per variant success-code."""
    body: Body = {
        "Code": call.state.variants.success_code,
        "Message": "",
        "RequestId": call.request_id,
        "Success": True,
    }
    if data is not None:
        body["Data"] = data
    return body


def error_body(code: str, message: str, request_id: str) -> Body:
    """The body every error carries; the SDKs read `Code`, `Message` and `RequestId` from it."""
    return {"Code": code, "Message": message, "RequestId": request_id, "Success": False}
