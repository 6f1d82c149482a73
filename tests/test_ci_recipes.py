"""The CI recipes (examples/ci/*.yml), the pre-commit hook and the docs cannot drift from the CLI: every
`crnotify …` command line in them parses with the real click CLI, the recipes use the flags CI needs,
and the jobs' scripts run in bash in tests/test_ci_saved_plan.py."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from support.cli_parse import crnotify_commands, parse

REPO = Path(__file__).resolve().parent.parent
GITHUB = REPO / "examples" / "ci" / "github-actions.yml"
GITLAB = REPO / "examples" / "ci" / "gitlab-ci.yml"
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def _scripts(node: Any) -> Iterator[str]:
    """Every shell script in a workflow: GitHub `run:` values, GitLab `script`-like lists."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "run" and isinstance(value, str):
                yield value
            elif key in {"script", "before_script", "after_script"} and isinstance(value, list):
                yield from (line for line in value if isinstance(line, str))
            else:
                yield from _scripts(value)
    elif isinstance(node, list):
        for item in node:
            yield from _scripts(item)


def recipe_commands(path: Path) -> list[list[str]]:
    return [cmd for script in _scripts(yaml.safe_load(path.read_text())) for cmd in crnotify_commands(script)]


@pytest.mark.parametrize("path", [GITHUB, GITLAB], ids=lambda p: p.name)
def test_every_command_in_the_recipes_parses(path: Path) -> None:
    commands = recipe_commands(path)
    assert len(commands) >= 5
    for args in commands:
        parse(args)  # raises click.UsageError (unknown option, bad choice, missing argument) on drift


@pytest.mark.parametrize("path", [GITHUB, GITLAB], ids=lambda p: p.name)
def test_the_recipes_do_what_the_issue_asks(path: Path) -> None:
    used = {
        (ctx.info_name, tuple(sorted(ctx.params.items(), key=str)))
        for ctx in map(parse, recipe_commands(path))
    }
    flags = {(name, key, value) for name, params in used for key, value in params}
    assert ("validate", "fmt", "sarif") in flags
    assert ("plan", "fmt", "markdown") in flags
    assert ("plan", "detailed_exitcode", True) in flags
    assert any(name == "plan" and key == "out" and value for name, key, value in flags)
    # The reviewed plan is applied (issue 16 item 4), never a fresh re-plan; forks plan locally.
    # (`parse` stops short of `apply --plan plan.json`: the file does not exist here; read the words.)
    applies = [args for args in recipe_commands(path) if args[0] == "apply"]
    assert applies == [["apply", "--plan", "plan.json", "--format", "json"]]
    assert ("plan", "local", True) in flags
    assert ("drift", "fmt", "markdown") in flags
    assert any(name == "test" and key == "events_path" and value for name, key, value in flags)
    if path == GITHUB:
        assert ("validate", "fmt", "github") in flags


def test_recipes_use_short_lived_credentials_only() -> None:
    for path in (GITHUB, GITLAB):
        text = path.read_text()
        assert "ACCESS_KEY_SECRET" not in text
        assert "aws-secret-access-key" not in text
    github = yaml.safe_load(GITHUB.read_text())
    assert github["permissions"]["id-token"] == "write"
    assert yaml.safe_load(GITLAB.read_text())["default"]["id_tokens"]


def test_the_pre_commit_entry_parses() -> None:
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    args = shlex.split(hook["entry"])
    assert args[0] == "crnotify"
    assert parse([*args[1:], "notifications/"]).info_name == "validate"


def _doc_commands() -> Iterator[tuple[str, list[str]]]:
    for path in DOCS:
        for kind, block in re.findall(
            r"```(sh|bash|console|shell)\n(.*?)```", path.read_text(), flags=re.DOTALL
        ):
            for line in block.splitlines():
                if kind == "console" and not line.startswith("$ "):
                    continue  # console blocks show output too; only `$ ` lines are commands
                for args in crnotify_commands(line.removeprefix("$ ")):
                    yield f"{path.name}: {line}", args


def test_every_command_in_the_docs_parses() -> None:
    seen = 0
    for where, args in _doc_commands():
        try:
            parse(args)
        except click.UsageError as exc:
            pytest.fail(f"{where}: {exc}")
        seen += 1
    assert seen >= 10
