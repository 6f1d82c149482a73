"""Structural guards: every module imports alone in a fresh interpreter (no cycles, no import-time I/O),
and the light commands do not pay for the cloud SDKs."""

from __future__ import annotations

import ast
import importlib
import inspect
import os
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

import crnotify
import crnotify.render
from crnotify.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
# Subprocesses import this checkout's code, not whatever `crnotify` the interpreter has installed.
ENV = {**os.environ, "PYTHONPATH": str(SRC)}

MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(crnotify.__path__, prefix="crnotify.")
    if not m.name.endswith("__main__")
)


@pytest.mark.parametrize("module", MODULES)
def test_module_imports_alone(module: str) -> None:
    code = (
        "import socket, sys\n"
        "def refuse(*a, **k): raise RuntimeError('network I/O at import time')\n"
        "socket.socket.connect = refuse\n"
        f"import {module}\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, env=ENV
    )
    assert result.returncode == 0, result.stderr


def _help_argvs(group: click.Group, prefix: tuple[str, ...] = ()) -> list[list[str]]:
    """`--help` of the group and of every command under it, nested groups included."""
    argvs = [[*prefix, "--help"]]
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        if isinstance(command, click.Group):
            argvs.extend(_help_argvs(command, (*prefix, name)))
        else:
            argvs.append([*prefix, name, "--help"])
    return argvs


HEAVY = ("boto3", "botocore", "alibabacloud_", "darabonba", "moto", "requests", "urllib3", "aiohttp")
LIGHT_ARGVS = [*_help_argvs(cli), ["validate", "examples/"], ["validate", "--format", "json", "examples/"]]


@pytest.mark.parametrize("argv", LIGHT_ARGVS, ids=" ".join)
def test_light_commands_do_not_import_cloud_sdks(argv: list[str]) -> None:
    """`--help` of every command, and validate, never pay for a cloud SDK or an HTTP stack."""
    code = (
        "import sys\n"
        "from crnotify.cli import main\n"
        f"rc = main({argv!r})\n"
        f"heavy = sorted(m for m in sys.modules if m.split('.')[0].startswith({HEAVY!r}))\n"
        "print(heavy)\n"
        "sys.exit(rc)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, env=ENV, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_a_command_imports_its_own_module_only() -> None:
    """Commands load lazily: `validate` does not import the modules of plan, apply, emulator…"""
    code = (
        "import sys\n"
        "from crnotify.cli import main\n"
        "rc = main(['validate', 'examples/'])\n"
        "commands = [m for m in sys.modules if m.startswith('crnotify.cli.')]\n"
        "print(sorted(m for m in commands if not m.startswith('crnotify.cli._')))  # _app, _progress\n"
        "sys.exit(rc)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, env=ENV, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "['crnotify.cli.validate']"


# Each third-party parser sits behind one module of the tool (DESIGN.md §3, research/aesthetics.md §8).
# The emulator is a stand-in for the cloud with files of its own, not part of the tool's config path.
# Retries likewise: one policy, on tenacity, for both providers (issue 7: no hand-written loops).
ONLY_IMPORTER = {
    "yaml": "crnotify/config/yaml_load.py",
    "jsonschema": "crnotify/config/schema.py",
    "tenacity": "crnotify/providers/retry.py",
}
OUTSIDE_THE_TOOL = "crnotify/emulator/"
# Delivery and `crnotify test` wait through one injectable clock (its sleep is what a clock is for).
THE_CLOCK = "crnotify/clock.py"


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_yaml_and_jsonschema_are_each_imported_by_one_module() -> None:
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        if relative.startswith(OUTSIDE_THE_TOOL):
            continue
        for package in _imported_roots(path) & set(ONLY_IMPORTER):
            assert relative == ONLY_IMPORTER[package], f"{relative} imports {package}"


def test_only_the_retry_policy_waits() -> None:
    """A `sleep(…)` call anywhere else in the tool would be a retry loop of its own."""
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        if relative.startswith(OUTSIDE_THE_TOOL) or relative in {ONLY_IMPORTER["tenacity"], THE_CLOCK}:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                on_the_clock = (
                    isinstance(node.func, ast.Attribute) and getattr(node.func.value, "id", "") == "clock"
                )
                if on_the_clock:  # the push-retry schedules of delivery wait on the injectable clock
                    continue
                name = getattr(node.func, "attr", getattr(node.func, "id", ""))
                assert "sleep" not in name.lower(), (
                    f"{relative}:{node.lineno} waits: retry through providers.retry"
                )


# render/__init__.py: one subject in one format per module, entry `render(...) -> str`.
RENDERER_NAME = re.compile(r"[a-z]+(?:_[a-z]+)*_(?:text|json|markdown|sarif|github|mermaid)")
RENDERERS = sorted(
    m.name for m in pkgutil.iter_modules(crnotify.render.__path__) if not m.name.startswith("_")
)


def test_renderers_follow_one_naming_convention() -> None:
    assert len(RENDERERS) >= 15  # the walk found the package's modules, not an empty path
    for name in RENDERERS:
        assert RENDERER_NAME.fullmatch(name), f"render/{name}.py is not <subject>_<format>"


@pytest.mark.parametrize("name", RENDERERS)
def test_every_renderer_has_a_pure_render_entry(name: str) -> None:
    module = importlib.import_module(f"crnotify.render.{name}")
    entry = getattr(module, "render", None)
    assert inspect.isfunction(entry), f"render/{name}.py defines no render()"
    assert entry.__module__ == module.__name__, f"render/{name}.py imports its render() from elsewhere"
    assert inspect.signature(entry, eval_str=True).return_annotation is str
