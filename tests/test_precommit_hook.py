"""The pre-commit hook validates the whole config: pre-commit passes no file names (a rules file alone
would lack the registries declared in another file), `args` names the config."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
import yaml

from crnotify.cli import main

REPO = Path(__file__).resolve().parent.parent
HOOKS = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())

REGISTRIES = """\
version: 1
registries:
  - {name: prod-hz, provider: alibaba, region: cn-hangzhou, instance_id: cri-abc123}
"""
RULES = """\
version: 1
rules:
  - name: build-failures
    registry: prod-hz
    event: build
    scope: instance
    notify: {https: {url: "https://hooks.example.com/acr"}}
"""


def test_the_hook_passes_no_file_names_and_runs_once() -> None:
    (hook,) = HOOKS
    assert hook["id"] == "crnotify-validate"
    assert hook["pass_filenames"] is False
    assert hook["require_serial"] is True
    assert hook["language"] == "python"
    assert shlex.split(hook["entry"]) == ["crnotify", "validate"]


def test_a_config_split_across_files_needs_the_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "notifications"
    config.mkdir()
    (config / "registries.yaml").write_text(REGISTRIES)
    (config / "team-a.yaml").write_text(RULES)
    monkeypatch.chdir(tmp_path)
    entry = shlex.split(HOOKS[0]["entry"])[1:]
    # What pre-commit would run if it passed the one changed file: the registry is unknown.
    assert main([*entry, "notifications/team-a.yaml"]) == 1
    assert "CRN205" in capsys.readouterr().out
    # What the hook runs with `args: [notifications/]` and no file names: valid.
    assert main([*entry, "notifications/"]) == 0
    assert "valid: 0 errors" in capsys.readouterr().out
