"""AWS wildcards: linear-time matching, and event-ruler's complexity limit on its own test cases.

complexity.json is data taken from aws/event-ruler's MachineComplexityEvaluatorTest (see
tests/patterns/validated/README.md): each case's wildcard patterns and the complexity event-ruler
computes for them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from crnotify.patterns import InvalidPatternError, compile_pattern
from crnotify.patterns._wildcard import complexity, parse_wildcard

CASES: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "validated" / "aws" / "complexity.json").read_text(encoding="utf-8")
)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["source"].split(".")[-1])
def test_complexity_matches_event_ruler(case: dict[str, Any]) -> None:
    wildcards = [parse_wildcard(t) for t in case["wildcards"] + case["anything_but_wildcards"]]
    assert complexity(wildcards, 100) == case["complexity"]


def test_complexity_is_capped_quickly_for_huge_patterns() -> None:
    # event-ruler's testEvaluateBeyondMaxComplexity: 10,000 copies of F*e*a*t*u*r*e* hit the cap of 100.
    assert complexity([parse_wildcard("F*e*a*t*u*r*e*" * 10_000)], 100) == 100


def test_catastrophic_wildcard_is_refused_like_eventbridge_refuses_it() -> None:
    with pytest.raises(InvalidPatternError) as info:
        compile_pattern({"detail": {"tag": [{"wildcard": "*a*a*a*a*a*a*a*a*b"}]}}, "aws")
    assert info.value.path == "detail.tag"
    assert "too complex" in info.value.reason


def test_complexity_sums_a_fields_wildcards_across_or_and_anything_but() -> None:
    one = {"x": [{"wildcard": "*a*a*a*"}]}  # complexity 7
    compile_pattern(one, "aws")
    both = {"$or": [one, {"x": [{"anything-but": {"wildcard": "*a*a*"}}]}, {"y": ["z"]}]}  # 7 + 5
    with pytest.raises(InvalidPatternError, match="too complex"):
        compile_pattern(both, "aws")
    compile_pattern({"x": [{"wildcard": "*a*a*a*"}], "y": [{"wildcard": "*a*a*a*"}]}, "aws")  # per field


def test_wildcard_matching_is_linear() -> None:
    # A regex made from this pattern backtracks exponentially (56 s at 60 characters); the matcher does
    # one pass of str.find per segment. The limit refuses the pattern, so the matcher is called directly.
    pattern = parse_wildcard("*a*a*a*a*a*a*a*a*b")
    assert pattern.matches("a" * 100_000) is False
    assert pattern.matches("a" * 100_000 + "b") is True


@pytest.mark.parametrize(
    "pattern",
    ["", "*", "a*", "*a", "a*b", "*a*b*", "ab*ba", "a\\*b*", "a\\\\*", "*aa*aa*", "x*y*x", "a*a"],
)
def test_wildcard_agrees_with_a_regex_on_small_inputs(pattern: str) -> None:
    parsed = parse_wildcard(pattern)
    regex = re.compile(
        "".join(".*" if t is None else re.escape(t) for t in parsed.tokens), re.DOTALL
    )  # fine here: tiny inputs
    for n in range(6):
        for i in range(3**n if n < 5 else 0):
            value = "".join("abx*\\"[(i // 3**k) % 3] for k in range(n))
            assert parsed.matches(value) == (regex.fullmatch(value) is not None), (pattern, value)
