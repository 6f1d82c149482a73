"""`validate --format sarif|github`: SARIF 2.1.0 that validates against the official schema, and GitHub
workflow commands escaped the way the runner parses them; both pinned by golden files built from every
example in examples/invalid/ and examples/warnings/.

Regenerate the golden files with CRNOTIFY_UPDATE_GOLDEN=1 after an intended change, and review the diff.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from jsonschema import Draft4Validator

from crnotify.cli import main
from crnotify.config import load
from crnotify.diagnostics import Diagnostic, error, warning
from crnotify.diagnostics.codes import TITLES
from crnotify.render import diagnostics_github, diagnostics_sarif
from crnotify.render.diagnostics_github import escape_data, escape_property
from crnotify.render.diagnostics_sarif import artifact_uri
from crnotify.source import Mark

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "tests" / "golden"
SCHEMA = json.loads((REPO / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())
UPDATE = os.environ.get("CRNOTIFY_UPDATE_GOLDEN") == "1"
EXAMPLES = sorted((REPO / "examples" / "invalid").glob("*.yaml")) + sorted(
    (REPO / "examples" / "warnings").glob("*.yaml")
)
_ENV = re.compile(rb"\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}")


@pytest.fixture
def example_diagnostics(monkeypatch: pytest.MonkeyPatch) -> list[Diagnostic]:
    """The diagnostics of every example file, each loaded on its own, paths relative to the repo."""
    monkeypatch.chdir(REPO)
    for path in EXAMPLES:
        for name in _ENV.findall(path.read_bytes()):
            monkeypatch.delenv(name.decode(), raising=False)
    found: list[Diagnostic] = []
    for path in EXAMPLES:
        found.extend(load([str(path.relative_to(REPO))]).diagnostics)
    return found


def compare(name: str, text: str) -> None:
    golden = GOLDEN / name
    if UPDATE:
        golden.write_text(text)
    assert golden.exists(), f"{name} is missing; run with CRNOTIFY_UPDATE_GOLDEN=1"
    assert text == golden.read_text()


def test_sarif_of_the_examples_is_valid_sarif_and_pinned(example_diagnostics: list[Diagnostic]) -> None:
    text = diagnostics_sarif.render(example_diagnostics, catalogue=TITLES, version="0.1.0", base=str(REPO))
    log = json.loads(text)
    Draft4Validator(SCHEMA).validate(log)
    compare("validate-examples.sarif.json", text)

    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(TITLES)
    assert all(r["help"]["text"] and r["shortDescription"]["text"] for r in rules)
    assert len(run["results"]) == len(example_diagnostics)
    for result, d in zip(run["results"], example_diagnostics, strict=True):
        assert result["ruleId"] == d.code
        assert rules[result["ruleIndex"]]["id"] == d.code
        assert result["level"] == ("error" if d.is_error else "warning")
        assert result["message"]["text"].startswith(d.message)
        physical = result["locations"][0]["physicalLocation"]
        assert unquote(physical["artifactLocation"]["uri"]) == d.file
        if d.line is not None:
            assert physical["region"] == {"startLine": d.line, "startColumn": d.col}
    # Every code the examples are meant to show appears; warnings are warnings.
    assert {r["level"] for r in run["results"]} == {"error", "warning"}


def test_github_commands_of_the_examples_are_pinned(example_diagnostics: list[Diagnostic]) -> None:
    text = diagnostics_github.render(example_diagnostics, files=[str(p.relative_to(REPO)) for p in EXAMPLES])
    compare("validate-examples.github.txt", text)
    lines = text.splitlines()
    assert len(lines) == len(example_diagnostics) + 1
    for line, d in zip(lines[:-1], example_diagnostics, strict=True):
        assert line.startswith(f"::{d.severity.value} file={escape_property(d.file or '')},line={d.line},")
        assert f",title={d.code}::" in line


def test_github_escaping_follows_the_runner() -> None:
    d = error("CRN205", "100% of 'a,b:c'\r\nsecond line", hint="fix it").at(Mark("dir,x/a:b.yaml", 3, 4))
    line = diagnostics_github.render([d], files=["dir,x/a:b.yaml"]).splitlines()[0]
    assert line == (
        "::error file=dir%2Cx/a%3Ab.yaml,line=3,col=4,title=CRN205::"
        "100%25 of 'a,b:c'\\x0d%0Asecond line%0Ahint: fix it"
    )
    assert escape_data("a%b\r\n") == "a%25b%0D%0A"
    assert escape_property("k:v,w%") == "k%3Av%2Cw%25"


def test_github_diagnostic_without_a_file_has_only_a_title() -> None:
    text = diagnostics_github.render([warning("CRN007", "empty")], files=[])
    assert text.splitlines()[0] == "::warning title=CRN007::empty"
    assert text.splitlines()[1] == "crnotify validate: valid: 0 errors, 1 warning in 0 files"


@pytest.mark.parametrize(
    ("file", "uri"),
    [
        ("team-a.yaml", "team-a.yaml"),
        ("notifications/team a.yaml", "notifications/team%20a.yaml"),
        ("./x/../y.yaml", "y.yaml"),
        ("/work/repo/sub/z.yaml", "sub/z.yaml"),
        ("/elsewhere/z.yaml", "file:///elsewhere/z.yaml"),
        ("../sibling/z.yaml", "file:///work/sibling/z.yaml"),
    ],
)
def test_artifact_uris_are_relative_to_the_base(file: str, uri: str) -> None:
    assert artifact_uri(file, "/work/repo") == uri


def test_sarif_without_locations_or_known_codes_still_validates() -> None:
    log = json.loads(
        diagnostics_sarif.render([error("CRN999", "odd")], catalogue={"CRN001": "x"}, version="1.0", base="/")
    )
    Draft4Validator(SCHEMA).validate(log)
    assert "locations" not in log["runs"][0]["results"][0]
    assert [r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]] == ["CRN001", "CRN999"]


@pytest.mark.parametrize("fmt", ["sarif", "github"])
def test_cli_formats_exit_like_text(
    fmt: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    assert main(["validate", "examples/invalid/unknown-registry.yaml", "--format", fmt]) == 1
    out = capsys.readouterr().out
    if fmt == "sarif":
        log = json.loads(out)
        Draft4Validator(SCHEMA).validate(log)
        uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri == "examples/invalid/unknown-registry.yaml"
    else:
        assert out.startswith("::error file=examples/invalid/unknown-registry.yaml,line=11,col=15,")
    monkeypatch.setenv("DINGTALK_TOKEN", "t-token-1")
    assert main(["validate", "examples/warnings/tag-anchored-start.yaml", "--format", fmt]) == 0
