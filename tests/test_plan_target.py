"""Saved plans are tied to their target (issue 16 item 3).

A plan file records, per cloud, the account of the credentials (on Alibaba Cloud the default bus's
ARN names it; on AWS, sts:GetCallerIdentity) and where the calls went ("local", the emulator
endpoint, or "real"), plus the regions; `apply --plan` refuses any other target, naming both, before
anything is written — the apply lock's lease included. Config paths are stored relative to the plan
file, so a moved checkout still applies its plan. The accounts differ because the emulator derives
an account id from the access key id (`emulator.state.account_id_for`).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_eventbridge20200401 import models as eb_models

from crnotify import planfile
from crnotify.emulator.server import EmulatorServer
from support.cli_run import run_cli, user_workdir

SECRETS = {"HOOK_TOKEN": "hook-token-0123456789"}
CONFIG = """\
version: 1
registries:
  - {name: prod, provider: alibaba, region: cn-hangzhou, instance_id: cri-target01}
rules:
  - name: scan-api
    registry: prod
    event: scan
    scope: {namespaces: [team-a]}
    notify:
      https: {url: https://hooks.example.com/acr, token: "${env:HOOK_TOKEN}"}
"""
OTHER_KEYS = ("LTAI5tOtherAccount0000001", "other-account-secret-0123456789abcdef")


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "checkout").mkdir()
    return user_workdir(tmp_path / "checkout", monkeypatch, {"c.yaml": CONFIG}, SECRETS, alibaba_keys=True)


@pytest.fixture
def other_account() -> Iterator[EmulatorServer]:
    """A second emulator whose one key pair belongs to another account."""
    server = EmulatorServer(access_key_id=OTHER_KEYS[0], access_key_secret=OTHER_KEYS[1]).start()
    try:
        yield server
    finally:
        server.stop()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    return run_cli(capsys, SECRETS.values(), *argv)


def test_the_plan_file_records_the_target_and_relative_paths(
    workdir: Path, emulator: EmulatorServer, capsys: Any
) -> None:
    assert run(capsys, "plan", "config", "--out", "plan.json", "--endpoint", emulator.endpoint)[0] == 0
    document = json.loads((workdir / "plan.json").read_text())
    assert document["target"] == {
        "clouds": [{"cloud": "alibaba", "account": emulator.account_id, "endpoint": emulator.endpoint}],
        "regions": ["cn-hangzhou"],
    }
    assert document["config_paths"] == ["config"]


def test_a_plan_made_against_one_account_is_refused_against_another(
    workdir: Path,
    emulator: EmulatorServer,
    other_account: EmulatorServer,
    capsys: Any,
    monkeypatch: pytest.MonkeyPatch,
    eventbridge_client_factory: Callable[..., Any],
) -> None:
    assert run(capsys, "plan", "config", "--out", "plan.json", "--endpoint", emulator.endpoint)[0] == 0
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", OTHER_KEYS[0])
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", OTHER_KEYS[1])
    code, out, err = run(
        capsys, "apply", "--plan", "plan.json", "--auto-approve", "--endpoint", other_account.endpoint
    )
    assert code == 1
    assert "Apply complete" not in out
    assert err.startswith(
        f"Error: the plan in plan.json was made against alibaba account {emulator.account_id} "
        f"({emulator.endpoint}), regions cn-hangzhou, but this apply reaches alibaba account "
        f"{other_account.account_id} ({other_account.endpoint}), regions cn-hangzhou\n"
    )
    assert emulator.account_id != other_account.account_id
    # Nothing was written there, not even the apply lock's lease.
    client = eventbridge_client_factory(
        other_account, access_key_id=OTHER_KEYS[0], access_key_secret=OTHER_KEYS[1]
    )
    listed = client.list_rules(eb_models.ListRulesRequest(event_bus_name="default", limit=100))
    assert listed.body.data.rules in (None, [])


def test_a_local_plan_is_refused_against_an_endpoint(
    workdir: Path, emulator: EmulatorServer, capsys: Any
) -> None:
    """The same (default) key pair, so the same account: the endpoint alone tells them apart."""
    assert run(capsys, "plan", "--local", "config", "--out", "plan.json")[0] == 0
    code, _, err = run(
        capsys, "apply", "--plan", "plan.json", "--auto-approve", "--endpoint", emulator.endpoint
    )
    assert code == 1
    assert f"made against alibaba account {emulator.account_id} (local), regions cn-hangzhou" in err
    assert f"reaches alibaba account {emulator.account_id} ({emulator.endpoint})" in err


def test_a_plan_still_applies_after_the_checkout_moves(
    workdir: Path, emulator: EmulatorServer, capsys: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    at = ("--endpoint", emulator.endpoint)
    assert run(capsys, "plan", "config", "--out", "plan.json", *at)[0] == 0
    moved = tmp_path / "elsewhere" / "checkout"
    shutil.copytree(workdir, moved)
    shutil.rmtree(workdir)  # the old absolute paths name nothing now
    monkeypatch.chdir(moved)
    code, out, err = run(capsys, "apply", "--plan", "plan.json", "--auto-approve", *at)
    assert code == 0, err
    assert "Apply complete" in out
    monkeypatch.chdir(tmp_path)  # and from another directory, naming the plan file by its path
    code, out, err = run(capsys, "plan", str(moved / "config"), "--detailed-exitcode", *at)
    assert (code, out.strip()) == (0, "No changes. The cloud matches the configuration."), err


def test_a_plan_file_of_format_1_is_refused_saying_why(tmp_path: Path) -> None:
    old = tmp_path / "plan.json"
    old.write_text(json.dumps({"kind": "crnotify-plan", "format_version": 1}))
    with pytest.raises(planfile.CrnotifyError, match="earlier crnotify \\(format version 1\\)"):
        planfile.load(old)


def test_an_aws_plan_records_the_caller_s_account_and_endpoint(
    tmp_path: Path, aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    aws = (
        "version: 1\nregistries:\n"
        '  - {name: ecr-prod, provider: aws, region: eu-west-1, account: "123456789012"}\n'
        "rules:\n  - name: ecr-sync\n    registry: ecr-prod\n    event: synchronization\n"
        "    scope: {namespace: team-a, repositories: [api]}\n"
        "    notify:\n      https: {url: https://hooks.example.com/ecr}\n"
    )
    (tmp_path / "checkout").mkdir()
    workdir = user_workdir(tmp_path / "checkout", monkeypatch, {"c.yaml": aws}, {})
    assert run(capsys, "plan", "config", "--out", "plan.json")[0] == 0
    target = json.loads((workdir / "plan.json").read_text())["target"]
    assert target == {
        "clouds": [{"cloud": "aws", "account": "123456789012", "endpoint": aws_env["AWS_ENDPOINT_URL"]}],
        "regions": ["eu-west-1"],
    }
