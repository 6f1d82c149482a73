"""The cloud commands end to end, as a user runs them: YAML on disk, `crnotify plan/apply/drift/import`
against the emulator (`--endpoint`, credentials from the environment) or the embedded `--local` cloud."""

from __future__ import annotations

import json
import logging
import os
import pty
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_eventbridge20200401 import models as eb_models
from alibabacloud_eventbridge20200401.client import Client as EventBridgeClient

from conftest import outside_rule, sdk_config
from crnotify.cli._logging import configure_logging
from crnotify.emulator.server import EmulatorServer
from crnotify.model import EventType
from support.cli_run import run_cli, user_workdir

SECRETS = {"DT_TOKEN": "dt-token-0123456789", "DT_SECRET": "SECsigning0123", "HOOK_TOKEN": "hook-token-0123"}
INSTANCE = "cri-clitest01"
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
    scan_status: [COMPLETE]
    notify:
      dingtalk:
        webhook: https://oapi.dingtalk.com/robot/send?access_token=${env:DT_TOKEN}
        secret: ${env:DT_SECRET}
    bus:
      description: Release scans
      template:
        format: markdown
        title: Scan finished
        text: "### ${RepoName}:${Tag} scanned"
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


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    files = {"registries.yaml": REGISTRIES, "rules.yaml": RULES}
    return user_workdir(tmp_path, monkeypatch, files, SECRETS, alibaba_keys=True)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    return run_cli(capsys, SECRETS.values(), *argv)


def test_plan_apply_plan_drift(
    workdir: Path, emulator: EmulatorServer, capsys: Any, eventbridge_client: Any
) -> None:
    at = ("--endpoint", emulator.endpoint)
    code, out, _ = run(capsys, "plan", "config", "--detailed-exitcode", *at)
    assert code == 2
    assert "Plan: 2 to create, 0 to update, 0 to delete." in out
    code, out, _ = run(capsys, "plan", "config", *at)
    assert code == 0

    code, out, err = run(capsys, "apply", "config", "--auto-approve", *at)
    assert code == 0, err
    assert "Apply complete!" in out
    code, out, _ = run(capsys, "plan", "config", "--detailed-exitcode", *at)
    assert (code, out.strip()) == (0, "No changes. The cloud matches the configuration.")

    code, out, _ = run(capsys, "drift", "config", *at)
    assert code == 0
    eventbridge_client.disable_rule(eb_models.DisableRuleRequest(event_bus_name="default", rule_name="hook"))
    code, out, _ = run(capsys, "drift", "config", "--format", "json", *at)
    assert code == 2
    assert [(d["rule"], d["kind"]) for d in json.loads(out)["drift"]] == [("hook", "bus_changed")]

    code, out, err = run(capsys, "apply", "config", *at)
    assert code == 1
    assert "refusing to discard bus-rule edits made outside crnotify:\n  prod/hook: enabled" in err
    code, out, err = run(capsys, "apply", "config", "--overwrite-bus-edits", *at)  # stdin is no terminal
    assert code == 1
    assert "refusing to wait for an answer" in err
    code, out, err = run(capsys, "apply", "config", "--overwrite-bus-edits", "--auto-approve", *at)
    assert code == 0, err


def test_saved_plan_is_refused_when_stale(
    workdir: Path, emulator: EmulatorServer, capsys: Any, eventbridge_client: Any
) -> None:
    at = ("--endpoint", emulator.endpoint)
    assert run(capsys, "apply", "config", "--auto-approve", *at)[0] == 0
    (workdir / "config" / "rules.yaml").write_text(
        RULES.replace("hooks.example.com/acr", "hooks.example.com/v2")
    )
    code, _, err = run(capsys, "plan", "config", "--out", "plan.json", *at)
    assert code == 0
    saved = (workdir / "plan.json").read_text()
    for value in SECRETS.values():
        assert value not in saved
    eventbridge_client.disable_rule(eb_models.DisableRuleRequest(event_bus_name="default", rule_name="hook"))
    code, _, err = run(capsys, "apply", "--plan", "plan.json", *at)
    assert code == 1
    assert "prod/hook: its EventBridge rule changed" in err
    code, _, err = run(capsys, "plan", "config", "--out", "plan.json", *at)
    code, out, err = run(capsys, "apply", "--plan", "plan.json", *at)
    assert code == 1
    assert "prod/hook: enabled" in err  # a saved plan still refuses to discard outside edits
    code, out, err = run(capsys, "apply", "--plan", "plan.json", "--overwrite-bus-edits", *at)
    assert code == 0, err
    assert "Apply complete!" in out


