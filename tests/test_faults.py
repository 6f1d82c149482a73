"""`crnotify apply` converges under faults: with the emulator throttling, failing (503), dropping
connections before and after applying, and adding latency on every call at a seeded rate, repeated
applies reach the declared state within 3 runs, for many seeds. Along the way no owned rule that the
YAML keeps is ever lost, nothing is duplicated, and a rule crnotify does not manage stays byte for byte
what it was.

Two emulators share one SQLite state: the flaky one serves crnotify, the clean one serves the test's
own setup and checks through the official SDKs.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_cr20181201 import models as cr_models
from alibabacloud_cr20181201.client import Client as CrClient
from alibabacloud_eventbridge20200401 import models as eb_models
from alibabacloud_eventbridge20200401.client import Client as EventBridgeClient
from alibabacloud_tea_openapi.utils_models import OpenApiRequest
from darabonba.runtime import RuntimeOptions

from conftest import CREATE_EVENT_CENTER_RULE, sdk_config
from crnotify.cli import main
from crnotify.convention import RegistrySpec
from crnotify.emulator.server import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, EmulatorServer
from crnotify.model import EventType, Notify, NotifyMethod, Rule, SecretText

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
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "registries.yaml").write_text(REGISTRIES)
    (tmp_path / "config" / "rules.yaml").write_text(BEFORE)
    monkeypatch.chdir(tmp_path)
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", DEFAULT_ACCESS_KEY_ID)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", DEFAULT_ACCESS_KEY_SECRET)
    monkeypatch.delenv("CRNOTIFY_ENDPOINT", raising=False)
    monkeypatch.delenv("CRNOTIFY_LOCAL", raising=False)
    monkeypatch.delenv("CRNOTIFY_MAX_ATTEMPTS", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


@pytest.fixture
def clean(tmp_path: Path) -> Iterator[EmulatorServer]:
    with EmulatorServer(state_path=str(tmp_path / "cloud.sqlite3")) as server:
        yield server


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    for value in SECRETS.values():
        assert value not in out + err
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


def create_unmanaged(server: EmulatorServer) -> None:
    url = SecretText(template="https://oapi.dingtalk.com/robot/send?access_token=${env:X}").resolve(
        {"X": "console-token"}
    )
    theirs = Rule(
        name="console-made",
        registry="prod",
        event_type=EventType.BUILD,
        notify=Notify(method=NotifyMethod.DINGTALK, url=url),
    )
    request = OpenApiRequest(query={"InstanceId": INSTANCE, **RegistrySpec.of(theirs).to_params()})
    CrClient(sdk_config(server)).call_api(CREATE_EVENT_CENTER_RULE, request, RuntimeOptions())


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_repeated_apply_converges_under_faults(
    seed: int, workdir: Path, clean: EmulatorServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    at_clean = ("--endpoint", clean.endpoint)
    assert cli(capsys, "apply", "config", "--auto-approve", *at_clean)[0] == 0
    create_unmanaged(clean)
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
    assert {name for name in bus if not name.startswith("crnotify-lock-")} == set(acr)
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
