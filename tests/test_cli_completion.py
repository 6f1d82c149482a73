"""Shell completion: the script `crnotify completion bash` prints, sourced in a real bash, completes
commands and --format choices by calling crnotify back through click's protocol."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from crnotify.cli import main

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def crnotify_on_path(tmp_path: Path) -> dict[str, str]:
    """An environment whose PATH has a `crnotify` that runs this checkout."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "crnotify"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m crnotify "$@"\n')
    script.chmod(0o755)
    return {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(REPO / "src"),
    }


def complete_in_bash(env: dict[str, str], words: list[str]) -> list[str]:
    quoted = " ".join(f"'{w}'" for w in words)
    program = (
        "source <(crnotify completion bash)\n"
        f"COMP_WORDS=({quoted}); COMP_CWORD={len(words) - 1}\n"
        "_crnotify_completion crnotify\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    result = subprocess.run(
        ["bash", "-c", program], capture_output=True, text=True, env=env, check=False, cwd=REPO
    )
    assert result.returncode == 0, result.stderr
    return [line for line in result.stdout.splitlines() if line]


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_completes_commands_and_format_choices(crnotify_on_path: dict[str, str]) -> None:
    assert complete_in_bash(crnotify_on_path, ["crnotify", "val"]) == ["validate"]
    assert complete_in_bash(crnotify_on_path, ["crnotify", "validate", "--format", ""]) == [
        "text",
        "json",
        "sarif",
        "github",
    ]
    assert "completion" in complete_in_bash(crnotify_on_path, ["crnotify", ""])


@pytest.mark.parametrize(
    ("shell", "marker"), [("bash", "complete -o"), ("zsh", "compdef"), ("fish", "complete")]
)
def test_each_shell_gets_its_script(shell: str, marker: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["completion", shell]) == 0
    out = capsys.readouterr().out
    assert "_CRNOTIFY_COMPLETE" in out
    assert marker in out


def test_unknown_shell_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["completion", "tcsh"]) == 1
    assert "'tcsh' is not one of" in capsys.readouterr().err
