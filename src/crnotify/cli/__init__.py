"""Command-line interface: one module per command, registered here; `main` is the entry point."""

from __future__ import annotations

from crnotify.cli._app import cli, main
from crnotify.cli.emulator import emulator
from crnotify.cli.emulator_dingtalk import dingtalk
from crnotify.cli.match import match
from crnotify.cli.test_cmd import test
from crnotify.cli.validate import validate

emulator.add_command(dingtalk)
cli.add_command(validate)
cli.add_command(match)
cli.add_command(test)
cli.add_command(emulator)

__all__ = ["cli", "main"]
