"""`crnotify import` on a shared instance (issue 15 items 1 and 8), as a user runs it against the
emulator over HTTP: the adopt hint plan and drift print runs as printed and adopts only the rule it
names; `--adopt` never takes over rules nobody named; the YAML written is one a person would keep."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml
from alibabacloud_eventbridge20200401 import models as eb_models

from conftest import outside_rule
from crnotify.emulator.server import EmulatorServer
from crnotify.marker import read_marker
from support.cli_run import run_cli, user_workdir

SECRETS = {"DT_TOKEN": "dt-token-0123456789", "TEAM_TOKEN": "team-token-0123456"}
INSTANCE = "cri-adopt0001"
REGISTRIES = f"""\
version: 1
registries:
  - name: prod
    provider: alibaba
    region: cn-hangzhou
    instance_id: {INSTANCE}
"""
# Rule `a` as team A declares it; the console made it (with the same token) before crnotify did.
RULE_A = """\
version: 1
rules:
  - name: a
    registry: prod
    event: build
    scope: instance
    notify:
      dingtalk:
        webhook: https://oapi.dingtalk.com/robot/send?access_token=${env:DT_TOKEN}
"""
HINT = re.compile(r"`(crnotify import [^`]+)`")


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    files = {"registries.yaml": REGISTRIES, "rules.yaml": RULE_A}
    return user_workdir(tmp_path, monkeypatch, files, SECRETS, alibaba_keys=True)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    return run_cli(capsys, SECRETS.values(), *argv)


def console_rules(cr_client: Any, eventbridge_client: Any, create: Any, *names: str) -> None:
    """Rules made in the console, each with a description edited there: not crnotify's to guess."""
    for name in names:
        create(cr_client, INSTANCE, outside_rule(name=name, token=SECRETS["DT_TOKEN"]))
        edit_description(eventbridge_client, name, f"{name} (ask #platform)")


def edit_description(eventbridge_client: Any, name: str, description: str) -> None:
    """A plain UpdateRule as the console sends it: the rule's pattern, a new description."""
    got = eventbridge_client.get_rule(eb_models.GetRuleRequest(event_bus_name="default", rule_name=name))
    request = eb_models.UpdateRuleRequest(
        event_bus_name="default",
        rule_name=name,
        filter_pattern=got.body.data.filter_pattern,
        description=description,
    )
    eventbridge_client.update_rule(request)


def owned(eventbridge_client: Any, name: str) -> bool:
    request = eb_models.GetRuleRequest(event_bus_name="default", rule_name=name)
    description = eventbridge_client.get_rule(request).body.data.description or ""
    return read_marker(description).digest is not None


def test_printed_hints_run_as_printed_and_adopt_only_the_named_rule(
    workdir: Path,
    emulator: EmulatorServer,
    capsys: Any,
    cr_client: Any,
    eventbridge_client: Any,
    create_event_center_rule: Any,
) -> None:
    console_rules(cr_client, eventbridge_client, create_event_center_rule, "a", "b")
    at = ("--endpoint", emulator.endpoint)
    code, out, err = run(capsys, "plan", "config", *at)
    assert code == 1
    plan_hints = HINT.findall(out + err)
    code, out, _ = run(capsys, "drift", "config", *at)
    assert code == 2
    drift_hints = HINT.findall(out)
    expected = f"crnotify import config --endpoint {emulator.endpoint} --registry prod --rule a --adopt"
    assert plan_hints == drift_hints == [expected]

    for hint in plan_hints + drift_hints:  # the second finds `a` adopted already: nothing to do
        argv = shlex.split(hint)
        assert argv[0] == "crnotify"
        code, out, err = run(capsys, *argv[1:])
        assert code == 0, err
        assert "- name: a" in out
        assert "- name: b" not in out
    assert "Adopted 0 rule(s): none needed." in err
    assert owned(eventbridge_client, "a")
    assert not owned(eventbridge_client, "b")

    # `b` stays someone else's: no plan deletes it, and apply leaves it where it is.
    code, out, _ = run(capsys, "plan", "config", "--format", "json", *at)
    assert code == 0
    assert "b" not in {change["rule"] for change in yaml.safe_load(out)["changes"]}
    code, _, err = run(capsys, "apply", "config", "--auto-approve", *at)
    assert code == 0, err
    assert not owned(eventbridge_client, "b")
    code, out, _ = run(capsys, "drift", "config", "--format", "json", *at)
    assert [(d["rule"], d["kind"]) for d in yaml.safe_load(out)["drift"]] == [("b", "unmanaged")]


