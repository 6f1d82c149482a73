"""Command-line interface: one module per command, registered here; `main` is the entry point."""

from __future__ import annotations

from crnotify.cli._app import cli, main
from crnotify.cli.apply import apply_command
from crnotify.cli.drift import drift_command
from crnotify.cli.emulator import emulator
from crnotify.cli.emulator_dingtalk import dingtalk
from crnotify.cli.import_ import import_command
from crnotify.cli.match import match
from crnotify.cli.plan import plan_command
from crnotify.cli.test_cmd import test
from crnotify.cli.trace import trace_command
from crnotify.cli.validate import validate

emulator.add_command(dingtalk)
cli.add_command(validate)
cli.add_command(plan_command)
cli.add_command(apply_command)
cli.add_command(drift_command)
cli.add_command(import_command)
cli.add_command(match)
cli.add_command(test)
cli.add_command(trace_command)
cli.add_command(emulator)

__all__ = ["cli", "main"]
