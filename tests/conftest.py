"""Shared fixtures: a running emulator and official SDK clients pointed at it.

    def test_x(emulator, cr_client, eventbridge_client): ...

`emulator` is a started `EmulatorServer` on 127.0.0.1 with a free port and in-memory state (stopped
after the test). `cr_client` / `eventbridge_client` are the official `alibabacloud_*` clients for it;
`sdk_config(server, **overrides)` builds the `Config` for any other combination (e.g. a wrong secret).

Every test runs with the providers' real retry policy but waits of milliseconds (`fast_retries`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from alibabacloud_cr20181201.client import Client as CrClient
from alibabacloud_eventbridge20200401.client import Client as EventBridgeClient
from alibabacloud_tea_openapi import models as open_api_models
from alibabacloud_tea_openapi.utils_models import OpenApiRequest
from darabonba.runtime import RuntimeOptions

from crnotify.emulator.server import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, EmulatorServer
from crnotify.providers import retry

FAST_RETRIES = retry.RetryPolicy(initial=0.001, maximum=0.005)


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """The default retry policy (as many tries, the same backoff shape) with millisecond waits."""
    monkeypatch.setattr(retry, "DEFAULT", FAST_RETRIES)


def sdk_config(server: EmulatorServer | str, **overrides: Any) -> Any:
    """An SDK `Config` for a server (or a `host:port` endpoint) with the default key pair."""
    endpoint = server if isinstance(server, str) else server.endpoint
    settings: dict[str, Any] = {
        "access_key_id": DEFAULT_ACCESS_KEY_ID,
        "access_key_secret": DEFAULT_ACCESS_KEY_SECRET,
        "endpoint": endpoint,
        "protocol": "http",
        "region_id": "cn-hangzhou" if isinstance(server, str) else server.region,
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
    """`cr_client_factory(server_or_endpoint, **config_overrides)` → an official Container Registry client."""
    return lambda server, **overrides: CrClient(sdk_config(server, **overrides))


@pytest.fixture
def eventbridge_client_factory() -> Callable[..., Any]:
    """`eventbridge_client_factory(server_or_endpoint, **overrides)` → an official EventBridge client."""
    return lambda server, **overrides: EventBridgeClient(sdk_config(server, **overrides))


@pytest.fixture
def cr_client(emulator: EmulatorServer, cr_client_factory: Callable[..., Any]) -> Any:
    return cr_client_factory(emulator)


@pytest.fixture
def eventbridge_client(emulator: EmulatorServer, eventbridge_client_factory: Callable[..., Any]) -> Any:
    return eventbridge_client_factory(emulator)


CREATE_EVENT_CENTER_RULE = open_api_models.Params(
    action="CreateEventCenterRule",
    version="2018-12-01",
    protocol="HTTP",
    pathname="/",
    method="POST",
    auth_type="AK",
    style="RPC",
    req_body_type="formData",
    body_type="json",
)


@pytest.fixture
def create_event_center_rule() -> Callable[..., dict[str, Any]]:
    """`create_event_center_rule(cr_client, instance_id, params)` → the response body.

    CreateEventCenterRule is not in the SDK: this sends it with the client's generic `call_api`,
    the parameters in the query like the SDK's other RPC calls (`RegistrySpec.to_params()` builds them).
    """

    def create(client: Any, instance_id: str, params: dict[str, str]) -> dict[str, Any]:
        request = OpenApiRequest(query={"InstanceId": instance_id, **params})
        response = client.call_api(CREATE_EVENT_CENTER_RULE, request, RuntimeOptions())
        body: dict[str, Any] = response["body"]
        return body

    return create
