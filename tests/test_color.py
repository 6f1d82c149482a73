"""Colour: one decision (`use_color`) for every command — a terminal, and NO_COLOR unset or empty —
checked on a real pseudo-terminal."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from crnotify.cli._app import use_color

REPO = Path(__file__).resolve().parent.parent


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("stream", "no_color", "expected"),
    [(_Tty(), None, True), (_Tty(), "1", False), (_Tty(), "", True), (io.StringIO(), None, False)],
)
def test_use_color(
    stream: io.StringIO, no_color: str | None, expected: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if no_color is None:
        monkeypatch.delenv("NO_COLOR", raising=False)
    else:
        monkeypatch.setenv("NO_COLOR", no_color)
    assert use_color(stream) is expected


def run_on_a_terminal(args: list[str], **env: str) -> str:
    leader, follower = pty.openpty()
    environment = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    environment.update(PYTHONPATH=str(REPO / "src"), **env)
    with subprocess.Popen(
        [sys.executable, "-m", "crnotify", *args],
        cwd=REPO,
        stdout=follower,
        stderr=subprocess.DEVNULL,
        env=environment,
    ) as process:
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        process.wait()
    os.close(leader)
    return b"".join(chunks).decode()


def test_validate_colours_a_terminal_unless_no_color() -> None:
    args = ["validate", "examples/invalid/unknown-registry.yaml"]
    assert "\x1b[31merror\x1b[0m CRN205" in run_on_a_terminal(args)
    plain = run_on_a_terminal(args, NO_COLOR="1")
    assert "\x1b[" not in plain
    assert "error CRN205" in plain
