"""Every command's --help has an "Examples:" section, and every example in it parses with the CLI."""

from __future__ import annotations

from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner

from crnotify.cli import cli
from support.cli_parse import crnotify_commands, parse


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    # list_commands/get_command, not .commands: the top-level group loads its commands lazily.
    yield path
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))
        else:
            yield (*path, name)


COMMANDS = list(_commands(cli))


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "crnotify")
def test_help_has_examples_that_parse(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"], prog_name="crnotify", env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    text = result.output
    assert "Examples:" in text, f"`crnotify {' '.join(path)} --help` has no Examples: section"
    section = text.split("Examples:", 1)[1].split("\n\n", 1)[0]
    examples = [args for line in section.splitlines() for args in crnotify_commands(line.strip())]
    assert examples, section
    for args in examples:
        parse(args)  # raises a UsageError if the example uses an option or command that does not exist
    if path:
        assert any(args[: len(path)] == list(path) for args in examples), "an example of this command"


def test_every_command_is_covered() -> None:
    assert {"validate", "plan", "apply", "drift", "import", "completion"} <= {p[0] for p in COMMANDS if p}
