"""Renderers pinned by golden files. Regenerate with `CRNOTIFY_UPDATE_GOLDEN=1 pytest tests/test_render.py`
and review the diff: these files are the user interface."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from crnotify.apply import apply, read_live
from crnotify.drift import detect
from crnotify.errors import ProviderError
from crnotify.importer import import_rule, render_yaml
from crnotify.model import BusCustomization, Config, MessageTemplate, Registry, ScanStatus, TemplateFormat
from crnotify.planner import Plan, plan
from crnotify.providers.alibaba.convention import RegistrySpec
from crnotify.render import (
    apply_json,
    apply_text,
    drift_json,
    drift_text,
    plan_json,
    plan_markdown,
    plan_text,
)
from support.fakecloud import ENV, REGISTRY, FakeCloud, http, rule

GOLDEN = Path(__file__).parent / "golden"
TEMPLATE = MessageTemplate(
    format=TemplateFormat.MARKDOWN,
    title="Scan",
    text="### ${RepoName}:${Tag}\n- high: ${HighSeverity}",
    variables=(
        ("HighSeverity", "$.data.HighSeverity"),
        ("RepoName", "$.data.RepoName"),
        ("Tag", "$.data.Tag"),
    ),
)


def check(name: str, text: str) -> None:
    for value in ENV.values():
        assert value not in text, f"secret leaked into {name}"
    path = GOLDEN / name
    if os.environ.get("CRNOTIFY_UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"


def config(*rules: object) -> Config:
    return Config(registries=(REGISTRY,), rules=tuple(rules))  # type: ignore[arg-type]


def create_plan() -> Plan:
    cfg = config(
        rule("scan-api", bus=BusCustomization(template=TEMPLATE, enabled=False)), rule("hook", notify=http())
    )
    return plan(cfg, read_live(cfg, FakeCloud()))


def mixed_cloud() -> tuple[Config, FakeCloud]:
    cloud = FakeCloud()
    first = config(rule("scan-api"), rule("hook", notify=http()), rule("old"), rule("edited"))
    assert apply(plan(first, read_live(first, cloud)), cloud, first).converged
    marker = cloud.bus["cn-hangzhou"]["edited"].description.rsplit(" ", 1)[1]
    cloud.edit_bus(REGISTRY, "edited", description=f"edited by hand {marker}")
    cloud.save_registry(REGISTRY, RegistrySpec.of(rule("theirs")))
    cloud.save_registry(REGISTRY, RegistrySpec.of(rule("taken")))
    cloud.edit_bus(REGISTRY, "taken", enabled=False)
    now = config(
        rule("scan-api", scan_status=(ScanStatus.FAILED,), bus=BusCustomization(template=TEMPLATE)),
        rule("hook", notify=http("https://hooks.example.com/v2")),
        rule("edited", scan_status=(ScanStatus.COMPLETE,)),
        rule("taken"),
    )
    return now, cloud


@pytest.mark.parametrize("color", [False, True])
def test_create_plan_text(color: bool) -> None:
    check(
        "plan_create.color.txt" if color else "plan_create.txt", plan_text.render(create_plan(), color=color)
    )


def test_create_plan_json() -> None:
    text = plan_json.render(create_plan())
    document = json.loads(text)
    assert document["summary"] == {"create": 2, "update": 0, "delete": 0, "rename": 0}
    check("plan_create.json", text)


def test_mixed_plan() -> None:
    now, cloud = mixed_cloud()
    p = plan(now, read_live(now, cloud))
    check("plan_mixed.txt", plan_text.render(p))
    check("plan_mixed.json", plan_json.render(p))


def test_no_changes() -> None:
    cfg = config(rule("scan-api"))
    cloud = FakeCloud()
    apply(plan(cfg, read_live(cfg, cloud)), cloud, cfg)
    text = plan_text.render(plan(cfg, read_live(cfg, cloud)))
    assert text.endswith("No changes. The cloud matches the configuration.\n")


class FailingCloud(FakeCloud):
    """Every write of the registry rule named `fails` fails, as a call still failing after retries."""

    fails = "hook"

    def update_registry_rule(self, registry: Registry, rule_id: str, spec: RegistrySpec) -> None:
        if spec.rule_name == self.fails:
            raise ProviderError("Alibaba Cloud call failed: UpdateEventCenterRule (Throttling.User)")
        super().update_registry_rule(registry, rule_id, spec)


def test_partial_apply_history() -> None:
    """A bad apply: one write fails (its bus step is skipped), one rule changed in the console after
    the plan read it (refused), the rest applied — the history in plan order, numbered."""
    mixed, fake = mixed_cloud()
    now = config(*(r for r in mixed.rules if r.name != "taken"))  # "taken" is a plan error
    cloud = FailingCloud()
    cloud.acr, cloud.bus = fake.acr, fake.bus
    live = read_live(now, cloud)
    p = plan(now, live)
    cloud.edit_bus(REGISTRY, "scan-api", enabled=False)  # after the read: its update is refused
    result = apply(p, cloud, now, live=live, overwrite_bus_edits=True)
    outcomes = {(s.change.rule, s.status.value) for s in result.steps}
    assert {("hook", "failed"), ("scan-api", "refused"), ("old", "applied")} <= outcomes
    check("apply_partial.json", apply_json.render(p, result))
    check("apply_partial.txt", apply_text.render(result))


def test_drift() -> None:
    now, cloud = mixed_cloud()
    report = detect(now, read_live(now, cloud))
    check("drift_mixed.txt", drift_text.render(report))
    check("drift_mixed.json", drift_json.render(report))


def test_escape_sequences_from_the_cloud_never_reach_the_terminal() -> None:
    cfg = config(rule("scan-api"))
    cloud = FakeCloud()
    apply(plan(cfg, read_live(cfg, cloud)), cloud, cfg)
    marker = cloud.bus["cn-hangzhou"]["scan-api"].description.rsplit(" ", 1)[1]
    cloud.edit_bus(REGISTRY, "scan-api", description=f"\x1b[2J\u202eevil {marker}")
    text = plan_text.render(plan(cfg, read_live(cfg, cloud))) + drift_text.render(
        detect(cfg, read_live(cfg, cloud))
    )
    assert "\x1b" not in text
    assert "\u202e" not in text
    assert "\\u001b[2J" in text  # shown, escaped


def test_import_yaml() -> None:
    _, cloud = mixed_cloud()
    live = cloud.read([REGISTRY]).of("prod")
    check("import_prod.yaml", render_yaml(REGISTRY, [import_rule(REGISTRY, r) for r in live], adopting=False))


def test_a_tag_regex_that_cannot_be_read_is_shown_as_unknown_not_as_added() -> None:
    cloud = FakeCloud()
    first = config(rule("scan-api", tag_pattern="v.*"))
    assert apply(plan(first, read_live(first, cloud)), cloud, first).converged
    now = config(rule("scan-api", tag_pattern="release-.*"))
    p = plan(now, read_live(now, cloud))
    why = "not visible on the bus; crnotify last saved a different regex"
    assert f'      ~ tag_pattern: (unknown: {why}) → "release-.*"\n' in plan_text.render(p)
    (tag,) = json.loads(plan_json.render(p))["changes"][0]["fields"]
    assert tag == {
        "path": "tag_pattern",
        "before": None,
        "before_unknown": why,
        "after": "release-.*",
        "sensitive": False,
    }
    assert "| `tag_pattern` | _unknown: not visible on the bus; crnotify last saved a different" in (
        plan_markdown.render(p)
    )
