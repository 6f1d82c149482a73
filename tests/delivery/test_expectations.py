"""Expectation files beside event files: parsing, clear errors, and how they judge verdicts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crnotify.emulator.expectations import EventFileError, check, load_cases, load_expectations
from crnotify.emulator.offline import Message, Verdict


def verdict(rule: str, *, fires: bool, registry: str = "prod", body: str = "", reason: str = "") -> Verdict:
    messages = (Message(target_id="acr-notify", kind="http", endpoint="e", body=body),) if fires else ()
    return Verdict(registry=registry, rule=rule, fires=fires, reason=reason, messages=messages)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_event_files_pair_with_their_expectations(tmp_path: Path) -> None:
    write(tmp_path / "a.json", json.dumps({"id": "1"}))
    write(
        tmp_path / "a.expect.yaml", "fires: [scan]\ndoes_not_fire: build\nmessage_contains: {scan: [x, y]}\n"
    )
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub" / "b.json", json.dumps({"id": "2"}))
    cases = load_cases(str(tmp_path))
    assert [Path(c.path).name for c in cases] == ["a.json", "b.json"]
    first = cases[0].expectations
    assert first is not None
    assert (first.fires, first.does_not_fire, first.message_contains) == (
        ("scan",),
        ("build",),
        (("scan", ("x", "y")),),
    )
    assert cases[1].expectations is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("fires: [a]\nfire: [b]\n", r"unknown key\(s\) fire;"),
        ("fires: {a: 1}\n", "fires must be a string or a list of strings"),
        ("- a\n", "expected a mapping"),
        ("fires: [a\n", ":2:1: YAML syntax error"),
        ("message_contains: [a]\n", "message_contains maps a rule"),
    ],
)
def test_bad_expectation_files_name_the_file_and_the_problem(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path / "e.expect.yaml", text)
    with pytest.raises(EventFileError, match=message) as caught:
        load_expectations(path)
    assert str(path) in str(caught.value)


def test_expectations_without_their_event_are_errors(tmp_path: Path) -> None:
    write(tmp_path / "scan-v1.json", json.dumps({"id": "1"}))
    write(tmp_path / "scan-v2.expect.yaml", "fires: [scan]\n")
    with pytest.raises(EventFileError, match=r"scan-v2.expect.yaml: no event file scan-v2.json beside it"):
        load_cases(str(tmp_path))
    (tmp_path / "scan-v2.expect.yaml").rename(tmp_path / "scan-v1.expect.yml")
    with pytest.raises(EventFileError, match=r"scan-v1.expect.yml: name expectation files NAME.expect.yaml"):
        load_cases(str(tmp_path))
    (tmp_path / "scan-v1.expect.yml").rename(tmp_path / "scan-v1.expect.yaml")
    (case,) = load_cases(str(tmp_path))
    assert case.expectations is not None
    assert case.expectations.fires == ("scan",)


def test_bad_event_files_are_clear_errors(tmp_path: Path) -> None:
    write(tmp_path / "bad.json", '{"id": 1,,}')
    with pytest.raises(EventFileError, match=r"bad.json:1:10: invalid JSON"):
        load_cases(str(tmp_path))
    write(tmp_path / "bad.json", "[1, 2]")
    with pytest.raises(EventFileError, match="one JSON object"):
        load_cases(str(tmp_path / "bad.json"))
    with pytest.raises(EventFileError, match="no such file"):
        load_cases(str(tmp_path / "missing"))
    (tmp_path / "bad.json").unlink()
    with pytest.raises(EventFileError, match="no event files"):
        load_cases(str(tmp_path))


def test_checks_pass_and_fail_with_reasons(tmp_path: Path) -> None:
    path = write(
        tmp_path / "e.expect.yaml",
        "fires: [scan, prod/build, nope]\ndoes_not_fire: [other]\n"
        "message_contains: {scan: [v1.2, v9], other: x}\n",
    )
    verdicts = [
        verdict("scan", fires=True, body="image team-a/api:v1.2"),
        verdict("build", fires=False, reason="did not match"),
        verdict("other", fires=True),
    ]
    results = {c.description: (c.passed, c.detail) for c in check(load_expectations(path), verdicts)}
    assert results == {
        "scan fires": (True, ""),
        "prod/build fires": (False, "did not match"),
        "nope fires": (False, "no declared rule named 'nope'"),
        "other does not fire": (False, "it fires"),
        "scan message contains 'v1.2'": (True, ""),
        "scan message contains 'v9'": (False, "not in the message of target(s) acr-notify"),
        "other message contains 'x'": (False, "not in the message of target(s) acr-notify"),
    }


def test_a_name_declared_in_two_registries_must_be_qualified(tmp_path: Path) -> None:
    path = write(tmp_path / "e.expect.yaml", "fires: [scan, staging/scan]\n")
    verdicts = [verdict("scan", fires=True), verdict("scan", fires=False, registry="staging", reason="r")]
    (ambiguous, qualified) = check(load_expectations(path), verdicts)
    assert not ambiguous.passed
    assert "ambiguous (prod/scan, staging/scan)" in ambiguous.detail
    assert (qualified.passed, qualified.detail) == (False, "r")
