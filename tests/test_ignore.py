"""`ignore:` and `drift --fail-on` (issue 15 item 3), against the emulator over HTTP with the official
SDKs: on a shared instance a console rule does not keep the drift job red while the JSON still lists
it; ignored rules are never planned (not even deleted); ignored fields are left as the cloud has them
by plan, drift and apply alike."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_eventbridge20200401 import models as eb_models

from conftest import outside_rule
from crnotify.emulator.server import EmulatorServer
from support.cli_run import run_cli, user_workdir

SECRETS = {"DT_TOKEN": "dt-token-ignore-012345"}
INSTANCE = "cri-ignore00001"
REGISTRIES = f"""\
version: 1
registries:
  - name: prod
    provider: alibaba
    region: cn-hangzhou
    instance_id: {INSTANCE}
"""


def rules(*names: str, tags: str = "v.*") -> str:
    body = "".join(
        f"""\
  - name: {name}
    registry: prod
    event: build
    scope: instance
    tags: '{tags}'
    bus: {{description: "Build hook of {name}"}}
    notify:
      dingtalk:
        webhook: https://oapi.dingtalk.com/robot/send?access_token=${{env:DT_TOKEN}}
"""
        for name in names
    )
    return "version: 1\nrules:\n" + body


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    files = {"registries.yaml": REGISTRIES, "rules.yaml": rules("ours")}
    return user_workdir(tmp_path, monkeypatch, files, SECRETS, alibaba_keys=True)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    return run_cli(capsys, SECRETS.values(), *argv)


def drift_json(capsys: Any, emulator: EmulatorServer, *extra: str) -> tuple[int, dict[str, Any]]:
    code, out, err = run(
        capsys, "drift", "config", "--format", "json", "--endpoint", emulator.endpoint, *extra
    )
    assert code in (0, 2), err
    return code, json.loads(out)


def bus_rule(eventbridge_client: Any, name: str) -> Any:
    request = eb_models.GetRuleRequest(event_bus_name="default", rule_name=name)
    return eventbridge_client.get_rule(request).body.data


def test_ignore_and_fail_on_turn_a_shared_instances_drift_job_green(
    workdir: Path,
    emulator: EmulatorServer,
    capsys: Any,
    cr_client: Any,
    create_event_center_rule: Any,
) -> None:
    at = ("--endpoint", emulator.endpoint)
    code, _, err = run(capsys, "apply", "config", "--auto-approve", *at)
    assert code == 0, err
    create_event_center_rule(cr_client, INSTANCE, outside_rule(name="console-hook"))

    # By default `unmanaged` does not fail the run, but it is shown, and said not to fail it.
    code, out, _ = run(capsys, "drift", "config", *at)
    assert code == 0
    assert "prod/console-hook" in out
    assert "None fails the run (--fail-on does not include unmanaged)." in out
    code, report = drift_json(capsys, emulator, "--fail-on", "all")
    assert code == 2
    assert report["drift"][0]["kind"] == "unmanaged"
    assert report["drift"][0]["fails"] is True
    code, _, err = run(capsys, "drift", "config", "--fail-on", "missing,nonsense", *at)
    assert code == 1
    assert "unknown drift kind nonsense" in err

    # `ignore:` names it: not shown, green even with --fail-on all, but listed in the JSON.
    Path("config/ignore.yaml").write_text("version: 1\nignore:\n  - {registry: prod, rules: ['console-*']}\n")
    code, out, _ = run(capsys, "drift", "config", "--fail-on", "all", *at)
    assert code == 0
    assert "console-hook" not in out
    assert "1 finding(s) of rules the config's `ignore:` names not shown" in out
    code, report = drift_json(capsys, emulator, "--fail-on", "all")
    assert code == 0
    assert [(d["rule"], d["kind"], d["fails"], d["ignored"]) for d in report["drift"]] == [
        ("console-hook", "unmanaged", False, True)
    ]
    assert report["fails"] is False
    code, out, _ = run(capsys, "plan", "config", "--format", "json", *at)
    assert code == 0
    assert json.loads(out)["unmanaged"] == []

    # An owned rule that leaves the YAML but is ignored is not deleted: ignored means never touched.
    Path("config/rules.yaml").write_text(rules("ours", "legacy"))
    code, _, err = run(capsys, "apply", "config", "--auto-approve", *at)
    assert code == 0, err
    Path("config/rules.yaml").write_text(rules("ours"))
    Path("config/ignore.yaml").write_text(
        "version: 1\nignore:\n  - {registry: prod, rules: ['console-*', legacy]}\n"
    )
    code, out, _ = run(capsys, "plan", "config", "--format", "json", *at)
    assert code == 0
    assert json.loads(out)["changes"] == []
    code, report = drift_json(capsys, emulator)
    assert code == 0
    assert {(d["rule"], d["kind"], d["ignored"]) for d in report["drift"]} == {
        ("console-hook", "unmanaged", True),
        ("legacy", "pending", True),
    }


def test_ignored_fields_are_left_as_the_cloud_has_them(
    workdir: Path, emulator: EmulatorServer, capsys: Any, eventbridge_client: Any
) -> None:
    at = ("--endpoint", emulator.endpoint)
    code, _, err = run(capsys, "apply", "config", "--auto-approve", *at)
    assert code == 0, err
    # In the console: pause the rule, and retitle it (keeping crnotify's marker at the end).
    eventbridge_client.disable_rule(eb_models.DisableRuleRequest(event_bus_name="default", rule_name="ours"))
    live = bus_rule(eventbridge_client, "ours")
    marker = live.description[live.description.index("[crnotify:") :]
    eventbridge_client.update_rule(
        eb_models.UpdateRuleRequest(
            event_bus_name="default",
            rule_name="ours",
            filter_pattern=live.filter_pattern,
            description=f"Paused by on-call (ask #platform) {marker}",
        )
    )
    code, report = drift_json(capsys, emulator)
    assert code == 2  # without ignore: the edits are drift
    assert {d["kind"] for d in report["drift"]} == {"bus_changed"}

    Path("config/ignore.yaml").write_text(
        "version: 1\nignore:\n  - {registry: prod, fields: [bus.description, bus.enabled]}\n"
    )
    code, report = drift_json(capsys, emulator, "--fail-on", "all")
    assert (code, report["drift"]) == (0, [])
    code, out, _ = run(capsys, "plan", "config", "--format", "json", *at)
    assert code == 0
    assert json.loads(out)["changes"] == []

    # A spec change saves the registry side (which regenerates the bus rule from ACR's defaults):
    # the apply re-applies the values that were live, not the YAML's.
    Path("config/rules.yaml").write_text(rules("ours", tags="release-.*"))
    code, out, err = run(capsys, "apply", "config", "--auto-approve", *at)
    assert code == 0, err
    after = bus_rule(eventbridge_client, "ours")
    assert after.status == "DISABLE"
    assert after.description.startswith("Paused by on-call (ask #platform) [crnotify:")
    code, report = drift_json(capsys, emulator, "--fail-on", "all")
    assert (code, report["drift"]) == (0, [])