def test_import_adopt_then_plan_shows_no_changes(
    workdir: Path, emulator: EmulatorServer, capsys: Any, cr_client: Any, create_event_center_rule: Any
) -> None:
    create_event_center_rule(cr_client, INSTANCE, outside_rule(token="console-token"))
    at = ("--endpoint", emulator.endpoint)
    (workdir / "config" / "rules.yaml").unlink()
    code, out, err = run(
        capsys, "import", "config", "--registry", "prod", "--adopt", "--out", "config/imported.yaml", *at
    )
    assert code == 0, err
    imported = (workdir / "config" / "imported.yaml").read_text()
    assert "console-token" not in imported
    assert "${env:CONSOLE_MADE_DINGTALK_TOKEN}" in imported
    code, out, err = run(capsys, "validate", "config")  # valid YAML; the unset variable is a warning
    assert code == 0, out + err
    assert "valid: 0 errors, " in out + err
    assert "1 registry, 1 rule" in out + err
    code, out, _ = run(capsys, "plan", "config", *at)
    assert code == 1  # the variable the import asks for is not set yet
    os.environ["CONSOLE_MADE_DINGTALK_TOKEN"] = "console-token"
    try:
        code, out, _ = run(capsys, "plan", "config", "--detailed-exitcode", *at)
    finally:
        del os.environ["CONSOLE_MADE_DINGTALK_TOKEN"]
    assert (code, out.strip()) == (0, "No changes. The cloud matches the configuration.")


def test_local_cloud_round_trip(workdir: Path, capsys: Any) -> None:
    code, out, _ = run(capsys, "--local", "plan", "config", "--detailed-exitcode")
    assert code == 2
    assert (workdir / ".crnotify" / "state.sqlite3").exists()
    assert run(capsys, "apply", "--local", "config", "--auto-approve")[0] == 0
    code, out, _ = run(capsys, "plan", "--local", "config", "--detailed-exitcode")
    assert (code, out.strip()) == (0, "No changes. The cloud matches the configuration.")

    # Every other cloud command reads the same state under .crnotify/.
    code, out, _ = run(capsys, "drift", "--local", "config")
    assert (code, out.strip()) == (0, "No drift. The cloud matches the configuration.")
    code, out, _ = run(capsys, "import", "--local", "config", "--registry", "prod")
    assert code == 0
    assert "- name: scan-api" in out
    assert "- name: hook" in out
    code, out, _ = run(capsys, "trace", "--local", "evt-local-1", "config")
    assert code == 1
    assert "no trace of event evt-local-1 in cn-hangzhou" in out
    with EmulatorServer(state_path=str(workdir / ".crnotify" / "state.sqlite3")) as same_state:
        event = eb_models.PutEventsRequestEventList(
            id="evt-local-1", source="acs.cr", type=EventType.SCAN.value
        )
        put = eb_models.PutEventsRequest(event_bus_name="default", event_list=[event])
        EventBridgeClient(sdk_config(same_state)).put_events(put)
    code, out, _ = run(capsys, "trace", "--local", "evt-local-1", "config")
    assert code == 0
    assert "PutEvent" in out


def test_bad_endpoint_is_a_clear_error(workdir: Path, capsys: Any) -> None:
    code, _, err = run(capsys, "plan", "config", "--endpoint", "nonsense")
    assert code == 1
    assert "HOST:PORT" in err


