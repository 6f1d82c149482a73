"""`crnotify validate` end to end: exit codes, formats, default path, and both entry points."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import click
import pytest

from crnotify.cli import cli, main
from crnotify.cli._logging import configure_logging

REPO = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(REPO / "src")}
# Every command there is; a new one is added here too (and needs an "Examples:" help, test_cli_help).
COMMANDS = [
    "apply",
    "completion",
    "doctor",
    "drift",
    "emulator",
    "health",
    "import",
    "map",
    "match",
    "plan",
    "replay",
    "test",
    "trace",
    "unlock",
    "validate",
]


@pytest.mark.parametrize(
    "argv",
    [
        [sys.executable, "-m", "crnotify", "--help"],
        [sys.executable, "-c", "from crnotify.cli import main; main()", "--help"],
    ],
    ids=["python -m crnotify", "console script entry point"],
)
def test_help_lists_the_commands(argv: list[str]) -> None:
    env = {**ENV, "COLUMNS": "80"}
    result = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: crnotify ")
    listed = result.stdout.split("Commands:\n", 1)[1]
    names = re.findall(r"^  (\S+)  ", listed, flags=re.MULTILINE)
    assert names == cli.list_commands(click.Context(cli)) == COMMANDS
    assert "..." not in listed  # whole first sentences, wrapped, not cut at the terminal's width


def test_the_console_script_is_the_entry_point_tested_above() -> None:
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"crnotify": "crnotify.cli:main"}


def test_python_m_validate_exit_codes() -> None:
    ok = subprocess.run(
        [sys.executable, "-m", "crnotify", "validate", "examples/"],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=ENV,
        check=False,
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    bad = subprocess.run(
        [sys.executable, "-m", "crnotify", "validate", "examples/invalid/duplicate-key.yaml"],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=ENV,
        check=False,
    )
    assert bad.returncode == 1
    assert "examples/invalid/duplicate-key.yaml:17:5: error CRN005" in bad.stdout


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    rc = main(argv)
    out, err = capsys.readouterr()
    return rc, out, err


def test_default_path_is_the_current_directory(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO / "examples")
    rc, out, _ = run(["validate"], capsys)
    assert rc == 0
    assert "in 4 files; 3 registries, 11 rules" in out
    assert out.startswith("aws.yaml:")  # paths as the user would type them from here


def test_json_format(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    rc, out, _ = run(["validate", "examples", "--format", "json"], capsys)
    document = json.loads(out)
    assert rc == 0
    assert document["format_version"] == 1
    assert document["valid"] is True
    assert document["summary"]["rules"] == len(document["rules"]) == 11
    assert all(d["severity"] == "warning" and d["line"] for d in document["diagnostics"])

    rc, out, _ = run(["validate", "examples/invalid/unknown-registry.yaml", "--format", "json"], capsys)
    document = json.loads(out)
    assert rc == 1
    assert document["valid"] is False
    assert document["rules"] is None
    (d,) = document["diagnostics"]
    assert (d["code"], d["file"], d["line"], d["col"], d["path"]) == (
        "CRN205",
        "examples/invalid/unknown-registry.yaml",
        11,
        15,
        "rules[0].registry",
    )


def test_nothing_to_read_is_an_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rc, out, _ = run(["validate", str(tmp_path)], capsys)
    assert rc == 1
    assert f"{tmp_path}: error CRN002" in out
    rc, out, _ = run(["validate", str(tmp_path / "missing.yaml")], capsys)
    assert rc == 1
    assert "error CRN001" in out


def test_usage_errors_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = run(["validate", "--format", "xml"], capsys)
    assert rc == 1
    assert "xml" in err


def test_verbose_validate_logs_the_files_read(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    root = logging.getLogger()
    level = root.level
    try:
        rc, _, err = run(["-v", "validate", "examples/warnings/tag-anchored-start.yaml"], capsys)
    finally:
        configure_logging(0)
        root.setLevel(level)
    assert rc == 0
    assert err == (
        "INFO crnotify.validate: read 1 YAML file(s): examples/warnings/tag-anchored-start.yaml\n"
        "INFO crnotify.validate: 0 error(s), 1 warning(s)\n"
    )
    rc, _, err = run(["validate", "examples/warnings/tag-anchored-start.yaml"], capsys)
    assert (rc, err) == (0, "")
