"""What `explain` says, and what validation errors say: paths first, then the reason in plain words."""

from __future__ import annotations

import doctest

import pytest

import crnotify.patterns
from crnotify.patterns import Explanation, FieldVerdict, InvalidPatternError, compile_pattern

SCAN_CHANGE = {
    "detail": {
        "repositories": [
            {"repository-name": "repository-1", "scan-frequency": "SCAN_ON_PUSH"},
            {"repository-name": "repository-2", "scan-frequency": "CONTINUOUS_SCAN"},
        ]
    }
}


def reasons(explanation: Explanation) -> list[str]:
    return [f.reason for f in explanation.fields]


def test_explain_names_the_failing_field_and_the_expectation() -> None:
    pattern = compile_pattern({"source": ["acs.cr"], "data": {"Tag": [{"prefix": "release-"}, "latest"]}})
    explanation = pattern.explain({"source": "acs.cr", "data": {"Tag": "v1.2"}})
    assert explanation.matched is False
    assert explanation.fields == (
        FieldVerdict("source", True, "source: 'acs.cr' matched 'acs.cr'"),
        FieldVerdict("data.Tag", False, "data.Tag: 'v1.2' did not match 'latest' or prefix 'release-'"),
    )
    assert explanation.failures() == explanation.fields[1:]
    assert str(explanation).splitlines() == [
        "did not match (alibaba dialect)",
        "  ✓ source: 'acs.cr' matched 'acs.cr'",
        "  ✗ data.Tag: 'v1.2' did not match 'latest' or prefix 'release-'",
    ]


def test_explain_absent_fields_and_exists() -> None:
    pattern = compile_pattern({"data": {"Digest": [{"exists": False}], "Tag": [{"exists": True}]}})
    assert reasons(pattern.explain({"data": {"Digest": "sha256:1"}})) == [
        "data.Digest: 'sha256:1' is present, but exists: false requires it to be absent",
        "data.Tag: absent (expected exists: true)",
    ]
    assert reasons(pattern.explain({"data": {"Tag": None}})) == [
        "data.Digest: absent (exists: false)",
        "data.Tag: present (exists: true)",
    ]


def test_explain_event_arrays_say_which_value_matched() -> None:
    pattern = compile_pattern({"detail": {"image-tags": ["stable", "latest"]}}, "aws")
    assert reasons(pattern.explain({"detail": {"image-tags": ["v1", "latest"]}})) == [
        "detail.image-tags: 'latest' (in ['v1', 'latest']) matched 'latest'"
    ]
    assert reasons(pattern.explain({"detail": {"image-tags": []}})) == [
        "detail.image-tags: [] has no values, so it counts as absent (expected 'stable' or 'latest')"
    ]


def test_explain_array_of_objects_reports_each_element_when_none_matches() -> None:
    pattern = compile_pattern(
        {
            "detail": {
                "repositories": {"repository-name": ["repository-1"], "scan-frequency": ["CONTINUOUS_SCAN"]}
            }
        },
        "aws",
    )
    explanation = pattern.explain(SCAN_CHANGE)
    assert explanation.matched is False
    assert [(f.path, f.matched) for f in explanation.fields] == [
        ("detail.repositories[0].repository-name", True),
        ("detail.repositories[0].scan-frequency", False),
        ("detail.repositories[1].repository-name", False),
        ("detail.repositories[1].scan-frequency", True),
        ("detail.repositories", False),
    ]
    assert "fields from different elements never combine" in explanation.fields[-1].reason


def test_explain_or_reports_every_branch_and_the_group() -> None:
    pattern = compile_pattern({"$or": [{"state": ["stopped"]}, {"count": [{"numeric": [">", 4]}]}]}, "aws")
    explanation = pattern.explain({"state": "running", "count": 5})
    assert explanation.matched is True
    assert [(f.path, f.matched) for f in explanation.fields] == [
        ("$or[0].state", False),
        ("$or[1].count", True),
        ("$or", True),
    ]
    assert explanation.fields[1].reason == "$or[1].count: 5 matched numeric > 4"
    assert explanation.fields[2].reason == "$or: branch 1 of 2 matched"


@pytest.mark.parametrize(
    ("pattern", "dialect", "message"),
    [
        (
            {"data": {"Tag": [{"contains": "v"}]}},
            "aws",
            'data.Tag[0]: unknown operator "contains" in the aws dialect',
        ),
        (
            {"data": {"Tag": [{"wildcard": "v*"}]}},
            "alibaba",
            'data.Tag[0]: unknown operator "wildcard" in the alibaba',
        ),
        (
            {"data": {"Tag": "v1"}},
            "alibaba",
            "data.Tag: must be an object or an array, not 'v1' (write [\"v1\"])",
        ),
        ({"data": {"Tag": []}}, "aws", "data.Tag: an empty array matches nothing"),
        ({"a": [{"numeric": [">", 5, "<", 1]}]}, "aws", 'a[0]: "numeric": the lower bound 5 must be below'),
        ({"a": [{"numeric": ["<", 1, ">", 0]}]}, "aws", 'a[0]: "numeric": a range is written [">" or ">="'),
        ({"a": [{"numeric": [">", 1e10]}]}, "alibaba", 'a[0]: "numeric": 10000000000.0 is outside -1.0e9'),
        (
            {"a": [{"cidr": "fe80::/10"}]},
            "alibaba",
            "a[0]: \"cidr\" 'fe80::/10': the alibaba dialect supports IPv4 only",
        ),
        ({"a": [{"wildcard": "a**"}]}, "aws", 'a[0]: "wildcard" \'a**\': consecutive "*" are not allowed'),
        ({"a": [{"prefix": "x", "suffix": "y"}]}, "aws", "a[0]: one operator per object in the aws dialect"),
        (
            {"$or": [{"a": ["x"]}, {"b": ["y"]}]},
            "alibaba",
            '$or: "$or" is not supported in the alibaba dialect',
        ),
        (
            {"a": [{"anything-but": [1, "x"]}]},
            "aws",
            'a[0]: "anything-but" list must be all strings or all numbers',
        ),
        ({"a": [[1]]}, "aws", "a[0]: an array inside a field's array is not allowed"),
        ({}, "aws", "(pattern): an empty object is not allowed"),
        ("[1]", "aws", "(pattern): must be a JSON object"),
        ("{", "alibaba", "(pattern): not valid JSON"),
    ],
)
def test_invalid_patterns_name_path_and_reason(pattern: object, dialect: str, message: str) -> None:
    with pytest.raises(InvalidPatternError) as caught:
        compile_pattern(pattern, dialect)  # type: ignore[arg-type]
    assert str(caught.value).startswith(message), str(caught.value)
    assert isinstance(caught.value, ValueError)
    assert str(caught.value) == f"{caught.value.path}: {caught.value.reason}"


def test_unknown_dialect_is_rejected() -> None:
    with pytest.raises(InvalidPatternError, match="unknown dialect"):
        compile_pattern({"a": ["x"]}, "gcp")  # type: ignore[arg-type]


def test_aws_pattern_size_counts_the_text_given() -> None:
    long_value = "x" * 2030
    compact = '{"a":["' + long_value + '"]}'
    assert compile_pattern(compact, "aws").matches({"a": long_value})
    with pytest.raises(InvalidPatternError, match="EventBridge allows at most 2048"):
        compile_pattern(compact.replace(":", ":" + " " * 30), "aws")
    assert compile_pattern({"a": [long_value]}, "alibaba").matches({"a": long_value})


def test_module_docstring_example_runs() -> None:
    result = doctest.testmod(crnotify.patterns)
    assert result.attempted >= 3
    assert result.failed == 0
