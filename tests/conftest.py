"""Shared fixtures: a running emulator and official SDK clients pointed at it.

    def test_x(emulator, cr_client, eventbridge_client): ...

`emulator` is a started `EmulatorServer` on 127.0.0.1 with a free port and in-memory state (stopped
after the test). `cr_client` / `eventbridge_client` are the official `alibabacloud_*` clients for it;
`sdk_config(server, **overrides)` builds the `Config` for any other combination (e.g. a wrong secret).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from alibabacloud_cr20181201.client import Client as CrClient
from alibabacloud_eventbridge20200401.client import Client as EventBridgeClient
from alibabacloud_tea_openapi import models as open_api_models

from crnotify.emulator.server import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, EmulatorServer


def sdk_config(server: EmulatorServer, **overrides: Any) -> Any:
    settings: dict[str, Any] = {
        "access_key_id": DEFAULT_ACCESS_KEY_ID,
        "access_key_secret": DEFAULT_ACCESS_KEY_SECRET,
        "endpoint": server.endpoint,
        "protocol": "http",
        "region_id": server.region,
        "read_timeout": 10_000,
        "connect_timeout": 5_000,
    }
    settings.update(overrides)
    return open_api_models.Config(**settings)


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    server = EmulatorServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def cr_client_factory() -> Callable[..., Any]:
    """`cr_client_factory(server, **config_overrides)` → an official Container Registry client."""
    return lambda server, **overrides: CrClient(sdk_config(server, **overrides))


@pytest.fixture
def eventbridge_client_factory() -> Callable[..., Any]:
    """`eventbridge_client_factory(server, **config_overrides)` → an official EventBridge client."""
    return lambda server, **overrides: EventBridgeClient(sdk_config(server, **overrides))


@pytest.fixture
def cr_client(emulator: EmulatorServer, cr_client_factory: Callable[..., Any]) -> Any:
    return cr_client_factory(emulator)


@pytest.fixture
def eventbridge_client(emulator: EmulatorServer, eventbridge_client_factory: Callable[..., Any]) -> Any:
    return eventbridge_client_factory(emulator)
