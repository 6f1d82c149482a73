"""Both dialects against case sets validated by the engines the clouds run, which we did not write.

aws/: aws/event-ruler's tests (RulerTest, ACMachineTest, GenericMachineTest, JsonRuleCompilerTest and
src/test/data/); alibaba/: apache/rocketmq-eventbridge's PatternEvaluatorTest and
PatternEvaluatorBuilderTest. Sources, commits, licences and the cases left out (each with its reason) are
in tests/patterns/validated/README.md; EXCLUDED below holds the same list, so a case is never dropped
silently: an excluded case must still disagree with our engine, and every other case must agree.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crnotify.patterns import InvalidPatternError, compile_pattern

VALIDATED = Path(__file__).parent / "validated"


def _load(dialect: str, name: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(
        (VALIDATED / dialect / f"{name}.json").read_text(encoding="utf-8")
    )
    return data


# (dialect, file, source) → why we differ on purpose. Mirrors the README's "Excluded" lists.
EXCLUDED: dict[tuple[str, str, str], str] = {
    ("aws", "valid", "JsonRuleCompilerTest.testCompile#19"): (
        '{"exactly": …} is accepted by event-ruler but not documented for EventBridge; an exact value is '
        "written as the plain value"
    ),
    (
        "aws",
        "invalid",
        "JsonRuleCompilerTest.testNumericExpressions bads[5]",
    ): "1E-325 underflows while parsing",
    (
        "aws",
        "invalid",
        "JsonRuleCompilerTest.testNumericExpressions bads[11]",
    ): "1E-325 underflows while parsing",
    (
        "aws",
        "invalid",
        "JsonRuleCompilerTest.testNumericExpressions bads[17]",
    ): "1E-325 underflows while parsing",
    (
        "aws",
        "invalid",
        "JsonRuleCompilerTest.testNumericExpressions bads[23]",
    ): "1E-325 underflows while parsing",
    ("alibaba", "matches", "PatternEvaluatorTest.evaluateWithNumericCondition#6"): (
        "a numeric bound with 7 decimal places: the Alibaba docs allow at most 6, so we refuse it"
    ),
}


def _ids(cases: list[dict[str, Any]]) -> list[str]:
    """Unique, stable ids: the source, numbered when a source holds several cases."""
    seen: dict[str, int] = {}
    out = []
    for case in cases:
        n = seen.get(case["source"], 0)
        seen[case["source"]] = n + 1
        out.append(
            case["source"] if n == 0 and not _repeated(cases, case["source"]) else f"{case['source']}#{n}"
        )
    return out


def _repeated(cases: list[dict[str, Any]], source: str) -> bool:
    return sum(1 for c in cases if c["source"] == source) > 1


def _params(dialect: str, name: str) -> list[Any]:
    cases = _load(dialect, name)
    return [
        pytest.param(case, EXCLUDED.get((dialect, name, case_id)), id=case_id)
        for case, case_id in zip(cases, _ids(cases), strict=True)
    ]


def _agrees(outcome: bool, excluded: str | None) -> None:
    if excluded is None:
        assert outcome
    else:  # a documented difference: it must still be one, or the exclusion is stale
        assert not outcome, f"excluded ({excluded}) but our engine now agrees; drop the exclusion"


def _aws_matches(case: dict[str, Any]) -> bool:
    try:
        compiled = compile_pattern(case["pattern"], "aws")
    except InvalidPatternError:
        return False
    event = json.loads(case["event"])
    return compiled.matches(event) is case["expected"] and compiled.explain(event).matched is case["expected"]


@pytest.mark.parametrize(("case", "excluded"), _params("aws", "matches"))
def test_aws_matches_like_event_ruler(case: dict[str, Any], excluded: str | None) -> None:
    _agrees(_aws_matches(case), excluded)


def _accepts(pattern: str, dialect: str) -> bool:
    try:
        compile_pattern(pattern, dialect)  # type: ignore[arg-type]
    except InvalidPatternError:
        return False
    return True


@pytest.mark.parametrize(("case", "excluded"), _params("aws", "valid"))
def test_aws_accepts_what_event_ruler_accepts(case: dict[str, Any], excluded: str | None) -> None:
    _agrees(_accepts(case["pattern"], "aws"), excluded)


@pytest.mark.parametrize(("case", "excluded"), _params("aws", "invalid"))
def test_aws_refuses_what_event_ruler_refuses(case: dict[str, Any], excluded: str | None) -> None:
    _agrees(not _accepts(case["pattern"], "aws"), excluded)


def _alibaba_matches(case: dict[str, Any]) -> bool:
    """Run one PatternEvaluator call: `evaluateData` sees the pattern's `data` against the event's data;
    `evaluateSpecAttr`/`evaluateExtensionAttr` see the other keys against the event's attributes."""
    pattern = json.loads(case["pattern"])
    if case["evaluate"] == "data":
        part = {"data": pattern["data"]} if "data" in pattern else {}
        event = {"data": case["input"]}
    else:
        part = {k: v for k, v in pattern.items() if k != "data"}
        event = case["input"]
    try:
        compiled = compile_pattern(part, "alibaba")
    except InvalidPatternError:
        return False
    return compiled.matches(event) is case["expected"]


@pytest.mark.parametrize(("case", "excluded"), _params("alibaba", "matches"))
def test_alibaba_matches_like_rocketmq_eventbridge(case: dict[str, Any], excluded: str | None) -> None:
    _agrees(_alibaba_matches(case), excluded)


@pytest.mark.parametrize(("case", "excluded"), _params("alibaba", "valid"))
def test_alibaba_accepts_what_rocketmq_eventbridge_accepts(
    case: dict[str, Any], excluded: str | None
) -> None:
    _agrees(_accepts(case["pattern"], "alibaba"), excluded)


@pytest.mark.parametrize(("case", "excluded"), _params("alibaba", "invalid"))
def test_alibaba_refuses_what_rocketmq_eventbridge_refuses(
    case: dict[str, Any], excluded: str | None
) -> None:
    _agrees(not _accepts(case["pattern"], "alibaba"), excluded)


def test_exclusions_name_real_cases() -> None:
    known = {(d, n, i) for d, n in {(k[0], k[1]) for k in EXCLUDED} for i in _ids(_load(d, n))}
    assert set(EXCLUDED) <= known


def test_numbers_compare_by_value_in_aws_and_by_text_in_alibaba() -> None:
    # event-ruler (aws) adds a numeric-equality match to an exact number; rocketmq-eventbridge (alibaba)
    # compares the text (PatternEvaluatorTest.evaluateWithScientificNumber: [3.0e2] does not match 300).
    assert compile_pattern('{"a": [3.0e2]}', "aws").matches({"a": 300})
    assert not compile_pattern('{"data": {"a": [3.0e2]}}', "alibaba").matches({"data": {"a": 300}})
    assert not compile_pattern('{"a": [300]}', "aws").matches({"a": "300"})  # a string is no number
    assert not compile_pattern('{"a": [1]}', "aws").matches({"a": True})
