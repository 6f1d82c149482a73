"""ACR tag regexes → EventBridge pattern values: every accepted form, and the refusals."""

from __future__ import annotations

import pytest

from crnotify.providers.aws import tag_filters


@pytest.mark.parametrize(
    ("regex", "values"),
    [
        (".*", ()),
        ("^.*$", ()),
        ("(.*)", ()),
        ("latest", ("latest",)),
        ("^latest$", ("latest",)),
        (r"v1\.2\.3", ("v1.2.3",)),
        ("v.*", ({"prefix": "v"},)),
        (r"^release-.*$", ({"prefix": "release-"},)),
        (".*-rc", ({"suffix": "-rc"},)),
        ("release-.*-final", ({"wildcard": "release-*-final"},)),
        (".*nightly.*", ({"wildcard": "*nightly*"},)),
        ("a.*.*b", ({"wildcard": "a*b"},)),
        (r".*a\*b.*", ({"wildcard": r"*a\*b*"},)),
        (r"a\*.*", ({"prefix": "a*"},)),
        ("latest|v.*", ("latest", {"prefix": "v"})),
        ("^(latest|stable)$", ("latest", "stable")),
        ("(?:prod-.*|.*-prod)", ({"prefix": "prod-"}, {"suffix": "-prod"})),
        ("a|a", ("a",)),
        ("a|.*", ()),
        ("", ("",)),
    ],
)
def test_tag_regexes_that_translate_exactly(regex: str, values: tuple[object, ...]) -> None:
    assert tag_filters.tag_pattern_values(regex) == values
    assert tag_filters.tag_pattern_reason(regex) is None


@pytest.mark.parametrize(
    "regex",
    [
        "v[0-9]+",  # character class
        r"v\d.*",  # class escape
        "v.+",  # one or more: prefix "v" would also match the tag "v"
        "v.",  # exactly one character
        "a(b|c)",  # alternation inside a sequence
        "(a)|(b)",  # groups per branch
        "(?i)latest",  # flags
        "colou?r",  # optional character
        "v{2}",  # counted repetition
        "[",  # does not compile
        r"\bword",  # assertion
    ],
)
def test_tag_regexes_that_are_refused(regex: str) -> None:
    assert tag_filters.tag_pattern_values(regex) is None
    reason = tag_filters.tag_pattern_reason(regex)
    assert reason is not None
    assert repr(regex) in reason


def test_single_operator_view() -> None:
    assert tag_filters.tag_pattern_operator("v.*") == {"prefix": "v"}
    assert tag_filters.tag_pattern_operator("latest") == "latest"
    assert tag_filters.tag_pattern_operator(".*") is None  # no condition at all
    assert tag_filters.tag_pattern_operator("a|b") is None  # two values
    assert tag_filters.tag_pattern_operator("v[0-9]") is None
