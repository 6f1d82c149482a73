"""The only module that imports the Alibaba Cloud SDKs: it builds the Container Registry (2018-12-01)
and EventBridge (2020-04-01) clients for one region, and makes the one call the SDK lacks.

Credentials: an explicit key pair (the local emulator's) or else `alibabacloud_credentials`' default
chain — environment, profile files, OIDC role (CI), ECS RAM role — resolved lazily at the first call.
An explicit `endpoint` (`host:port`, an emulator) is spoken to over plain HTTP; otherwise the SDKs'
own regional endpoints over HTTPS (research/alibaba-facts.md §1.2, §2.1).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from alibabacloud_cr20181201 import models as cr_models
from alibabacloud_cr20181201.client import Client as CrClient
from alibabacloud_credentials.client import Client as CredentialClient
from alibabacloud_eventbridge20200401 import models as eventbridge_models
from alibabacloud_eventbridge20200401.client import Client as EventBridgeClient
from alibabacloud_tea_openapi.client import Client as OpenApiClient
from alibabacloud_tea_openapi.utils_models import Config, OpenApiRequest, Params
from darabonba.runtime import RuntimeOptions

from crnotify.providers.retry import DEFAULT, RetryPolicy

CR_VERSION = "2018-12-01"
STS_VERSION = "2015-04-01"


def _route_credential_logs_through_crnotify() -> None:
    """`alibabacloud_credentials` gives its `credentials` logger a stderr handler of its own when its
    providers are imported (provider/ecs_ram_role.py, oauth.py, refreshable.py, external.py). Records
    written there — the chain's failures, with tracebacks — would bypass crnotify's secret-masking
    handler; without it they propagate to the root logger, where that handler sits."""
    logger = logging.getLogger("credentials")
    for handler in list(logger.handlers):
        if type(handler) is logging.StreamHandler:
            logger.removeHandler(handler)


_route_credential_logs_through_crnotify()


class SharedCredential:
    """One default-chain credential client for every client of a provider, safe across threads.

    The chain is resolved at the first call and its session credentials (an ECS RAM role, an STS
    role from a profile) are cached until they near expiry, but `alibabacloud_credentials` does not
    lock that: concurrent first calls would each resolve the chain and fetch credentials again. One
    shared client behind a lock resolves them once per run, however many regions and threads.
    """

    def __init__(self) -> None:
        self._client = CredentialClient()  # nothing is resolved until a call
        self._lock = threading.Lock()

    def get_credential(self) -> Any:
        with self._lock:
            return self._client.get_credential()

    def __getattr__(self, name: str) -> Any:  # the rest of CredentialClient's interface, as is
        return getattr(self._client, name)


@dataclass(frozen=True, slots=True, kw_only=True)
class Connection:
    region: str
    endpoint: str | None = None  # `host:port` of an emulator; None = the real regional endpoints
    access_key: tuple[str, str] | None = None  # explicit pair; None = the default chain
    credential: SharedCredential | None = None  # the default chain's client, shared; None = a new one


@dataclass(frozen=True, slots=True)
class Clients:
    cr: Any
    eventbridge: Any
    retry: RetryPolicy = field(default=DEFAULT)  # how every call through these clients is retried


def runtime() -> Any:
    """Per-call options: bounded timeouts, no SDK-side retries: `errors.call` retries, in one place,
    only what is safe to repeat, with jittered backoff and a sleep tests can replace."""
    return RuntimeOptions(autoretry=False, read_timeout=15_000, connect_timeout=5_000)


def _config(connection: Connection) -> Any:
    config = Config(region_id=connection.region, user_agent="crnotify")
    if connection.access_key is not None:
        config.access_key_id, config.access_key_secret = connection.access_key
    else:
        config.credential = connection.credential or SharedCredential()
    if connection.endpoint is not None:
        config.endpoint = connection.endpoint
        config.protocol = "http"
    return config


def clients(connection: Connection, retry: RetryPolicy = DEFAULT) -> Clients:
    return Clients(
        cr=CrClient(_config(connection)), eventbridge=EventBridgeClient(_config(connection)), retry=retry
    )


def rpc_params(action: str, version: str = CR_VERSION) -> Any:
    """An RPC action for a client's generic `call_api`, shaped like the SDK's own (POST, parameters in
    the query, ACS3-HMAC-SHA256 signed). The client's `Config.protocol` decides HTTP or HTTPS."""
    return Params(
        action=action,
        version=version,
        protocol="HTTPS",
        pathname="/",
        method="POST",
        auth_type="AK",
        style="RPC",
        req_body_type="formData",
        body_type="json",
    )


def create_event_center_rule(
    cr: Any, query: dict[str, str], action: str = "CreateEventCenterRule"
) -> dict[str, Any]:
    """`CreateEventCenterRule` is not in the published SDK (research/alibaba-facts.md §1.1): call it
    as a raw RPC action through the client's generic `call_api`, like its sibling
    `UpdateEventCenterRule`. `action`: the emulator's console create takes the same parameters."""
    return _raw(cr, rpc_params(action), query)


def _raw(client: Any, params: Any, query: dict[str, str]) -> dict[str, Any]:
    response = client.call_api(params, OpenApiRequest(query=query), runtime())
    body = response.get("body") if isinstance(response, dict) else None
    return body if isinstance(body, dict) else {}


def caller_identity(connection: Connection) -> dict[str, Any]:
    """STS `GetCallerIdentity` (2015-04-01): who the credentials are. No STS SDK is installed, so the
    generic OpenAPI client makes it, at the regional STS endpoint (`sts.<region>.aliyuncs.com`,
    https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-getcalleridentity)
    or the emulator."""
    config = _config(connection)
    if connection.endpoint is None:
        config.endpoint = f"sts.{connection.region}.aliyuncs.com"
    return _raw(OpenApiClient(config), rpc_params("GetCallerIdentity", STS_VERSION), {})


__all__ = [
    "Clients",
    "Connection",
    "SharedCredential",
    "caller_identity",
    "clients",
    "cr_models",
    "create_event_center_rule",
    "eventbridge_models",
    "rpc_params",
    "runtime",
]
