"""crnotify converges under every emulator variant (issue 14 item 4), through the CLI against an
emulator serving `--variant NAME=VALUE` over HTTP: plan on an empty cloud → apply → plan empty → a bus
edit → drift `bus_changed` → a registry save outside crnotify → drift `registry_changed` → apply
restores → a console-made rule → import → adopt → managed → delete.

Each non-default value runs alone; a seeded sample of combinations (`COMBINED`, drawn by
`CRNOTIFY_VARIANT_SEED`, default 14) runs too, beside three hand-picked ones.

Where a variant makes a step impossible (no CreateEventCenterRule), the error says what to do, and
doing it — create the rule in the console, `crnotify import --adopt --rule NAME` — converges too.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_cr20181201 import models as cr_models
from alibabacloud_eventbridge20200401 import models as eb_models

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
# A rule another person makes in the console, later imported and adopted.
CONSOLE = """\
version: 1
rules:
  - name: console-made
    registry: prod
    event: build
    scope:
      namespaces: [team-c]
    notify:
      http:
        url: http://ci-dashboard.example.com/hooks/acr
"""

# Every non-default value of every variant, each alone, and a few together.
ALONE = [
    f"{v.name}={value}"
    for v in variants.VARIANTS
    for value in (*v.values, "async:150")
    if value != v.default and value != "async:MS" and (value != "async:150" or v.name == "regeneration")
]


def sampled_combinations(seed: int, count: int) -> list[str]:
    """`count` combinations of three to five variants, each at a non-default value, drawn by `seed`."""
    draw = random.Random(seed)
    chosen: list[str] = []
    for _ in range(count):
        picked = draw.sample(variants.VARIANTS, draw.randint(3, 5))
        values = []
        for variant in sorted(picked, key=lambda v: v.name):
            offered = [v for v in variant.values if v != variant.default]
            value = draw.choice(offered)
            values.append(f"{variant.name}={'async:120' if value == 'async:MS' else value}")
        chosen.append(",".join(values))
    return chosen


COMBINED = [
    "success-code=200,empty-params=empty,errors=body,update-status=reset",
    "notify-status=[200]Ok,regeneration=async:100,delete-removes-bus=no,lock-rule-targets=required",
    "generated-description=v2,generated-shape=v2,errors=body,success-code=200",
    *sampled_combinations(int(os.environ.get("CRNOTIFY_VARIANT_SEED", "14")), 4),
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


def create_console_rule(server: EmulatorServer, tmp_path: Path) -> None:
    """Someone makes a rule in the console: ACR saves it and generates its bus rule (no marker)."""
    (tmp_path / "console").mkdir()
    (tmp_path / "console" / "registries.yaml").write_text(REGISTRIES)
    (tmp_path / "console" / "rule.yaml").write_text(CONSOLE)
    (rule,) = load_config([str(tmp_path / "console")]).rules
    server.state.create_event_center_rule(
        server.account_id, server.region, instance_id=INSTANCE, spec=RegistrySpec.of(rule)
    )
    time.sleep(server.variants.regeneration_ms / 1000)


def edit_on_bus(server: EmulatorServer, eventbridge_client_factory: Callable[..., Any], name: str) -> None:
    """A bus-side edit in the EventBridge console: the declared-disabled rule is enabled."""
    client = eventbridge_client_factory(server)
    client.enable_rule(eb_models.EnableRuleRequest(event_bus_name="default", rule_name=name))


def drift_kinds(capsys: pytest.CaptureFixture[str], at: tuple[str, ...]) -> tuple[int, list[tuple[str, str]]]:
    code, out, err = run(capsys, "drift", "config", "--format", "json", *at)
    assert code in (0, 2), out + err
    return code, [(item["rule"], item["kind"]) for item in json.loads(out)["drift"]]


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


@pytest.mark.slow
def test_core_scenario_converges(
    workdir: Path,
    tmp_path: Path,
    cloud: EmulatorServer,
    capsys: Any,
    cr_client_factory: Callable[..., Any],
    eventbridge_client_factory: Callable[..., Any],
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

    # Edited on the bus: drift names the bus edit.
    edit_on_bus(cloud, eventbridge_client_factory, "scan-api")
    assert drift_kinds(capsys, at) == (2, [("scan-api", "bus_changed")])

    # Saved in the console: ACR's regenerated rule (whatever its description, target id or retry under
    # this variant) is recognised as ACR's own, drift names the registry change, apply restores it.
    save_in_console(cloud, cr_client_factory, "scan-api")
    assert drift_kinds(capsys, at) == (2, [("scan-api", "registry_changed")])
    code, out, err = run(capsys, "apply", "config", "--auto-approve", *at)
    assert code == 0, out + err
    time.sleep(cloud.variants.regeneration_ms / 1000)
    code, out, err = run(capsys, "drift", "config", "--format", "json", *at)
    assert (code, json.loads(out)["drift"]) == (0, []), err

    # Made in the console by someone else: unmanaged, never planned away; imported, adopted, managed.
    create_console_rule(cloud, tmp_path)
    assert drift_kinds(capsys, at)[1] == [("console-made", "unmanaged")]
    code, out, err = run(capsys, "plan", "config", "--detailed-exitcode", *at)
    assert code == 0, out + err
    imported = workdir / "config" / "imported.yaml"
    code, out, err = run(
        capsys,
        "import",
        "config",
        "--registry",
        "prod",
        "--rule",
        "console-made",
        "--adopt",
        "--out",
        str(imported),
        *at,
    )
    assert code == 0, out + err
    assert "console-made" in imported.read_text()
    code, out, err = run(capsys, "plan", "config", "--detailed-exitcode", *at)
    assert (code, out.strip()) == (0, "No changes. The cloud matches the configuration."), out + err
    assert drift_kinds(capsys, at) == (0, [])

    # Deleted from the YAML: the adopted rule and hook go, scan-api stays.
    imported.unlink()
    (workdir / "config" / "rules.yaml").write_text("version: 1\nrules:\n" + SCAN)  # hook goes
    code, out, err = run(capsys, "apply", "config", "--auto-approve", *at)
    assert code == 0, out + err
    code, out, err = run(capsys, "plan", "config", "--detailed-exitcode", *at)
    assert (code, out.strip()) == (0, "No changes. The cloud matches the configuration."), err
    names = [r.name for r in cloud.state.all_rules(cloud.account_id, cloud.region, bus="default")]
    assert "hook" not in names
    assert "console-made" not in names
    assert "scan-api" in names
