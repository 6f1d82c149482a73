"""Renderers are pure functions pinned by golden files (tests/golden/diagnostics.*).
Regenerate with CRNOTIFY_UPDATE_GOLDEN=1 after an intended change, and review the diff."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from crnotify.diagnostics import error, warning
from crnotify.model import (
    BusCustomization,
    Config,
    EventType,
    MessageTemplate,
    Notify,
    NotifyMethod,
    Provider,
    Registry,
    Rule,
    ScanStatus,
    Scope,
    ScopeKind,
    SecretText,
    TemplateFormat,
)
from crnotify.render import diagnostics_json, diagnostics_text, rules_json, rules_text
from crnotify.render.diagnostics_json import FORMAT_VERSION
from crnotify.render.diagnostics_text import render_diagnostics
from crnotify.source import Mark

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("CRNOTIFY_UPDATE_GOLDEN") == "1"

DIAGNOSTICS = (
    error(
        "CRN205",
        "rule 'scan-api' refers to registry 'prod', which is not declared",
        hint="did you mean 'prod-hz'?",
        path=("rules", 0, "registry"),
    ).at(Mark("team-a.yaml", 7, 15)),
    warning("CRN216", "environment variable DINGTALK_TOKEN is not set", path=("rules", 1)).at(
        Mark("team-a.yaml", 12, 18)
    ),
    error("CRN001", "nope.yaml does not exist"),
)
CONFIG = Config(
    registries=(
        Registry(name="prod-hz", provider=Provider.ALIBABA, region="cn-hangzhou", instance_id="cri-a"),
    ),
    rules=(
        Rule(
            name="scan-api",
            registry="prod-hz",
            event_type=EventType.SCAN,
            scope=Scope(kind=ScopeKind.REPO, namespaces=("team-a",), repositories=("api", "web")),
            tag_pattern="v.*",
            scan_status=(ScanStatus.COMPLETE,),
            notify=Notify(
                method=NotifyMethod.DINGTALK,
                url=SecretText(
                    template="https://oapi.dingtalk.com/robot/send?access_token=${env:T}",
                    value="https://oapi.dingtalk.com/robot/send?access_token=RESOLVED",
                ),
                secret=SecretText(template="${env:S}", value="SECRESOLVED"),
            ),
            bus=BusCustomization(
                template=MessageTemplate(
                    format=TemplateFormat.MARKDOWN,
                    title="T",
                    text="${Tag}",
                    variables=(("Tag", "$.data.Tag"),),
                ),
                enabled=False,
            ),
        ),
        Rule(
            name="build-all",
            registry="prod-hz",
            event_type=EventType.BUILD,
            scope=Scope(kind=ScopeKind.NAMESPACE, namespaces=("a", "b")),
            notify=Notify(
                method=NotifyMethod.HTTP,
                url=SecretText(template="http://ci.example.com/x", value="http://ci.example.com/x"),
            ),
        ),
    ),
)


def compare(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text)
    assert text == path.read_text()


@pytest.mark.parametrize("config", [None, CONFIG], ids=["invalid", "valid"])
def test_text(config: Config | None) -> None:
    diagnostics = DIAGNOSTICS if config is None else DIAGNOSTICS[1:2]  # a valid config has no errors
    text = diagnostics_text.render(diagnostics, config=config, files=["team-a.yaml", "registries.yaml"])
    compare(f"diagnostics-{'valid' if config else 'invalid'}.txt", text)


@pytest.mark.parametrize("config", [None, CONFIG], ids=["invalid", "valid"])
def test_json(config: Config | None) -> None:
    diagnostics = DIAGNOSTICS if config is None else DIAGNOSTICS[1:2]
    text = diagnostics_json.render(diagnostics, config=config, files=["team-a.yaml", "registries.yaml"])
    compare(f"diagnostics-{'valid' if config else 'invalid'}.json", text)
    document = json.loads(text)
    assert document["format_version"] == FORMAT_VERSION
    assert document["valid"] is (config is not None)
    assert text == json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def test_the_rules_renderers_are_the_rules_part_of_validates_report() -> None:
    """`rules_text`/`rules_json` render the declared rules alone; validate's report embeds exactly that."""
    warnings = DIAGNOSTICS[1:2]
    report = diagnostics_text.render(warnings, config=CONFIG, files=["team-a.yaml"])
    table = rules_text.render(CONFIG)
    assert table.startswith("REGISTRY  RULE")
    assert report.endswith("\n\n" + table)
    records = json.loads(rules_json.render(CONFIG))
    assert [r["name"] for r in records] == sorted(r.name for r in CONFIG.rules)
    assert json.loads(diagnostics_json.render(warnings, config=CONFIG, files=[]))["rules"] == records


