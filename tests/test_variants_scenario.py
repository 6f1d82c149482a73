"""crnotify converges under every emulator variant (issue 14): plan → apply → plan empty → drift empty →
a delete → plan empty, through the CLI against an emulator serving `--variant NAME=VALUE` over HTTP.

Where a variant makes a step impossible (no CreateEventCenterRule), the error says what to do, and
doing it — create the rule in the console, `crnotify import --adopt --rule NAME` — converges too.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_cr20181201 import models as cr_models

from crnotify.cli.session import load_config
from crnotify.emulator import variants
from crnotify.emulator.server import EmulatorServer
from crnotify.providers.alibaba.convention import RegistrySpec
from support.cli_run import run_cli, user_workdir

SECRETS = {
    "DT_TOKEN": "dt-token-variant-0123",
    "DT_SECRET": "SECvariant0123",
    "HOOK_TOKEN": "hook-variant-0123",
}
INSTANCE = "cri-variants01"
REGISTRIES = f"""\
version: 1
registries:
  - name: prod
    provider: alibaba
    region: cn-hangzhou
    instance_id: {INSTANCE}
"""
SCAN = """\
  - name: scan-api
    registry: prod
    event: scan
    scope:
      namespace: team-a
      repositories: [api]
    notify:
      dingtalk:
        webhook: https://oapi.dingtalk.com/robot/send?access_token=${env:DT_TOKEN}
        secret: ${env:DT_SECRET}
    bus:
      description: Release scans
      enabled: false
      template:
        format: markdown
        title: Scan finished
        text: "### ${RepoName}:${Tag} scanned"
"""
HOOK = """\
  - name: hook
    registry: prod
    event: build
    scope:
      namespaces: [team-a]
    notify:
      https:
        url: https://hooks.example.com/acr
        token: ${env:HOOK_TOKEN}
"""
RULES = "version: 1\nrules:\n" + SCAN + HOOK

# Every non-default value of every variant, each alone, and a few together.
ALONE = [
    f"{v.name}={value}"
    for v in variants.VARIANTS
    for value in (*v.values, "async:150")
    if value != v.default and value != "async:MS" and (value != "async:150" or v.name == "regeneration")
]
COMBINED = [
    "success-code=200,empty-params=empty,errors=body,update-status=reset",
    "notify-status=[200]Ok,regeneration=async:100,delete-removes-bus=no,lock-rule-targets=required",
    "generated-description=v2,generated-shape=v2,errors=body,success-code=200",
]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    files = {"registries.yaml": REGISTRIES, "rules.yaml": RULES}
    return user_workdir(tmp_path, monkeypatch, files, SECRETS, alibaba_keys=True)


def serve(spelled: str) -> Iterator[EmulatorServer]:
    """What `crnotify emulator serve --variant …` runs, in-process on 127.0.0.1."""
    with EmulatorServer(variants=variants.parse(spelled.split(","))) as server:
        yield server


@pytest.fixture(params=ALONE + COMBINED)
def cloud(request: pytest.FixtureRequest) -> Iterator[EmulatorServer]:
    yield from serve(request.param)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    return run_cli(capsys, SECRETS.values(), *argv)


def create_in_console(server: EmulatorServer, workdir: Path) -> list[str]:
    """What a person does in the console when the create call is unavailable: each declared rule,
    with the declared settings (the console's own call, not the OpenAPI one)."""
    config = load_config([str(workdir / "config")])
    names = []
    for rule in config.rules:
        spec = RegistrySpec.of(rule)
        server.state.create_event_center_rule(
            server.account_id, server.region, instance_id=INSTANCE, spec=spec
        )
        names.append(rule.name)
    return names


def save_in_console(cloud: EmulatorServer, cr_client_factory: Callable[..., Any], name: str) -> None:
    """A registry-side save outside crnotify, with the official SDK: ACR regenerates the bus rule."""
    client = cr_client_factory(cloud)
    listed = client.list_event_center_rule_name(
        cr_models.ListEventCenterRuleNameRequest(instance_id=INSTANCE)
    )
    ids = {item["RuleName"]: item["RuleId"] for item in listed.body.to_map()["RuleNames"]}
    request = cr_models.UpdateEventCenterRuleRequest(
        instance_id=INSTANCE, rule_id=ids[name], event_scope="NAMESPACE", namespaces=["team-b"]
    )
    client.update_event_center_rule(request)
    time.sleep(cloud.variants.regeneration_ms / 1000)  # ACR's regeneration has landed


def test_plan_apply_plan_drift_delete_converge(
    workdir: Path, cloud: EmulatorServer, capsys: Any, cr_client_factory: Callable[..., Any]
) -> None:
    at = ("--endpoint", cloud.endpoint)
    code, out, err = run(capsys, "plan", "config", "--detailed-exitcode", *at)
    assert code == 2, out + err
    code, out, err = run(capsys, "apply", "config", "--auto-approve", *at)
    if cloud.variants.create_call != "rpc":
        assert code == 1
        # The error says exactly what to do; doing it converges.
        for name in ("hook", "scan-api"):
            assert f"`crnotify import --registry prod --adopt --rule {name}`" in out + err
            assert f"Create the rule {name} in the console" in out + err
        for name in create_in_console(cloud, workdir):
            code, out, err = run(
                capsys, "import", "config", "--registry", "prod", "--adopt", "--rule", name, *at
            )
            assert code == 0, err
        code, out, err = run(capsys, "apply", "config", "--auto-approve", *at)
    assert code == 0, out + err
    # A late regeneration would land by now, discarding customisations applied before it.
    time.sleep(cloud.variants.regeneration_ms / 1000)
    code, out, err = run(capsys, "plan", "config", "--detailed-exitcode", *at)
    assert (code, out.strip()) == (0, "No changes. The cloud matches the configuration."), err
    code, out, err = run(capsys, "drift", "config", "--format", "json", *at)
    assert (code, json.loads(out)["drift"]) == (0, []), err

    # Saved in the console: ACR's regenerated rule (whatever its description, target id or retry under
    # this variant) is recognised as ACR's own, drift names the registry change, apply restores it.
    save_in_console(cloud, cr_client_factory, "scan-api")
    code, out, err = run(capsys, "drift", "config", "--format", "json", *at)
    kinds = [(item["rule"], item["kind"]) for item in json.loads(out)["drift"]]
    assert (code, kinds) == (2, [("scan-api", "registry_changed")]), out + err
    code, out, err = run(capsys, "apply", "config", "--auto-approve", *at)
    assert code == 0, out + err
    time.sleep(cloud.variants.regeneration_ms / 1000)
    code, out, err = run(capsys, "drift", "config", "--format", "json", *at)
    assert (code, json.loads(out)["drift"]) == (0, []), err

    (workdir / "config" / "rules.yaml").write_text("version: 1\nrules:\n" + SCAN)  # hook goes
    code, out, err = run(capsys, "apply", "config", "--auto-approve", *at)
    assert code == 0, out + err
    code, out, err = run(capsys, "plan", "config", "--detailed-exitcode", *at)
    assert (code, out.strip()) == (0, "No changes. The cloud matches the configuration."), err
    names = [r.name for r in cloud.state.all_rules(cloud.account_id, cloud.region, bus="default")]
    assert "hook" not in names
    assert "scan-api" in names
