"""`crnotify emulator …`: local stand-ins for the cloud services crnotify talks to."""

from __future__ import annotations

import click

from crnotify.cli.emulator_dingtalk import dingtalk


@click.group("emulator")
def emulator() -> None:
    """Local emulators: the cloud APIs, and the endpoints notifications are delivered to."""


emulator.add_command(dingtalk)