def test_adopt_without_rule_refuses_on_a_shared_instance(
    workdir: Path,
    emulator: EmulatorServer,
    capsys: Any,
    cr_client: Any,
    eventbridge_client: Any,
    create_event_center_rule: Any,
) -> None:
    console_rules(cr_client, eventbridge_client, create_event_center_rule, "a", "b", "ci-1", "ci-2")
    at = ("--endpoint", emulator.endpoint)
    code, _, err = run(capsys, "import", "config", "--registry", "prod", "--adopt", *at)
    assert code == 1
    assert "has 4 rules crnotify does not manage (a, b, ci-1, ci-2)" in err
    assert "--rule" in err
    assert "--all" in err
    assert not any(owned(eventbridge_client, n) for n in ("a", "b", "ci-1", "ci-2"))

    code, _, err = run(capsys, "import", "config", "--registry", "prod", "--rule", "ci-*", "--adopt", *at)
    assert code == 0, err
    assert "Adopted 2 rule(s): ci-1, ci-2." in err
    assert [owned(eventbridge_client, n) for n in ("a", "b", "ci-1", "ci-2")] == [False, False, True, True]

    code, _, err = run(capsys, "import", "config", "--registry", "prod", "--rule", "nope-*", *at)
    assert (code, "no live rule named nope-*" in err) == (1, True)
    code, _, err = run(capsys, "import", "config", "--registry", "prod", "--adopt", "--all", *at)
    assert code == 0, err
    assert "Adopted 2 rule(s): a, b." in err


# --- item 8: YAML a person would keep -------------------------------------------------------------

DECLARED = """\
version: 1
rules:
  - name: a
    registry: prod
    event: build
    scope: instance
    tags: release-.*
    notify:
      dingtalk:
        webhook: https://oapi.dingtalk.com/robot/send?access_token=${env:TEAM_TOKEN}
    bus:
      template:
        format: markdown
        title: Pushed
        text: |
          ### ${RepoName}:${Tag}
          pushed by CI
"""


def test_import_reuses_declared_names_and_writes_block_scalars(
    workdir: Path, emulator: EmulatorServer, capsys: Any
) -> None:
    (workdir / "config" / "rules.yaml").write_text(DECLARED)
    at = ("--endpoint", emulator.endpoint)
    code, _, err = run(capsys, "apply", "config", "--auto-approve", *at)
    assert code == 0, err
    code, out, err = run(capsys, "import", "config", "--registry", "prod", *at)
    assert code == 0, err
    assert "access_token=${env:TEAM_TOKEN}" in out  # the name the team already sets
    assert "# set $TEAM_TOKEN to" in out
    assert "A_DINGTALK_TOKEN" not in out
    assert "    tags: release-.*\n" in out  # not visible on the bus: the declared regex is kept
    assert "the tag regex is not visible" not in out
    assert "        text: |\n          ### ${RepoName}:${Tag}\n          pushed by CI\n" in out
    (rule,) = yaml.safe_load(out)["rules"]
    assert rule["bus"]["template"]["text"] == "### ${RepoName}:${Tag}\npushed by CI\n"


def test_out_refuses_to_overwrite_without_force(workdir: Path, emulator: EmulatorServer, capsys: Any) -> None:
    at = ("--endpoint", emulator.endpoint)
    code, _, err = run(capsys, "apply", "config", "--auto-approve", *at)
    assert code == 0, err
    kept = workdir / "config" / "rules.yaml"
    before = kept.read_text()
    code, _, err = run(capsys, "import", "config", "--registry", "prod", "--out", str(kept), *at)
    assert code == 1
    assert f"{kept} already exists" in err
    assert "--force" in err
    assert kept.read_text() == before
    code, _, err = run(capsys, "import", "config", "--registry", "prod", "--out", str(kept), "--force", *at)
    assert code == 0, err
    assert kept.read_text() != before
    assert "- name: a" in kept.read_text()
