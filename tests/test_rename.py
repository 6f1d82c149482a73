"""Renames without a gap (issue 15 item 5): `renamed_from: OLD` makes plan show one rename, apply create
the new rule before it deletes the old one, and drift report one `renamed` finding for both names.

On Alibaba against the emulator over HTTP, whose call log (`EmulatorServer.record_calls`) shows the
rules that notify after every API call of the apply; on AWS against moto's server, checked after every
step of the apply with boto3. Then the edges: an old rule already gone (a no-op), an apply cut short
between the steps (the next one finishes), an old rule that is not crnotify's (refused), and the
validation of `renamed_from`.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import boto3
import pytest

from crnotify.apply import StepResult, StepStatus, apply, read_live
from crnotify.config import load
from crnotify.drift import DriftKind, detect
from crnotify.emulator.server import EmulatorServer
from crnotify.model import BusCustomization, Config
from crnotify.planner import Action, plan
from crnotify.providers.alibaba.limits import RECORD_PREFIX
from crnotify.providers.aws.provider import AwsProvider
from crnotify.providers.retry import NO_RETRY
from crnotify.render import apply_text, plan_json, plan_markdown, plan_text
from support.aws_rules import ECR_PROD, resolved
from support.cli_run import run_cli, user_workdir
from support.fakecloud import REGISTRY, http, rule
from test_apply_emulator import provider_for
from test_aws_provider import SECRETS as AWS_SECRETS
from test_aws_provider import sync_rule
from test_render import check

NAMES = {"hook", "hook-old"}


def _old() -> Config:
    return Config(
        registries=(REGISTRY,),
        rules=(rule("hook-old", notify=http(), bus=BusCustomization(description="CI")),),
    )


def _new() -> Config:
    renamed = rule("hook", notify=http(), bus=BusCustomization(description="CI"), renamed_from="hook-old")
    return Config(registries=(REGISTRY,), rules=(renamed,))


def _applied(config: Config, emulator: EmulatorServer) -> None:
    cloud = provider_for(emulator)
    assert apply(plan(config, read_live(config, cloud)), cloud, config).converged


def test_the_plan_shows_one_rename_in_text_json_and_markdown(emulator: EmulatorServer) -> None:
    _applied(_old(), emulator)
    config = _new()
    result = plan(config, read_live(config, provider_for(emulator)))
    assert [(c.action, c.rule) for c in result.changes] == [
        (Action.RENAME, "hook"),
        (Action.REAPPLY_BUS, "hook"),
        (Action.DELETE, "hook-old"),
    ]
    assert result.summary.rename == 1
    assert (result.summary.create, result.summary.delete) == (0, 0)
    check("plan_rename.txt", plan_text.render(result))
    check("plan_rename.json", plan_json.render(result))
    check("plan_rename.md", plan_markdown.render(result))
    document = json.loads(plan_json.render(result))
    assert document["summary"] == {"create": 0, "update": 0, "delete": 0, "rename": 1}
    assert [c.get("renamed_from") for c in document["changes"]] == ["hook-old", None, None]
    assert [c.get("renamed_to") for c in document["changes"]] == [None, None, "hook"]


def test_drift_reports_one_renamed_finding_for_both_names(emulator: EmulatorServer) -> None:
    _applied(_old(), emulator)
    config = _new()
    report = detect(config, read_live(config, provider_for(emulator)))
    assert [(i.rule, i.kind, i.detail) for i in report.items] == [
        ("hook", DriftKind.RENAMED, "renamed from hook-old: apply creates hook, then deletes hook-old")
    ]


def test_apply_creates_the_new_rule_before_deleting_the_old_one(emulator: EmulatorServer) -> None:
    _applied(_old(), emulator)
    config = _new()
    cloud = provider_for(emulator)
    emulator.record_calls()
    result = apply(plan(config, read_live(config, cloud)), cloud, config)
    assert result.converged
    # The rules' writes; the ownership record's (`providers.alibaba.ownership`) follow each rule's.
    writes = [
        c for c in emulator.calls if not c.action.startswith(("Get", "List")) and not c.names(RECORD_PREFIX)
    ]
    assert [c.action for c in writes] == ["CreateEventCenterRule", "UpdateRule", "DeleteEventCenterRule"]
    assert all(call.notifying & NAMES for call in emulator.calls), emulator.calls  # never a gap
    assert writes[0].notifying >= NAMES  # both, for a moment
    assert emulator.calls[-1].notifying & NAMES == {"hook"}
    assert "1 renamed" in apply_text.render(result)
    assert detect(config, read_live(config, cloud)).items == ()


def test_an_old_rule_already_gone_is_a_no_op_and_the_plan_says_renamed_from_may_go(
    emulator: EmulatorServer,
) -> None:
    config = _new()
    cloud = provider_for(emulator)
    assert plan(config, read_live(config, cloud)).notes == ()  # nothing live yet: a plain create
    _applied(replace(config, rules=(replace(config.rules[0], renamed_from=None),)), emulator)
    result = plan(config, read_live(config, cloud))
    assert result.is_empty
    note = (
        "prod/hook: renamed_from 'hook-old' names no live rule any more (the rename is done); "
        "it may be removed"
    )
    assert result.notes == (note,)
    assert plan_text.render(result) == f"Note: {note}\n\nNo changes. The cloud matches the configuration.\n"
    assert "Note: " + note.replace("_", "\\_") + "." in plan_markdown.render(result)  # Markdown-escaped
    assert json.loads(plan_json.render(result))["notes"] == [note]
    assert detect(config, read_live(config, cloud)).items == ()


def test_an_apply_cut_short_between_the_steps_is_finished_by_the_next(emulator: EmulatorServer) -> None:
    _applied(_old(), emulator)
    config = _new()
    once = provider_for(emulator, retry=NO_RETRY)
    emulator.inject("DeleteEventCenterRule", "unavailable")  # the old rule's deletion fails
    first = apply(plan(config, read_live(config, once)), once, config)
    assert [(s.change.action, s.status) for s in first.steps] == [
        (Action.RENAME, StepStatus.APPLIED),
        (Action.REAPPLY_BUS, StepStatus.APPLIED),
        (Action.DELETE, StepStatus.FAILED),
    ]
    cloud = provider_for(emulator)
    again = plan(config, read_live(config, cloud))
    assert [(c.action, c.rule, c.renamed_to) for c in again.changes] == [(Action.DELETE, "hook-old", "hook")]
    assert plan_text.render(again).endswith("Plan: 0 to create, 0 to update, 0 to delete, 1 to rename.\n")
    (finding,) = detect(config, read_live(config, cloud)).items
    assert (finding.kind, finding.detail) == (
        DriftKind.RENAMED,
        "renamed from hook-old: hook exists; apply deletes hook-old",
    )
    emulator.record_calls()
    assert apply(again, cloud, config).converged
    assert all(call.notifying & NAMES == {"hook"} for call in emulator.calls)


def test_an_old_rule_crnotify_does_not_own_is_never_deleted(
    emulator: EmulatorServer, cr_client: Any, eventbridge_client: Any, create_event_center_rule: Any
) -> None:
    from test_import_adopt import console_rules  # noqa: PLC0415 (its instance and token)

    registry = replace(REGISTRY, instance_id="cri-adopt0001")
    console_rules(cr_client, eventbridge_client, create_event_center_rule, "hook-old")
    renamed = replace(_new().rules[0], registry=registry.name)
    cloud = provider_for(emulator)
    for live_new in (False, True):
        if live_new:
            _applied(Config(registries=(registry,), rules=(replace(renamed, renamed_from=None),)), emulator)
        config = Config(registries=(registry,), rules=(renamed,))
        result = plan(config, read_live(config, cloud))
        (error,) = result.errors
        assert "is not managed by crnotify, which deletes only rules it owns" in error.message
        if live_new:
            assert "both 'hook-old' and 'hook' exist" in error.message
        assert error.hint is not None
        assert "--rule hook-old --adopt" in error.hint
        assert all(change.rule != "hook-old" for change in result.changes)
        assert [i.kind for i in detect(config, read_live(config, cloud)).items] == [DriftKind.CONFLICT]


def test_aws_rename_keeps_one_rule_at_every_step(aws_env: dict[str, str]) -> None:
    old = resolved(replace(sync_rule(), name="sync-old"), AWS_SECRETS)
    new = replace(old, name="sync-new", renamed_from="sync-old")
    provider = AwsProvider(env=AWS_SECRETS)
    events = boto3.client("events", region_name=ECR_PROD.region)
    first = Config(registries=(ECR_PROD,), rules=(old,))
    assert apply(plan(first, read_live(first, provider)), provider, first).converged
    config = Config(registries=(ECR_PROD,), rules=(new,))
    result = plan(config, read_live(config, provider))
    assert [(c.action, c.rule) for c in result.changes] == [
        (Action.RENAME, "sync-new"),
        (Action.DELETE, "sync-old"),
    ]
    assert [(i.rule, i.kind) for i in detect(config, read_live(config, provider)).items] == [
        ("sync-new", DriftKind.RENAMED)
    ]
    seen: list[set[str]] = []

    def after(step: StepResult) -> None:
        seen.append({r["Name"] for r in events.list_rules()["Rules"]} & {"sync-old", "sync-new"})

    outcome = apply(result, provider, config, on_step=after)
    assert outcome.converged
    assert seen == [{"sync-old", "sync-new"}, {"sync-new"}]
    assert detect(config, read_live(config, provider)).items == ()


RULES = """\
version: 1
registries:
  - name: prod
    provider: alibaba
    region: cn-hangzhou
    instance_id: cri-prod
