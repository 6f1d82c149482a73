"""`crnotify apply` converges under faults: with the emulator throttling, failing (503), dropping
connections before and after applying, and adding latency on every call at a seeded rate, repeated
applies reach the declared state within 3 runs, for many seeds. Along the way no owned rule that the
YAML keeps is ever lost, nothing is duplicated, and a rule crnotify does not manage stays byte for byte
what it was.

Two emulators share one SQLite state: the flaky one serves crnotify, the clean one serves the test's
own setup and checks through the official SDKs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from alibabacloud_cr20181201 import models as cr_models
from alibabacloud_cr20181201.client import Client as CrClient
from alibabacloud_eventbridge20200401 import models as eb_models
from alibabacloud_eventbridge20200401.client import Client as EventBridgeClient

from conftest import outside_rule, sdk_config
from crnotify.cli import main
from crnotify.emulator.server import EmulatorServer
from crnotify.providers.alibaba.limits import is_internal
from support.cli_run import run_cli, user_workdir
from support.faultproxy import FaultProxy
from test_aws_cli import REGISTRIES as AWS_REGISTRIES
from test_aws_cli import SCAN, SIGNING, SYNC, rules
from test_aws_cli import SECRETS as AWS_SECRETS

INSTANCE = "cri-faults01"
SECRETS = {"DT_TOKEN": "dt-token-faults-0123", "DT_SECRET": "SECfaults0123", "HOOK_TOKEN": "hook-faults-0123"}
REGISTRIES = f"""\
version: 1
registries:
  - name: prod
    provider: alibaba
    region: cn-hangzhou
    instance_id: {INSTANCE}
"""
DINGTALK = """\
    notify:
      dingtalk:
        webhook: https://oapi.dingtalk.com/robot/send?access_token=${env:DT_TOKEN}
        secret: ${env:DT_SECRET}
"""
BEFORE = f"""\
version: 1
rules:
  - name: keep
    registry: prod
    event: scan
    scope: {{namespace: team-a, repositories: [api]}}
    scan_status: [COMPLETE]
{DINGTALK}    bus:
      description: Release scans
      template: {{format: markdown, title: Scan, text: "### ${{RepoName}}:${{Tag}}"}}
  - name: change
    registry: prod
    event: build
    scope: {{namespaces: [team-a]}}
    notify:
      https: {{url: "https://hooks.example.com/acr", token: "${{env:HOOK_TOKEN}}"}}
  - name: drop
    registry: prod
    event: delivery-chain
    scope: instance
{DINGTALK}"""
AFTER = f"""\
version: 1
rules:
  - name: keep
    registry: prod
    event: scan
    scope: {{namespace: team-a, repositories: [api]}}
    scan_status: [COMPLETE]
{DINGTALK}    bus:
      description: Release scans
      template: {{format: markdown, title: Scan, text: "### ${{RepoName}}:${{Tag}}"}}
  - name: change
    registry: prod
    event: build
    scope: {{namespaces: [team-a, team-b]}}
    tags: "v.*"
    notify:
      https: {{url: "https://hooks.example.com/v2", token: "${{env:HOOK_TOKEN}}"}}
    bus:
      enabled: false
  - name: add
    registry: prod
    event: scan
    scope: {{namespaces: [team-b]}}
{DINGTALK}    bus:
      description: New one
