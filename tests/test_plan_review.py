"""Plans a reviewer can trust (issue 15 item 7), against the emulator over HTTP: a rule moving between
two instances of a region shows its whole create; `reapply-bus` shows what changes on the live bus
rule (a token rotation is one line, not ACR's default template); no block is a lone `+ marker`; an
HTTP(S) token is `notify.token`; after `import --adopt` no plan claims a `.*` the rule never had; a
plan that fails never also says the cloud matches."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from crnotify.apply import apply, read_live
from crnotify.emulator.server import EmulatorServer
from crnotify.model import (
    BusCustomization,
    Config,
    MessageTemplate,
    Notify,
    NotifyMethod,
    Provider,
    Registry,
    SecretText,
    TemplateFormat,
)
from crnotify.planner import Action, Plan, plan
from crnotify.render import plan_json, plan_markdown, plan_text
from support.fakecloud import REGISTRY, http, rule
from test_apply_emulator import provider_for
from test_import_adopt import console_rules, run
from test_import_adopt import workdir as workdir  # noqa: PLC0414 (the fixture, re-exported for pytest)

TEMPLATE = MessageTemplate(
    format=TemplateFormat.JSON,
    text='{"repo": "${RepoName}", "tag": "${Tag}"}',
    variables=(("RepoName", "$.data.RepoName"), ("Tag", "$.data.Tag")),
)


def _applied(config: Config, emulator: EmulatorServer) -> None:
    cloud = provider_for(emulator)
    assert apply(plan(config, read_live(config, cloud)), cloud, config).converged


def _plan(config: Config, emulator: EmulatorServer) -> Plan:
    return plan(config, read_live(config, provider_for(emulator)))


def _fields(result: Plan, action: Action) -> list[str]:
    return [f.path for c in result.changes if c.action is action for f in c.fields]


def test_a_rule_moving_between_two_instances_of_a_region_shows_its_whole_create(
    emulator: EmulatorServer,
) -> None:
    team_a = Registry(name="team-a", provider=Provider.ALIBABA, region="cn-hangzhou", instance_id="cri-a")
    team_b = replace(team_a, name="team-b", instance_id="cri-b")
    before = Config(registries=(team_a, team_b), rules=(rule("hook", registry="team-a", notify=http()),))
    _applied(before, emulator)
    after = Config(registries=(team_a, team_b), rules=(rule("hook", registry="team-b", notify=http()),))
    result = _plan(after, emulator)
    (create,) = [c for c in result.changes if c.registry == "team-b" and c.action is Action.CREATE]
    assert [f.path for f in create.fields] == [
        "event_type",
        "notify.method",
        "notify.token",
        "notify.url",
        "scope.kind",
        "tag_pattern",
    ]
    assert all(f.before is None for f in create.fields)
    assert create.reasons == (
        "the bus rule of this name is instance cri-a's; creating the registry rule on cri-b "
        "regenerates it for this instance",
    )
    assert "only its bus rule remains" not in plan_text.render(result)
    cloud = provider_for(emulator)
    assert apply(result, cloud, after).converged


def test_a_token_rotation_shows_one_line_on_the_bus_not_the_template(
    emulator: EmulatorServer,
) -> None:
    declared = rule("hook", notify=http(), bus=BusCustomization(template=TEMPLATE))
    _applied(Config(registries=(REGISTRY,), rules=(declared,)), emulator)
    rotated = Notify(
        method=NotifyMethod.HTTPS,
        url=declared.notify.url,
        secret=SecretText(template="${env:HOOK_TOKEN}").resolve({"HOOK_TOKEN": "hook-token-rotated"}),
    )
    config = Config(registries=(REGISTRY,), rules=(replace(declared, notify=rotated),))
    result = _plan(config, emulator)
    assert [c.action for c in result.changes] == [Action.UPDATE, Action.REAPPLY_BUS]
    update, reapply = result.changes
    assert [(f.path, f.sensitive_status) for f in update.fields] == [("notify.token", "changed")]
    assert [(f.path, f.secret) for f in reapply.fields] == [("targets.acr-notify.params.Token.value", True)]
    text = plan_text.render(result)
    assert "Body" not in text
    assert "notify.secret" not in text
    assert "hook-token" not in text + plan_json.render(result) + plan_markdown.render(result)
    assert "~ targets.acr-notify.params.Token.value: (sensitive: changed)" in text


def test_no_block_is_a_lone_marker(emulator: EmulatorServer) -> None:
    config = Config(registries=(REGISTRY,), rules=(rule("scan-api"), rule("hook", notify=http())))
    result = _plan(config, emulator)
    assert "marker" not in _fields(result, Action.REAPPLY_BUS)
    text = plan_text.render(result)
    assert "marker =" not in text
    blocks = [block for block in text.split("\n\n") if block.strip()]
    assert all(
        [line.strip() for line in block.splitlines()[1:]] != ["+ marker = (sensitive)"] for block in blocks
    )
    assert "`marker`" not in plan_markdown.render(result)


def test_a_failed_plan_never_says_the_cloud_matches(
    emulator: EmulatorServer, cr_client: Any, eventbridge_client: Any, create_event_center_rule: Any
) -> None:
    registry = replace(REGISTRY, instance_id="cri-adopt0001")
    console_rules(cr_client, eventbridge_client, create_event_center_rule, "taken")
    config = Config(registries=(registry,), rules=(rule("taken"),))
    result = _plan(config, emulator)
    assert result.errors
    assert not result.changes
    text = plan_text.render(result)
    markdown = plan_markdown.render(result)
    assert "No changes" not in text
    assert "matches the configuration" not in text
    assert text.endswith(
        "Plan failed: 1 rule(s) cannot be planned (above); nothing can be applied until they are fixed.\n"
    )
    assert "no changes" not in markdown
    assert "matches the configuration" not in markdown
    assert "### crnotify plan: failed" in markdown


def test_after_adopting_a_plan_never_claims_a_tag_regex_the_rule_never_had(
    workdir: Path,
    emulator: EmulatorServer,
    capsys: pytest.CaptureFixture[str],
    cr_client: Any,
    eventbridge_client: Any,
    create_event_center_rule: Any,
) -> None:
    console_rules(cr_client, eventbridge_client, create_event_center_rule, "a")
    at = ("--endpoint", emulator.endpoint)
    code, imported, err = run(capsys, "import", "config", *at, "--registry", "prod", "--rule", "a", "--adopt")
    assert code == 0, err
    rules = workdir / "config" / "rules.yaml"
    rules.write_text(imported)  # the YAML the import printed, as a user keeps it
    code, out, err = run(capsys, "plan", "config", *at)
    assert (code, out.strip()) == (0, "No changes. The cloud matches the configuration."), err

    rules.write_text(imported.replace("    scope: instance\n", "    scope: instance\n    tags: v.*\n"))
    code, out, err = run(capsys, "plan", "config", *at, "--format", "json")
    assert code == 0, err
    fields = [f for c in json.loads(out)["changes"] for f in c["fields"] if f["path"] == "tag_pattern"]
    assert fields == [
        {
            "path": "tag_pattern",
            "before": None,
            "after": "v.*",
            "sensitive": False,
            "before_unknown": "not visible on the bus; the rule was adopted by `crnotify import --adopt`, "
            "which cannot read it",
        }
    ]
    code, out, err = run(capsys, "plan", "config", *at)
    assert '".*"' not in out
    code, _, err = run(capsys, "apply", "config", *at, "--auto-approve")
    assert code == 0, err
    code, out, err = run(capsys, "plan", "config", *at)
    assert (code, out.strip()) == (0, "No changes. The cloud matches the configuration."), err
