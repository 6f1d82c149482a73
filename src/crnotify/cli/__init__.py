"""Command-line interface: one module per command, registered here; `main` is the entry point.

Commands are registered lazily (`LazyGroup`): a command's module is imported only when that command
runs or `--help` lists it, so `crnotify validate` does not pay for the others.
"""

# ruff: noqa: PLC0415 -- the emulator group is imported when `crnotify emulator …` runs, as the others are

from __future__ import annotations

import click

from crnotify.cli._app import cli, main


def _emulator() -> click.Command:
    from crnotify.cli.emulator import emulator
    from crnotify.cli.emulator_console import console
    from crnotify.cli.emulator_dingtalk import dingtalk
    from crnotify.cli.emulator_publish import publish
    from crnotify.cli.emulator_robot import robot

    emulator.add_command(dingtalk)
    emulator.add_command(robot)
    emulator.add_command(console)
    emulator.add_command(publish)
    return emulator


cli.add_lazy_command("validate", "crnotify.cli.validate:validate")
cli.add_lazy_command("plan", "crnotify.cli.plan:plan_command")
cli.add_lazy_command("apply", "crnotify.cli.apply:apply_command")
cli.add_lazy_command("unlock", "crnotify.cli.unlock:unlock_command")
cli.add_lazy_command("drift", "crnotify.cli.drift:drift_command")
cli.add_lazy_command("import", "crnotify.cli.import_:import_command")
cli.add_lazy_command("match", "crnotify.cli.match:match")
cli.add_lazy_command("map", "crnotify.cli.map:map_command")
cli.add_lazy_command("test", "crnotify.cli.test_cmd:test")
cli.add_lazy_command("trace", "crnotify.cli.trace:trace_command")
cli.add_lazy_command("doctor", "crnotify.cli.doctor:doctor_command")
cli.add_lazy_command("health", "crnotify.cli.health:health_command")
cli.add_lazy_command("replay", "crnotify.cli.replay:replay_command")
cli.add_lazy_command("emulator", _emulator)
cli.add_lazy_command("completion", "crnotify.cli.completion:completion")

__all__ = ["cli", "main"]