def test_partial_apply_reports_what_was_done_and_a_rerun_converges(
    workdir: Path, emulator: EmulatorServer, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRNOTIFY_MAX_ATTEMPTS", "1")  # no retries: every fault fails its step
    emulator.inject("CreateEventCenterRule", "throttle")  # the first create (prod/hook)
    emulator.inject("UpdateRule", "drop_before")  # the bus write after the second (prod/scan-api)
    at = ("--endpoint", emulator.endpoint)
    # One call at a time: which create and which bus write come first must not depend on threads.
    code, out, err = run(capsys, "apply", "config", "--auto-approve", "--concurrency", "1", *at)
    assert code == 1
    assert "Apply failed part-way." in out
    assert "Applied (1):" in out
    assert "Not applied (3):" in out
    assert "prod/hook: create the registry rule: failed\n    throttled by Alibaba Cloud" in out
    assert "\n      hint: still failing after 1 try with backoff; run again later, with a lower" in out
    assert "prod/scan-api: re-apply the bus customisations: failed" in out
    code, out, err = run(capsys, "apply", "config", "--auto-approve", *at)
    assert code == 0, err
    assert "Apply complete!" in out
    assert run(capsys, "plan", "config", "--detailed-exitcode", *at)[0] == 0


@pytest.mark.parametrize("command", [["plan"], ["apply", "--auto-approve"], ["drift"]], ids=lambda c: c[0])
def test_an_unset_variable_stops_a_cloud_command_before_any_call(
    workdir: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    """validate only warns about an unset ${env:…}; a command about to call the cloud refuses, naming
    the variable and where it is used. Port 9 (discard) is closed: a call would fail differently."""
    monkeypatch.delenv("DT_TOKEN")
    code, out, err = run(capsys, *command, "config", "--endpoint", "127.0.0.1:9")
    assert code == 1
    assert out == ""
    assert err.startswith("Error: the configuration is not valid:\n")
    assert "config/rules.yaml:12:18: error CRN216 environment variable DT_TOKEN is not set" in err
    assert "hint: set DT_TOKEN before running this command" in err
    assert "HOOK_TOKEN" not in err  # only the unset one


@pytest.fixture
def reset_logging() -> Iterator[None]:
    root = logging.getLogger()
    level = root.level
    yield
    configure_logging(0)
    root.setLevel(level)


def test_verbose_says_what_was_read_and_where_calls_go(
    workdir: Path, emulator: EmulatorServer, capsys: Any, reset_logging: None
) -> None:
    code, _, err = run(capsys, "-v", "plan", "config", "--endpoint", emulator.endpoint)
    assert code == 0, err
    assert (
        "INFO crnotify.cli.session: read 2 YAML file(s): config/registries.yaml, config/rules.yaml\n" in err
    )
    assert "INFO crnotify.cli.session: config: 1 registries, 2 rules\n" in err
    assert f"INFO crnotify.cli.session: Alibaba Cloud calls go to cn-hangzhou at {emulator.endpoint}\n" in err
    assert "DEBUG" not in err  # -vv for those
    code, _, err = run(capsys, "plan", "config", "--endpoint", emulator.endpoint)
    assert (code, err) == (0, "")


def _apply_on_a_terminal(workdir: Path, answer: str) -> tuple[int, str]:
    """`crnotify --local apply config` with its stdin and stdout on a pseudo-terminal, typing `answer`."""
    leader, follower = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent / "src")}
    with subprocess.Popen(
        [sys.executable, "-m", "crnotify", "--local", "apply", "config"],
        cwd=workdir,
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
    ) as process:
        os.close(follower)
        seen, answered = b"", False
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
            if not answered and b"Only 'yes' will be accepted" in seen:
                os.write(leader, answer.encode() + b"\n")
                answered = True
        code = process.wait()
    os.close(leader)
    text = seen.decode()
    for value in SECRETS.values():
        assert value not in text
    return code, text


def test_apply_asks_on_a_terminal_and_only_yes_applies(workdir: Path, capsys: Any) -> None:
    code, out = _apply_on_a_terminal(workdir, "no")
    assert code == 1
    assert "Plan: 2 to create, 0 to update, 0 to delete." in out
    assert "apply cancelled; nothing was changed" in out
    assert run(capsys, "--local", "plan", "config", "--detailed-exitcode")[0] == 2  # nothing applied
    code, out = _apply_on_a_terminal(workdir, "yes")
    assert code == 0, out
    assert "Apply complete!" in out
    assert run(capsys, "--local", "plan", "config", "--detailed-exitcode")[0] == 0


def test_endpoint_and_local_can_come_from_the_environment(
    workdir: Path, emulator: EmulatorServer, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No key pair and an empty home: with an endpoint crnotify signs with the emulator's default pair;
    # were CRNOTIFY_ENDPOINT ignored, the default chain would find no credentials (and call nothing).
    monkeypatch.delenv("ALIBABA_CLOUD_ACCESS_KEY_ID")
    monkeypatch.delenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
    monkeypatch.setenv("HOME", str(workdir))
    monkeypatch.setenv("CRNOTIFY_ENDPOINT", emulator.endpoint)
    code, out, err = run(capsys, "plan", "config", "--detailed-exitcode")
    assert (code, "Plan: 2 to create, 0 to update, 0 to delete." in out) == (2, True), err
    monkeypatch.delenv("CRNOTIFY_ENDPOINT")
    monkeypatch.setenv("CRNOTIFY_LOCAL", "1")
    code, out, err = run(capsys, "plan", "config", "--detailed-exitcode")
    assert (code, "Plan: 2 to create, 0 to update, 0 to delete." in out) == (2, True), err
    assert (workdir / ".crnotify" / "state.sqlite3").exists()


def test_the_suite_never_lets_the_default_chain_reach_for_ecs_metadata() -> None:
    """conftest.py sets the switch before the credentials library reads it (once, at its import)."""
    from alibabacloud_credentials.utils import auth_util  # noqa: PLC0415

    assert auth_util.environment_ecs_metadata_disabled == "true"
