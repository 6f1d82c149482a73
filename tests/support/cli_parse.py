"""Test helper: find `crnotify …` commands in shell text and parse them with the real click CLI
without running them, so that recipes, docs and help examples cannot drift from the CLI."""

from __future__ import annotations

import re
import shlex

import click

from crnotify.cli import cli

_OPERATORS = set("|&;<>()")
_KEYWORDS = {"then", "do", "else", "!"}
_STARTS_CRNOTIFY = re.compile(r"(^|[;&|(]|\bthen|\bdo|\belse)\s*crnotify(\s|$)")


def crnotify_commands(script: str) -> list[list[str]]:
    """The argument lists of every `crnotify` command in a shell script: each starts a command (at the
    start of a line, after an operator or `then`/`do`/`else`) and ends at a pipe, redirection or list
    operator. Lines without `crnotify` are not lexed (heredoc bodies need not be shell)."""
    commands: list[list[str]] = []
    for line in script.replace("\\\n", " ").splitlines():
        if "crnotify" not in line:
            continue
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        lexer.commenters = "#"
        try:
            tokens = list(lexer)
        except ValueError:  # a quote that closes on a later line (`--policy-document '{`)
            if _STARTS_CRNOTIFY.search(line):
                raise
            continue
        start = True
        for i, token in enumerate(tokens):
            if set(token) <= _OPERATORS or token in _KEYWORDS:
                start = True
                continue
            if start and token == "crnotify":
                args = []
                for arg in tokens[i + 1 :]:
                    if set(arg) <= _OPERATORS:
                        break
                    args.append(arg)
                commands.append(args)
            start = False
    return commands


def parse(args: list[str]) -> click.Context:
    """Parse like `crnotify ARGS` would, down to the subcommand, without running anything."""
    ctx = cli.make_context("crnotify", list(args))
    while isinstance(ctx.command, click.Group):
        rest = [*getattr(ctx, "_protected_args", []), *ctx.args]  # click ≥ 8.2 keeps the name apart
        name, command, remaining = ctx.command.resolve_command(ctx, rest)
        assert command is not None
        assert name is not None
        try:
            ctx = command.make_context(name, remaining, parent=ctx)
        except click.BadParameter as exc:
            # An example naming an input file (`apply --plan plan.json`) that does not exist here.
            missing = "does not exist" in exc.format_message()
            if missing and exc.param is not None and isinstance(exc.param.type, click.Path):
                return ctx
            raise
    return ctx
