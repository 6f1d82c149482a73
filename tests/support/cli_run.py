"""Test helper: run `crnotify` in-process as a user would, from a working directory of YAML files.

    workdir = user_workdir(tmp_path, monkeypatch, {"rules.yaml": RULES}, SECRETS, alibaba_keys=True)
    code, out, err = run_cli(capsys, SECRETS, "plan", "config")

Imported like tests/support/cli_parse.py (pytest puts tests/ on sys.path through tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

from crnotify.cli import main
from crnotify.emulator.server import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET

# The variables the CLI itself reads for where and how to call the cloud: a developer's shell must not
# steer a test (`CRNOTIFY_LOCAL=1` would send every command to the embedded cloud).
CLI_VARIABLES = ("CRNOTIFY_ENDPOINT", "CRNOTIFY_LOCAL", "CRNOTIFY_MAX_ATTEMPTS", "CRNOTIFY_ROBOT")


def user_workdir(
    root: Path,
    monkeypatch: pytest.MonkeyPatch,
    files: Mapping[str, str],
    secrets: Mapping[str, str],
    *,
    alibaba_keys: bool = False,
) -> Path:
    """`root/config/<name>` for each file, the process in `root`, the `${env:…}` secrets set, the CLI's
    own variables cleared and colour off; `alibaba_keys` adds the emulator's key pair as the Alibaba
    Cloud credentials. Returns `root`."""
    (root / "config").mkdir()
    for name, text in files.items():
        (root / "config" / name).write_text(text)
    monkeypatch.chdir(root)
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    if alibaba_keys:
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", DEFAULT_ACCESS_KEY_ID)
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", DEFAULT_ACCESS_KEY_SECRET)
    for name in CLI_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    return root


def run_cli(capsys: pytest.CaptureFixture[str], secrets: Iterable[str], *argv: str) -> tuple[int, str, str]:
    """`crnotify *argv` in this process → (exit code, stdout, stderr); fails if stdout or stderr shows
    any of the `secrets` (values, not names: pass `SECRETS.values()`)."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    for value in secrets:
        assert value not in out + err, f"a secret was printed by crnotify {' '.join(argv)}"
    return code, out, err
