"""`crnotify emulator console …` plays the other side over HTTP (issue 14 item 5): against a running
emulator (`--endpoint`) and the embedded one (`--local`), each verb through the official SDKs, checked
by what the emulator then holds and by what crnotify's own drift sees."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crnotify.emulator import variants
from crnotify.emulator.server import EmulatorServer
from crnotify.model import ParamForm
from support.cli_run import run_cli, user_workdir

SECRETS = {"DT_TOKEN": "dt-token-console-0123", "DT_SECRET": "SECconsole0123"}
INSTANCE = "cri-console01"
REGISTRIES = f"""\
version: 1
registries:
  - name: prod
    provider: alibaba
    region: cn-hangzhou
    instance_id: {INSTANCE}
"""
RULES = """\
version: 1
rules:
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
"""
NEW_URL = "https://oapi.dingtalk.com/robot/send?access_token=console-new-token-77"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    files = {"registries.yaml": REGISTRIES, "rules.yaml": RULES}
    return user_workdir(tmp_path, monkeypatch, files, SECRETS, alibaba_keys=True)


@pytest.fixture
def absent() -> Iterator[EmulatorServer]:
    """An emulator without the OpenAPI create call: only the console can create."""
    with EmulatorServer(variants=variants.parse(["create-call=absent"])) as server:
        yield server


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    return run_cli(capsys, [*SECRETS.values(), NEW_URL], *argv)


def bus(server: EmulatorServer, name: str) -> Any:
    rules = {r.name: r for r in server.state.all_rules(server.account_id, server.region, bus="default")}
    return rules.get(name)


def drift_kinds(capsys: Any, *at: str) -> list[tuple[str, str]]:
    code, out, err = run(capsys, "drift", "config", "--format", "json", *at)
    assert code in (0, 2), err
    return [(item["rule"], item["kind"]) for item in json.loads(out)["drift"]]


def test_create_in_console_then_adopt_converges(workdir: Path, absent: EmulatorServer, capsys: Any) -> None:
    at = ("--endpoint", absent.endpoint)
    code, out, err = run(capsys, "emulator", "console", "create", "config", "--rule", "scan-api", *at)
    assert code == 0, err
    assert "Created the event rule scan-api (crecr-" in out
    assert bus(absent, "scan-api") is not None  # ACR generated its bus rule
    code, out, err = run(
        capsys, "import", "config", "--registry", "prod", "--adopt", "--rule", "scan-api", *at
    )
    assert code == 0, out + err
    code, out, err = run(capsys, "plan", "config", "--detailed-exitcode", *at)
    assert code == 0, out + err


def test_edit_bus_rule_each_field_is_drift(workdir: Path, emulator: EmulatorServer, capsys: Any) -> None:
    at = ("--endpoint", emulator.endpoint)
    assert run(capsys, "apply", "config", "--auto-approve", *at)[0] == 0
    assert drift_kinds(capsys, *at) == []
    code, out, err = run(
        capsys,
        "emulator", "console", "edit-bus", "scan-api",
        "--template", "### edited by hand", "--disable", "--target-url", NEW_URL, *at,
    )  # fmt: skip
    assert code == 0, err
    assert out.strip() == "Edited the bus rule scan-api in cn-hangzhou: template, enabled, target url."
    rule = bus(emulator, "scan-api").to_bus_rule()
    assert rule.enabled is False
    (target,) = rule.targets
    body = next(p for p in target.params if p.resource_key == "Body")
    assert (body.form, body.template) == (ParamForm.TEMPLATE, "### edited by hand")
    assert target.endpoint == NEW_URL
    assert {p.resource_key: p.value for p in target.params}["URL"] == NEW_URL
    assert drift_kinds(capsys, *at) == [("scan-api", "bus_changed")]
    # A new description drops crnotify's ownership marker; crnotify's ownership record still has the
    # rule (issue 15 item 2): its own kind of drift, beside the other edits, and no conflict.
    code, out, err = run(capsys, "emulator", "console", "edit-bus", "scan-api", "--description", "mine", *at)
    assert code == 0, err
    assert bus(emulator, "scan-api").description == "mine"
    assert drift_kinds(capsys, *at) == [("scan-api", "marker_removed"), ("scan-api", "bus_changed")]


def test_save_registry_rule_regenerates_and_is_drift(
    workdir: Path, emulator: EmulatorServer, capsys: Any
) -> None:
    at = ("--endpoint", emulator.endpoint)
    assert run(capsys, "apply", "config", "--auto-approve", *at)[0] == 0
    code, out, err = run(
        capsys,
        "emulator",
        "console",
        "save",
        "scan-api",
        "--instance",
        INSTANCE,
        "--namespace",
        "team-b",
        *at,
    )
    assert code == 0, err
    assert "Saved the event rule scan-api" in out
    pattern = bus(emulator, "scan-api").to_bus_rule().pattern
    assert "team-b" in json.dumps(pattern)
    assert drift_kinds(capsys, *at) == [("scan-api", "registry_changed")]


def test_delete_registry_and_bus_rules(workdir: Path, emulator: EmulatorServer, capsys: Any) -> None:
    at = ("--endpoint", emulator.endpoint)
    assert run(capsys, "apply", "config", "--auto-approve", *at)[0] == 0
    code, out, err = run(capsys, "emulator", "console", "delete", "scan-api", "--instance", INSTANCE, *at)
    assert (code, out.strip()) == (0, f"Deleted the event rule scan-api of {INSTANCE}."), err
    assert bus(emulator, "scan-api") is None
    assert drift_kinds(capsys, *at) == [("scan-api", "missing")]
    code, _, err = run(capsys, "emulator", "console", "delete", "scan-api", "--bus", *at)
    assert code == 1
    assert "no EventBridge rule scan-api" in err


def test_local_state_is_shared_with_the_other_commands(workdir: Path, capsys: Any) -> None:
    """`--local`: the console edits the embedded emulator's state that `crnotify --local` reads."""
    assert run(capsys, "apply", "config", "--auto-approve", "--local")[0] == 0
    code, _, err = run(capsys, "emulator", "console", "edit-bus", "scan-api", "--disable", "--local")
    assert code == 0, err
    code, out, err = run(capsys, "drift", "config", "--format", "json", "--local")
    assert (code, [d["kind"] for d in json.loads(out)["drift"]]) == (2, ["bus_changed"]), err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["edit-bus", "scan-api", "--description", "x"], "never the real cloud"),
        (["edit-bus", "scan-api", "--local"], "nothing to edit"),
        (["delete", "scan-api", "--local"], "needs --instance"),
        (["create", "config", "--rule", "nope", "--local"], "--rule nope: no declared"),
        (["save", "nope", "--instance", INSTANCE, "--repo", "api", "--local"], "--repo needs exactly one"),
    ],
)
def test_bad_input_is_one_clear_error(workdir: Path, capsys: Any, argv: list[str], message: str) -> None:
    code, out, err = run(capsys, "emulator", "console", *argv)
    assert code == 1
    assert message in err
    assert "Traceback" not in out + err
