"""Renderers pinned by golden files. Regenerate with `CRNOTIFY_UPDATE_GOLDEN=1 pytest tests/test_render.py`
and review the diff: these files are the user interface."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from crnotify.apply import apply, read_live
from crnotify.drift import detect
from crnotify.importer import import_rule, render_yaml
from crnotify.model import BusCustomization, Config, MessageTemplate, ScanStatus, TemplateFormat
from crnotify.planner import Plan, plan
from crnotify.providers.alibaba.convention import RegistrySpec
from crnotify.render import drift_json, drift_text, plan_json, plan_markdown, plan_text
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