rules:
  - name: a
    registry: prod
    event: build
    scope: instance
    renamed_from: {a_from}
    notify:
      https:
        url: https://hooks.example.com/a
  - name: b
    registry: prod
    event: build
    scope: instance
    renamed_from: {b_from}
    notify:
      https:
        url: https://hooks.example.com/b
"""


@pytest.mark.parametrize(
    ("a_from", "b_from", "message"),
    [
        ("a", "old", "rule 'a' is renamed from itself"),
        ("b", "old", "rule 'a' is renamed from 'b', which is still declared: the rename would delete it"),
        ("old", "old", "rules 'a' and 'b' are both renamed from 'old'"),
    ],
)
def test_validation_refuses_a_rename_that_would_delete_a_declared_rule(
    tmp_path: Path, a_from: str, b_from: str, message: str
) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(RULES.format(a_from=a_from, b_from=b_from))
    result = load([str(path)], env={})
    errors = [d for d in result.diagnostics if d.is_error]
    assert [(d.code, d.message) for d in errors] == [("CRN206", message)]
    assert errors[0].location.endswith(":12:19" if message.startswith("rule 'a'") else ":20:19")


def test_renamed_from_runs_end_to_end(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    emulator: EmulatorServer,
) -> None:
    text = RULES.format(a_from="a-old", b_from="b-old")
    user_workdir(
        tmp_path,
        monkeypatch,
        {"rules.yaml": text.replace("renamed_from: a-old", "renamed_from: gone")},
        {},
        alibaba_keys=True,
    )
    at = ("--endpoint", emulator.endpoint)
    code, _, err = run_cli(capsys, (), "apply", "config", "--auto-approve", *at)
    assert code == 0, err
    (tmp_path / "config" / "rules.yaml").write_text(
        text.replace("name: b\n", "name: b-new\n").replace("b-old", "b")
    )
    code, out, err = run_cli(capsys, (), "plan", "config", *at, "--out", "plan.json")
    assert code == 0, err
    assert "» rename prod/b-new (from b)" in out
    assert out.endswith("Plan: 0 to create, 0 to update, 0 to delete, 1 to rename.\n")
    code, out, err = run_cli(capsys, (), "apply", "--plan", "plan.json", "--auto-approve", *at)
    assert code == 0, err
    assert "1 renamed" in out + err
    code, out, err = run_cli(capsys, (), "drift", "config", *at)
    assert code == 0, out + err
