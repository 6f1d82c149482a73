"""`examples/aws.yaml` end to end against moto's server: every example rule (scan, replication, signing,
push) is planned, applied, planned again with no changes, and imported back exactly.

The config is the example file as shipped, next to the `aws` registry of `examples/registries.yaml`
(the Alibaba registries are left out: they are the emulator's, see test_demo.py). Its `${env:…}`
secrets get stand-in values; they must never be printed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

from support.cli_run import run_cli, user_workdir

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
REGION = "us-east-1"  # the region of the example registry ecr-use1


def example_secrets() -> dict[str, str]:
    names = sorted(
        set(re.findall(r"\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}", (EXAMPLES / "aws.yaml").read_text()))
    )
    return {name: f"stand-in-{name.lower()}-0123456789" for name in names}


SECRETS = example_secrets()
RULES = [rule["name"] for rule in yaml.safe_load((EXAMPLES / "aws.yaml").read_text())["rules"]]


@pytest.fixture
def workdir(tmp_path: Path, aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Path:
    registries = yaml.safe_load((EXAMPLES / "registries.yaml").read_text())
    registries["registries"] = [r for r in registries["registries"] if r["provider"] == "aws"]
    files = {"registries.yaml": yaml.safe_dump(registries), "aws.yaml": (EXAMPLES / "aws.yaml").read_text()}
    return user_workdir(tmp_path, monkeypatch, files, SECRETS)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    return run_cli(capsys, SECRETS.values(), *argv)


def events() -> Any:
    return boto3.client("events", region_name=REGION)


def test_the_examples_apply_and_then_plan_empty(workdir: Path, capsys: Any) -> None:
    assert "ecr-push-release" in RULES
    code, out, err = run(capsys, "plan", "config", "--detailed-exitcode")
    assert code == 2, err
    assert f"Plan: {len(RULES)} to create, 0 to update, 0 to delete." in out
    code, out, err = run(capsys, "apply", "config", "--auto-approve")
    assert code == 0, out + err
    code, out, err = run(capsys, "plan", "config", "--detailed-exitcode")
    assert (code, out.strip()) == (0, "No changes. The cloud matches the configuration."), out + err
    assert run(capsys, "drift", "config")[0] == 0
    assert sorted(r["Name"] for r in events().list_rules()["Rules"]) == sorted(RULES)

    # The push rule as AWS holds it: only completed pushes of release tags to team-a/api.
    push = events().describe_rule(Name="ecr-push-release")
    assert json.loads(push["EventPattern"]) == {
        "source": ["aws.ecr"],
        "detail-type": ["ECR Image Action"],
        "detail": {
            "action-type": ["PUSH"],
            "result": ["SUCCESS"],
            "repository-name": ["team-a/api"],
            "image-tag": [{"prefix": "v"}],
        },
    }
    [target] = events().list_targets_by_rule(Rule="ecr-push-release")["Targets"]
    transformer = target["InputTransformer"]
    assert transformer["InputPathsMap"] == {
        "digest": "$.detail.image-digest",
        "repository": "$.detail.repository-name",
        "tag": "$.detail.image-tag",
        "time": "$.time",
    }
    assert json.loads(transformer["InputTemplate"].replace("<", "").replace(">", "")) == {
        "image": "repository:tag",
        "digest": "digest",
        "pushed_at": "time",
    }


def test_the_examples_import_back_as_declared(workdir: Path, capsys: Any) -> None:
    assert run(capsys, "apply", "config", "--auto-approve")[0] == 0
    client = events()
    for name in RULES:  # hand the rules over as if another tool had made them
        arn = client.describe_rule(Name=name)["Arn"]
        client.untag_resource(
            ResourceARN=arn, TagKeys=["crnotify:managed", "crnotify:registry", "crnotify:spec"]
        )
    (workdir / "config" / "aws.yaml").unlink()

    code, out, err = run(
        capsys, "import", "config", "--registry", "ecr-use1", "--adopt", "--all", "--out", "imported.yaml"
    )
    assert code == 0, out + err
    assert f"Adopted {len(RULES)} rule(s)" in err
    imported = yaml.safe_load((workdir / "imported.yaml").read_text())
    push = next(r for r in imported["rules"] if r["name"] == "ecr-push-release")
    assert (push["event"], push["tags"], push["notify"]["https"]["token"]) == (
        "push",
        "v.*",
        "${env:DEPLOY_HOOK_TOKEN}",
    )
    (workdir / "config" / "aws.yaml").write_text((workdir / "imported.yaml").read_text())
    code, out, err = run(capsys, "plan", "config", "--detailed-exitcode")
    assert (code, out.strip()) == (0, "No changes. The cloud matches the configuration."), out + err
