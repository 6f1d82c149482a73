"""Where AWS calls go: boto3's default chain and endpoints (`AWS_ENDPOINT_URL`).

`--local` and `--endpoint` point the session at an emulator, and the emulator is of Alibaba Cloud
only: nothing in such a session may reach a real cloud (with AWS_PROFILE set it would write to a real
account while the user believes they are trying the emulator). There aws registries are skipped (the
commands say so) unless every AWS call — EventBridge and STS — is pointed somewhere explicit, such as
a local moto server: `AWS_ENDPOINT_URL`, or both service-specific variables.
"""

# ruff: noqa: PLC0415 -- boto3 loads only when a session connects

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from contextlib import ExitStack

from crnotify.model import Registry
from crnotify.providers.base import Connection, Provider


def connect(registries: Sequence[Registry], how: Connection, stack: ExitStack) -> Provider | None:
    environment = os.environ if how.env is None else how.env
    if (how.local or how.endpoint) and not emulated(environment):
        return None
    from crnotify.providers.aws.provider import AwsProvider

    return AwsProvider(env=environment, concurrency=how.concurrency)


def emulated(environment: Mapping[str, str]) -> bool:
    """Whether every call the provider makes (EventBridge and STS) goes to an explicit endpoint."""
    if environment.get("AWS_ENDPOINT_URL"):
        return True
    return all(environment.get(f"AWS_ENDPOINT_URL_{service}") for service in ("EVENTBRIDGE", "STS"))