"""
SEEDS = range(30)
FAULT_RATE = 0.4


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    files = {"registries.yaml": REGISTRIES, "rules.yaml": BEFORE}
    return user_workdir(tmp_path, monkeypatch, files, SECRETS, alibaba_keys=True)


@pytest.fixture
def clean(tmp_path: Path) -> Iterator[EmulatorServer]:
    with EmulatorServer(state_path=str(tmp_path / "cloud.sqlite3")) as server:
        yield server


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code, out, err = run_cli(capsys, SECRETS.values(), *argv)
    return code, out + err


def snapshot(server: EmulatorServer) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    """(ACR rule name → id, bus rule name → GetRule's data as the wire returns it)."""
    cr, eventbridge = CrClient(sdk_config(server)), EventBridgeClient(sdk_config(server))
    names = cr.list_event_center_rule_name(
        cr_models.ListEventCenterRuleNameRequest(instance_id=INSTANCE)
    ).body.to_map()["RuleNames"]
    acr = {item["RuleName"]: item["RuleId"] for item in names}
    assert len(acr) == len(names), f"duplicate registry rules: {names}"
    listed = eventbridge.list_rules(eb_models.ListRulesRequest(event_bus_name="default", limit=100))
    rules = [r.rule_name for r in listed.body.data.rules]
    assert len(rules) == len(set(rules)), f"duplicate bus rules: {rules}"
    bus = {
        name: eventbridge.get_rule(eb_models.GetRuleRequest(event_bus_name="default", rule_name=name))
        .body.to_map()
        .get("Data")
        for name in rules
    }
    return acr, bus


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_repeated_apply_converges_under_faults(
    seed: int,
    workdir: Path,
    clean: EmulatorServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    create_event_center_rule: Any,
) -> None:
    at_clean = ("--endpoint", clean.endpoint)
    assert cli(capsys, "apply", "config", "--auto-approve", *at_clean)[0] == 0
    create_event_center_rule(CrClient(sdk_config(clean)), INSTANCE, outside_rule())  # not crnotify's
    acr_before, bus_before = snapshot(clean)
    assert set(acr_before) == {"keep", "change", "drop", "console-made"}
    (workdir / "config" / "rules.yaml").write_text(AFTER)

    runs: list[tuple[int, str]] = []
    with EmulatorServer(
        state_path=str(tmp_path / "cloud.sqlite3"), fault_rate=FAULT_RATE, seed=seed, latency_ms=2
    ) as flaky:
        while len(runs) < 3:
            runs.append(cli(capsys, "apply", "config", "--auto-approve", "--endpoint", flaky.endpoint))
            acr, bus = snapshot(clean)
            # Never lost, never duplicated: the rule the YAML keeps is there with the same id after
            # every run, finished or not, and the rule crnotify does not manage is untouched.
            assert acr["keep"] == acr_before["keep"]
            assert acr["change"] == acr_before["change"]
            assert bus["keep"] is not None
            assert bus["change"] is not None
            assert acr["console-made"] == acr_before["console-made"]
            assert bus["console-made"] == bus_before["console-made"]
            if runs[-1][0] == 0:
                break
        assert flaky.stats()
    assert runs[-1][0] == 0, "\n\n".join(output for _, output in runs)
    assert "Apply complete!" in runs[-1][1] or "No changes." in runs[-1][1]  # done by a failed run

    code, out = cli(capsys, "plan", "config", "--detailed-exitcode", *at_clean)
    assert code == 0
    assert out.strip().endswith("No changes. The cloud matches the configuration.")
    acr, bus = snapshot(clean)
    assert set(acr) == {"keep", "change", "add", "console-made"}
    assert {name for name in bus if not is_internal(name)} == set(acr)  # but the lock's and the record's
    assert bus["console-made"] == bus_before["console-made"]
    assert bus["change"]["Status"] == "DISABLE"


def test_faults_are_really_injected(tmp_path: Path) -> None:
    """The premise of the test above: at this rate, some calls of an apply do fail."""
    with EmulatorServer(fault_rate=FAULT_RATE, seed=0) as flaky:
        client = EventBridgeClient(sdk_config(flaky))
        failures = 0
        for _ in range(40):
            try:
                client.list_rules(eb_models.ListRulesRequest(event_bus_name="default"))
            except Exception:
                failures += 1
        assert 4 <= failures <= 24


# --- AWS: the same through a fault-injecting proxy in front of moto --------------------------------

AWS_SEEDS = range(12)


def aws_snapshot(client: Any) -> dict[str, Any]:
    """Every rule of the default bus with its targets and tags, as the wire returns them."""
    rules = client.list_rules(EventBusName="default")["Rules"]
    names = [r["Name"] for r in rules]
    assert len(names) == len(set(names)), f"duplicate rules: {names}"
    return {
        r["Name"]: (
            r,
            client.list_targets_by_rule(Rule=r["Name"], EventBusName="default")["Targets"],
            client.list_tags_for_resource(ResourceARN=r["Arn"])["Tags"],
        )
        for r in rules
    }


@pytest.mark.slow
@pytest.mark.parametrize("seed", AWS_SEEDS)
def test_repeated_aws_apply_converges_under_faults(
    seed: int,
    tmp_path: Path,
    aws_env: dict[str, str],
    moto_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:

    files = {"registries.yaml": AWS_REGISTRIES, "rules.yaml": rules(SCAN, SYNC)}
    user_workdir(tmp_path, monkeypatch, files, AWS_SECRETS)
    client = boto3.client("events", region_name="eu-west-1")
    assert main(["apply", "config", "--auto-approve"]) == 0
    client.put_rule(
        Name="hand-made",
        EventBusName="default",
        EventPattern=json.dumps({"source": ["aws.ecr"], "detail-type": ["ECR Image Action"]}),
        Description="made with the console",
    )
    client.put_targets(Rule="hand-made", Targets=[{"Id": "q", "Arn": "arn:aws:sqs:eu-west-1:123456789012:q"}])
    before = aws_snapshot(client)
    changed = rules(SCAN.replace("team-a]", "team-a, team-b]"), SIGNING)  # update one, delete one, add one
    (tmp_path / "config" / "rules.yaml").write_text(changed)
    capsys.readouterr()

    codes, outputs = [], []
    with FaultProxy(moto_url, rate=FAULT_RATE, seed=seed, latency_ms=2) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        for _ in range(3):
            codes.append(main(["apply", "config", "--auto-approve"]))
            output = capsys.readouterr()
            outputs.append(output.out + output.err)
            assert "Traceback" not in output.out + output.err
            now = aws_snapshot(client)
            assert now["ecr-scan-team-a"][0]["Arn"] == before["ecr-scan-team-a"][0]["Arn"]  # never lost
            assert now["hand-made"] == before["hand-made"]  # never touched
            if codes[-1] == 0:
                break
        assert proxy.faults, "the proxy injected faults"
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    assert codes[-1] == 0, "\n\n".join(outputs)
    assert main(["plan", "config", "--detailed-exitcode"]) == 0
    now = aws_snapshot(client)
    assert set(now) == {"ecr-scan-team-a", "ecr-signatures", "hand-made"}
    assert now["hand-made"] == before["hand-made"]
