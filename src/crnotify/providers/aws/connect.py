"""Where AWS calls go: boto3's default chain and endpoints (`AWS_ENDPOINT_URL`).

The embedded local cloud emulates Alibaba Cloud only and nothing under `--local` may reach a real
cloud, so there aws registries are skipped (the commands say so) unless `AWS_ENDPOINT_URL` points
every AWS call (EventBridge and STS) somewhere explicit, such as a local moto server.
"""

# ruff: noqa: PLC0415 -- boto3 loads only when a session connects

from __future__ import annotations

import os
from collections.abc import Sequence
from contextlib import ExitStack

from crnotify.model import Registry
from crnotify.providers.base import Connection, Provider


def connect(registries: Sequence[Registry], how: Connection, stack: ExitStack) -> Provider | None:
    environment = os.environ if how.env is None else how.env
    if how.local and not environment.get("AWS_ENDPOINT_URL"):
        return None
    from crnotify.providers.aws.provider import AwsProvider

    return AwsProvider(env=environment, concurrency=how.concurrency)
