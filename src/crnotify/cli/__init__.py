"""Command-line interface: one module per command, registered here; `main` is the entry point."""

from __future__ import annotations

from crnotify.cli._app import cli, main
from crnotify.cli.emulator import emulator

cli.add_command(emulator)

__all__ = ["cli", "main"]
