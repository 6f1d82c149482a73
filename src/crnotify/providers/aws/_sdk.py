"""The only module that imports boto3 and botocore, and only when a client is first needed.

Credentials come from boto3's default chain (environment, shared config and credentials files, SSO,
container and instance roles, web identity for CI). Endpoints honour `AWS_ENDPOINT_URL` and
`AWS_ENDPOINT_URL_EVENTBRIDGE` natively (boto3 ≥ 1.28), which is how tests point at moto.

Retries: none here (`total_max_attempts=1`). `AwsProvider._call` retries every call under
`providers.retry`, the one policy of both providers: throttling, 5xx and connection errors, with full
jitter and a sleep tests can replace, while LimitExceededException — which botocore's *standard* mode
would retry as throttling although EventBridge uses it for quota errors no retry can fix
(research/aws-facts.md §5) — is translated into a quota error and fails at once.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any


def session() -> Any:
    """A boto3 session using the default credential chain."""
    import boto3  # noqa: PLC0415 (lazy: `crnotify --help` must not pay for boto3)

    return boto3.session.Session()


def client(session: Any, service: str, region: str) -> Any:
    """A client for `service` in `region`, making each call once."""
    from botocore.config import Config  # noqa: PLC0415

    config = Config(
        retries={"mode": "standard", "total_max_attempts": 1},
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


def failures() -> tuple[type[BaseException], ...]:
    """What a botocore call raises: its own errors, and the parser's — a response it cannot read
    (a gateway's HTML error page) is no BotoCoreError but `botocore.parsers.ResponseParserError`."""
    import botocore.exceptions  # noqa: PLC0415
    import botocore.parsers  # noqa: PLC0415

    return (
        botocore.exceptions.BotoCoreError,
        botocore.exceptions.ClientError,
        botocore.parsers.ResponseParserError,
    )
