"""Quota before writing (issue 15 item 4), against the emulator over HTTP with the official SDKs: plan
counts the rules that already hold the region's slots — other teams' included — and refuses, before
any write, a plan that would exceed ACR's 10 event rules per region, naming the rules that hold them;
apply advises a rerun only when a rerun can finish."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crnotify.model import EventType, Notify, NotifyMethod, Provider, RegionRules, Registry, Rule, SecretText
from crnotify.planner import Action, Change, DeleteRule
from crnotify.providers.alibaba.assess import check_quota
from crnotify.providers.alibaba.convention import RegistrySpec
from crnotify.providers.alibaba.desired import SaveEventRule
from crnotify.providers.alibaba.limits import RULES_PER_REGION
from support.call_log import RecordingEmulator
from support.cli_run import run_cli, user_workdir

SECRETS = {"DT_TOKEN": "dt-token-quota-0123456"}
SHARED, OTHER = "cri-quotashared1", "cri-quotaother01"
WRITES = ("Create", "Update", "Delete", "Put", "Remove", "Enable", "Disable")


def registries(instance: str) -> str:
    return f"""\
version: 1
registries:
  - name: prod
    provider: alibaba
    region: cn-hangzhou
    instance_id: {instance}
"""


def rules(prefix: str, count: int) -> str:
    body = "".join(
        f"""\
  - name: {prefix}-{index}
    registry: prod
    event: build
    scope: instance
    notify:
      dingtalk:
        webhook: https://oapi.dingtalk.com/robot/send?access_token=${{env:DT_TOKEN}}
"""
        for index in range(1, count + 1)
    )
    return "version: 1\nrules:\n" + body


@pytest.fixture
def server() -> Iterator[RecordingEmulator]:
    with RecordingEmulator() as emulator:
        yield emulator


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    return run_cli(capsys, SECRETS.values(), *argv)


def team(root: Path, name: str, files: dict[str, str]) -> str:
    """A team's own config directory under `root`; returns its path."""
    (root / name).mkdir()
    for file, text in files.items():
        (root / name / file).write_text(text)
    return name


def writes(server: RecordingEmulator) -> list[str]:
    return [action for action in server.actions() if action.startswith(WRITES)]


@pytest.mark.parametrize(
    ("instance", "ignore"),
    [
        # Team B shares team A's instance and says team A's rules are not its to judge.
        (SHARED, "version: 1\nignore:\n  - {registry: prod, rules: ['team-a-*']}\n"),
        (OTHER, None),  # team B has its own instance in the same region: ACR counts per region
    ],
    ids=["same-instance", "other-instance"],
)
def test_an_over_quota_plan_fails_before_any_write_naming_the_rules_that_hold_the_slots(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
    server: RecordingEmulator,
    instance: str,
    ignore: str | None,
) -> None:
    user_workdir(tmp_path, monkeypatch, {}, SECRETS, alibaba_keys=True)
    at = ("--endpoint", server.endpoint)
    a = team(tmp_path, "team-a", {"registries.yaml": registries(SHARED), "rules.yaml": rules("team-a", 5)})
    b_files = {"registries.yaml": registries(instance), "rules.yaml": rules("team-b", 6)}
    b = team(tmp_path, "team-b", {**b_files, **({"ignore.yaml": ignore} if ignore else {})})
    code, _, err = run(capsys, "apply", a, "--auto-approve", *at)
    assert code == 0, err

    server.clear_calls()
    code, out, err = run(capsys, "plan", b, *at)
    assert code == 1
    assert writes(server) == []
    text = out + err
    assert "the plan creates 6 ACR event rule(s)" in text
    assert f"where 5 of the {RULES_PER_REGION} allowed per region" in text
    for index in range(1, 6):
        assert f"team-a-{index} ({SHARED})" in text
    code, out, _ = run(capsys, "plan", b, "--format", "json", *at)
    assert code == 1
    assert "team-a-1" in json.dumps(json.loads(out)["errors"])

    # apply refuses the same way: nothing of team B's is written (only the apply lock's lease).
    server.clear_calls()
    code, out, err = run(capsys, "apply", b, "--auto-approve", *at)
    assert code == 1
    assert not [call for call in server.calls if call.action.startswith(WRITES) and call.names("team-b")]
    assert "Run apply again" not in out + err

    # Five fit: the plan goes through, and so does the apply.
    Path(b, "rules.yaml").write_text(rules("team-b", 5))
    code, _, err = run(capsys, "apply", b, "--auto-approve", *at)
    assert code == 0, err


def test_names_holding_a_slot_and_deletions_are_counted_once() -> None:
    prod = Registry(name="prod", provider=Provider.ALIBABA, region="cn-hangzhou", instance_id=SHARED)
    held = tuple((f"r{i}", SHARED) for i in range(RULES_PER_REGION))
    usage = RegionRules(provider=Provider.ALIBABA, region="cn-hangzhou", registry_rules=held)
    url = SecretText(template="https://oapi.dingtalk.com/robot/send?access_token=x").resolve({})
    spec = RegistrySpec.of(
        Rule(
            name="new",
            registry="prod",
            event_type=EventType.BUILD,
            notify=Notify(method=NotifyMethod.DINGTALK, url=url),
        )
    )

    def create(name: str) -> Change:
        return Change(action=Action.CREATE, registry="prod", rule=name, operation=SaveEventRule(spec=spec))

    delete = Change(
        action=Action.DELETE,
        registry="prod",
        rule="r0",
        operation=DeleteRule(rule_id="crecr-0", bus_name="r0"),
    )
    (error,) = check_quota([prod], [create("new")], usage)
    assert "where 10 of the 10 allowed" in error.message
    assert "r0 (cri-quotashared1)" in error.message
    assert check_quota([prod], [create("r1")], usage) == ()  # its name holds a slot already
    assert check_quota([prod], [delete, create("new")], usage) == ()  # the deletion frees one


def test_apply_advises_a_rerun_only_when_a_rerun_can_finish(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any, server: RecordingEmulator
) -> None:
    files = {"registries.yaml": registries(SHARED), "rules.yaml": rules("svc", 1)}
    user_workdir(tmp_path, monkeypatch, files, SECRETS, alibaba_keys=True)
    monkeypatch.setenv("CRNOTIFY_MAX_ATTEMPTS", "1")
    at = ("--endpoint", server.endpoint)

    server.inject("CreateEventCenterRule", "reject")  # refused: a rerun fails the same way
    code, out, _ = run(capsys, "apply", "config", "--auto-approve", *at)
    assert code == 1
    assert "Apply failed part-way." in out
    assert "Run apply again" not in out
    assert "Not transient: prod/svc-1 failed" in out

    server.inject("CreateEventCenterRule", "unavailable")  # a 5xx: the next run gets past it
    code, out, _ = run(capsys, "apply", "config", "--auto-approve", *at)
    assert code == 1
    assert "Run apply again to finish" in out
    code, _, err = run(capsys, "apply", "config", "--auto-approve", *at)
    assert code == 0, err
