"""Properties of the pattern engine on generated input (Hypothesis).

- compiling arbitrary JSON raises nothing but InvalidPatternError, in both dialects;
- a compiled pattern's `matches` never raises, whatever JSON the event is;
- `explain(event).matched` always equals `matches(event)`.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crnotify.patterns import CompiledPattern, InvalidPatternError, compile_pattern

DIALECTS = st.sampled_from(["alibaba", "aws"])
KEYS = st.sampled_from(["a", "b", "c", "data", "detail", "Tag", "$or", "x.y", ""])
OPERATOR_NAMES = st.sampled_from(
    [
        "prefix",
        "suffix",
        "contains",
        "anything-but",
        "numeric",
        "cidr",
        "exists",
        "equals-ignore-case",
        "wildcard",
    ]
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**12), max_value=10**12)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(alphabet="ab*\\/.0123456789:-", max_size=8)
)
ANY_JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(KEYS | st.text(max_size=3), inner, max_size=4)
    ),
    max_leaves=20,
)
# Shaped like patterns, so that validation goes deep: objects of fields, arrays of values and operators.
OPERATOR_ARGS = ANY_JSON | st.lists(
    st.sampled_from([">", ">=", "<", "<=", "=", "!=", 0, 5, 1.5, -3]), max_size=5
)
PATTERN_LIKE = st.recursive(
    st.lists(SCALARS | st.dictionaries(OPERATOR_NAMES, OPERATOR_ARGS, min_size=1, max_size=2), max_size=4),
    lambda inner: (
        st.dictionaries(KEYS, inner, max_size=3) | st.lists(st.dictionaries(KEYS, inner), max_size=3)
    ),
    max_leaves=12,
)

# Mostly valid patterns, to exercise matching.
STRINGS = st.text(alphabet="abc-./:*", max_size=5)
VALUE_CONDITIONS = st.one_of(
    SCALARS.filter(
        lambda v: not (isinstance(v, float) and v != v) and v not in (float("inf"), float("-inf"))
    ),
    st.builds(lambda s: {"prefix": s}, STRINGS.filter(bool)),
    st.builds(lambda s: {"suffix": s}, STRINGS.filter(bool)),
    st.builds(lambda s: {"anything-but": s}, STRINGS),
    st.builds(lambda s: {"anything-but": {"prefix": s}}, STRINGS.filter(bool)),
    st.builds(lambda b: {"exists": b}, st.booleans()),
    st.builds(lambda lo: {"numeric": [">", lo, "<=", lo + 10]}, st.integers(-100, 100)),
    st.builds(lambda n: {"numeric": ["=", n]}, st.integers(-5, 5)),
    st.sampled_from(
        [{"cidr": "10.0.0.0/8"}, {"wildcard": "a*b"}, {"equals-ignore-case": "AB"}, {"contains": "a"}]
    ),
)
LEAVES = st.lists(VALUE_CONDITIONS, min_size=1, max_size=3)
FIELDS = st.sampled_from(["a", "b", "c", "Tag"])
PATTERNS = st.recursive(
    st.dictionaries(FIELDS, LEAVES, min_size=1, max_size=3),
    lambda inner: (
        st.dictionaries(FIELDS, inner | LEAVES, min_size=1, max_size=3)
        | st.builds(lambda branches: {"$or": branches}, st.lists(inner, min_size=2, max_size=3))
    ),
    max_leaves=8,
)
EVENT_VALUES = st.recursive(
    SCALARS | st.sampled_from(["ab", "a-b", "10.1.2.3", "AB", "a.b", ""]) | st.integers(-20, 20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(FIELDS | KEYS, inner, max_size=4),
    max_leaves=25,
)


def _compile_or_none(pattern: Any, dialect: Any) -> CompiledPattern | None:
    try:
        return compile_pattern(pattern, dialect)
    except InvalidPatternError:
        return None


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(ANY_JSON | PATTERN_LIKE | st.dictionaries(KEYS, PATTERN_LIKE, max_size=3), DIALECTS)
def test_compile_raises_only_invalid_pattern_error(pattern: Any, dialect: Any) -> None:
    compiled = _compile_or_none(pattern, dialect)
    if compiled is not None:
        assert isinstance(compiled.pattern, dict)
    text = json.dumps(pattern, allow_nan=True)
    _compile_or_none(text, dialect)


@given(st.text(max_size=40), DIALECTS)
def test_compile_of_arbitrary_text_raises_only_invalid_pattern_error(text: str, dialect: Any) -> None:
    _compile_or_none(text, dialect)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(PATTERNS, DIALECTS, EVENT_VALUES)
def test_matches_never_raises_and_explain_agrees(pattern: Any, dialect: Any, event: Any) -> None:
    compiled = _compile_or_none(pattern, dialect)
    if compiled is None:
        return  # e.g. an aws-only operator drawn for alibaba
    answer = compiled.matches(event)
    assert isinstance(answer, bool)
    explanation = compiled.explain(event)
    assert explanation.matched is answer
    assert str(explanation).splitlines()[0].startswith("matched" if answer else "did not match")
    if not answer:
        assert explanation.failures(), "a rejection names at least one failing field"
