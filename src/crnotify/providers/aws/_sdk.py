"""The only module that imports boto3 and botocore, and only when a client is first needed.

Credentials come from boto3's default chain (environment, shared config and credentials files, SSO,
container and instance roles, web identity for CI). Endpoints honour `AWS_ENDPOINT_URL` and
`AWS_ENDPOINT_URL_EVENTBRIDGE` natively (boto3 ≥ 1.28), which is how tests point at moto.

Retries: the *legacy* retry mode, on purpose. botocore's default *standard* mode counts
`LimitExceededException` as throttling and retries it with backoff (research/aws-facts.md §5: 3
attempts measured), although EventBridge uses that code for quota errors that no retry can fix. The
legacy mode's EventBridge policy retries `ThrottlingException`, HTTP 5xx and connection errors with
jittered exponential backoff (`base: rand`, factor 2) and fails fast on `LimitExceededException`, which
`errors.translate` then reports as a quota error.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

DEFAULT_MAX_ATTEMPTS = 5


def session() -> Any:
    """A boto3 session using the default credential chain."""
    import boto3  # noqa: PLC0415 (lazy: `crnotify --help` must not pay for boto3)

    return boto3.session.Session()


def client(session: Any, service: str, region: str, *, max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> Any:
    """A client for `service` in `region`; `max_attempts` counts the first attempt too."""
    from botocore.config import Config  # noqa: PLC0415

    config = Config(
        retries={"mode": "legacy", "total_max_attempts": max_attempts},
        connect_timeout=10,
        read_timeout=30,
        user_agent_extra="crnotify",
    )
    return session.client(service, region_name=region, config=config)


def exceptions() -> ModuleType:
    """`botocore.exceptions`, for `errors.translate`."""
    import botocore.exceptions  # noqa: PLC0415

    module: ModuleType = botocore.exceptions
    return module
