"""Shared fixtures: a running emulator and official SDK clients pointed at it; moto for AWS.

    def test_x(emulator, cr_client, eventbridge_client): ...

`emulator` is a started `EmulatorServer` on 127.0.0.1 with a free port and in-memory state (stopped
after the test). `cr_client` / `eventbridge_client` are the official `alibabacloud_*` clients for it;
`sdk_config(server, **overrides)` builds the `Config` for any other combination (e.g. a wrong secret).

`moto_url` is one moto server (EventBridge, STS) per session on 127.0.0.1; `aws_env` resets it and
points boto3's default chain at it for one test.

Every test runs with the providers' real retry policy but waits of milliseconds (`fast_retries`).
"""

from __future__ import annotations

import os

# Tests reach only 127.0.0.1: no credential chain may probe a cloud metadata service. This comes before
# every SDK import because alibabacloud_credentials reads the variable once, when it is imported
# (`utils/auth_util.py`); set later (in `pytest_configure`, say), it would not stop the ECS RAM-role
# provider from calling 100.100.100.200. botocore reads its variable at call time.
os.environ["ALIBABA_CLOUD_ECS_METADATA_DISABLED"] = "true"
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"

import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_cr20181201.client import Client as CrClient
from alibabacloud_eventbridge20200401.client import Client as EventBridgeClient
from alibabacloud_tea_openapi import models as open_api_models
from hypothesis import HealthCheck, settings

from crnotify import redact
from crnotify.emulator.server import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, EmulatorServer
from crnotify.model import EventType, Notify, NotifyMethod, Rule, SecretText
from crnotify.providers import retry
from crnotify.providers.alibaba import _sdk
from crnotify.providers.alibaba.convention import RegistrySpec

FAST_RETRIES = retry.RetryPolicy(initial=0.001, maximum=0.005)


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """The default retry policy (as many tries, the same backoff shape) with millisecond waits."""
    monkeypatch.setattr(retry, "DEFAULT", FAST_RETRIES)


@pytest.fixture(autouse=True)
def forget_secrets() -> Iterator[None]:
    """Each test starts with no remembered secret: `redact` keeps one process-wide set (as the CLI
    does for its one run), and a short token one test resolved ("t") would mask another's output."""
    redact.forget_all()
    yield
    redact.forget_all()


# Hypothesis' 200 ms per-example deadline measures the machine, not the code: on a loaded 2-core CI
# runner it fails tests whose examples are merely slow. Properties are checked; time is for bench/.
settings.register_profile("crnotify", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("crnotify")


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


def outside_rule(name: str = "console-made", token: str = "console-token") -> dict[str, str]:
    """The CreateEventCenterRule parameters of a rule made outside crnotify (in the console, say): a
    build rule of registry `prod` that notifies a DingTalk robot with access token `token`."""
    url = SecretText(template="https://oapi.dingtalk.com/robot/send?access_token=${env:X}").resolve(
        {"X": token}
    )
    notify = Notify(method=NotifyMethod.DINGTALK, url=url)
    rule = Rule(name=name, registry="prod", event_type=EventType.BUILD, notify=notify)
    return RegistrySpec.of(rule).to_params()


@pytest.fixture
def create_event_center_rule() -> Callable[..., dict[str, Any]]:
    """`create_event_center_rule(cr_client, instance_id, params)` → the response body.

    CreateEventCenterRule is not in the SDK: this sends it as crnotify does (`_sdk.create_event_center_rule`,
    the client's generic `call_api`), the parameters in the query (`RegistrySpec.to_params()` builds them).
    """

    def create(client: Any, instance_id: str, params: dict[str, str]) -> dict[str, Any]:
        return _sdk.create_event_center_rule(client, {"InstanceId": instance_id, **params})

    return create


# --- AWS: moto's server -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    """moto's EventBridge and STS over HTTP (ThreadedMotoServer binds 0.0.0.0 unless told otherwise)."""
    from moto.server import ThreadedMotoServer  # noqa: PLC0415 (only the AWS tests pay for moto)

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def aws_env(moto_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """A clean moto and an environment whose boto3 default chain resolves to it and nothing else.

    Returns the variables set, for tests that run the CLI in a subprocess.
    """
    request = urllib.request.Request(f"{moto_url}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
    env = {
        "AWS_ENDPOINT_URL": moto_url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_CONFIG_FILE": str(tmp_path / "aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_EVENTBRIDGE", "AWS_ENDPOINT_URL_STS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env