@pytest.mark.parametrize("render", [diagnostics_text.render, diagnostics_json.render])
def test_resolved_secrets_never_appear(render: object) -> None:
    text = render(DIAGNOSTICS, config=CONFIG, files=[])  # type: ignore[operator]
    assert "RESOLVED" not in text
    assert "${env:S}" in text or "signed" in text


def test_colour_only_when_asked() -> None:
    plain = diagnostics_text.render(DIAGNOSTICS, config=None, files=[])
    coloured = diagnostics_text.render(DIAGNOSTICS, config=None, files=[], color=True)
    assert "\x1b[" not in plain
    assert "\x1b[31merror\x1b[0m" in coloured
    assert "\x1b[33mwarning\x1b[0m" in coloured


def test_control_characters_from_input_are_escaped() -> None:
    sneaky = error("CRN103", "unknown field '\x1b[2Jboom' in rules[0]").at(Mark("a\x07.yaml", 1, 1))
    text = diagnostics_text.render([sneaky], config=None, files=["a.yaml"])
    assert "\x1b" not in text
    assert "\x07" not in text
    assert "\\x1b[2Jboom" in text
    assert "\\u202e" in diagnostics_text.render([error("CRN103", "x\u202ey")], config=None, files=[])


def test_diagnostics_alone_for_commands_that_stop_on_an_invalid_config() -> None:
    lines = render_diagnostics(DIAGNOSTICS)
    assert diagnostics_text.render(DIAGNOSTICS, config=None, files=[]).startswith(lines)
    assert lines.count("\n") == 4  # three diagnostics, one hint
    assert render_diagnostics([]) == ""


def test_one_line_per_diagnostic_even_when_its_text_spans_lines() -> None:
    """Editors and CI annotators read one diagnostic per line: a line break in a message or hint
    (a multi-line schema example, a user's key) is shown escaped, never as a new line."""
    broken = error("CRN102", "missing 'text'\nin the template", hint="for example: a\nb").at(
        Mark("a\nb.yaml", 3, 4)
    )
    assert render_diagnostics([broken]) == (
        "a\\nb.yaml:3:4: error CRN102 missing 'text'\\nin the template\n  hint: for example: a\\nb\n"
    )


def test_a_missing_multi_line_field_is_hinted_as_one_yaml_line(tmp_path: Path) -> None:
    """Found by the CLI fuzzer: the schema's example of a template `text` spans two lines."""
    from crnotify.config import load  # noqa: PLC0415

    (tmp_path / "c.yaml").write_text(
        "version: 1\nregistries:\n  - {name: r, provider: alibaba, region: cn-hangzhou, instance_id: cri-a}\n"
        "rules:\n  - name: x\n    registry: r\n    event: scan\n    scope: instance\n"
        "    notify: {http: {url: 'http://h.example.com/x'}}\n"
        "    bus: {template: {format: markdown, title: t}}\n",
        encoding="utf-8",
    )
    (missing,) = [d for d in load([str(tmp_path / "c.yaml")]).diagnostics if d.code == "CRN102"]
    assert missing.hint is not None
    assert "\n" not in missing.hint
    assert 'text: "### ${RepoNamespaceName}/${RepoName}:${Tag}\\n- high: ${HighSeverity}"' in missing.hint
