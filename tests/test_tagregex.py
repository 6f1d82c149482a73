from __future__ import annotations

import re

import pytest

from crnotify.tagregex import (
    Inexpressible,
    TagRegexError,
    anchored_only_at_start,
    compile_tag_regex,
    matches,
    to_eventbridge,
)


@pytest.mark.parametrize(
    ("pattern", "tag", "expected"),
    [
        (".*", "anything", True),
        ("v[0-9]+\\..*", "v12.3", True),
        ("v[0-9]+\\..*", "xv12.3", False),  # the whole tag must match
        ("^v1\\.", "v1.2", False),
        ("^v1\\.", "v1.", True),
        ("release-.*|latest", "latest", True),
        ("\\d+", "\u0663", False),  # ASCII digits only, as in Java
        ("(?i)LATEST", "latest", True),
        ("a*+b", "aab", True),  # possessive: the same in Java and Python >= 3.11
        ("(?>ab|a)c", "abc", True),
    ],
)
def test_whole_tag_matching(pattern: str, tag: str, expected: bool) -> None:
    assert matches(pattern, tag) is expected


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("v[0-9", "unterminated character set"),
        ("\\p{Alpha}", "Java-only"),
        ("\\Qv1.0\\E", "Java-only"),
        ("v1\\Z", "Java"),
        ("v1\\z", "Java-only"),
        ("\\v", "vertical"),
        ("\\0", "octal"),
        ("[a-z&&[^aeiou]]", "intersection"),
        ("[a-z&&b]", "intersection"),
        ("[]a]", "first in a class"),
        ("(?P<major>v1)", "Python-only"),
        ("(?<major>v1)", "named groups"),
        ("(?#note)v1", "comments"),
        ("(?u)v1", "inline flags"),
        ("a{,3}", "{0,n}"),
        ("\\x{41}", "Java-only"),
        ("\\y", "not an escape"),
        ("v1\\", "lone backslash"),
        ("[[a]", "nested"),
    ],
)
def test_rejected_constructs_say_why(pattern: str, reason: str) -> None:
    with pytest.raises(TagRegexError) as info:
        compile_tag_regex(pattern)
    assert reason in info.value.reason


@pytest.mark.parametrize(
    "pattern",
    ["[\\]a]", "[^\\]a]", "a{0,3}", "(?i:v)1", "(?=v)v1", "(?<!x)v", "\\x41", "\\u0041", "[a-z-]"],
)
def test_shared_constructs_are_accepted(pattern: str) -> None:
    compile_tag_regex(pattern)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [("^v1\\.", True), ("^v1.*", False), ("^v1$", False), ("v1", False), ("^(a|b).*)", False)],
)
def test_anchored_only_at_start(pattern: str, expected: bool) -> None:
    assert anchored_only_at_start(pattern) is expected


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (".*", None),
        ("^.*$", None),
        ("latest|.*", None),
        ("latest", ("latest",)),
        ("^v1\\.2$", ("v1.2",)),
        ("v.*", ({"prefix": "v"},)),
        (".*-rc", ({"suffix": "-rc"},)),
        ("release-.*-amd64", ({"wildcard": "release-*-amd64"},)),
        (".*a.*", ({"wildcard": "*a*"},)),
        ("release-.*|latest", ({"prefix": "release-"}, "latest")),
        ("(?:v1|v2)", ("v1", "v2")),
        ("^(v1|v1)$", ("v1",)),
        ("", ("",)),
    ],
)
def test_to_eventbridge(pattern: str, expected: object) -> None:
    assert to_eventbridge(pattern) == expected


SAMPLE_TAGS = ["", "a", "ba", "latest", "v1", "v1.2", "v1x2", "v2", "x-rc", "release-1", "release-1-amd64"]


def eventbridge_matches(matchers: tuple[object, ...] | None, tag: str) -> bool:
    """EventBridge's semantics for a string field: any matcher in the list."""
    if matchers is None:
        return True
    for m in matchers:
        if isinstance(m, str) and m == tag:
            return True
        if isinstance(m, dict):
            if "prefix" in m and tag.startswith(m["prefix"]):
                return True
            if "suffix" in m and tag.endswith(m["suffix"]):
                return True
            if "wildcard" in m and re.fullmatch(".*".join(map(re.escape, m["wildcard"].split("*"))), tag):
                return True
    return False


@pytest.mark.parametrize(
    "pattern",
    [".*", "latest", "v1\\.2", "v.*", ".*-rc", "release-.*-amd64", ".*a.*", "release-.*|latest", "(v1|v2)"],
)
def test_translation_means_the_same_as_the_regex(pattern: str) -> None:
    matchers = to_eventbridge(pattern)
    for tag in SAMPLE_TAGS:
        assert eventbridge_matches(matchers, tag) == matches(pattern, tag), tag


@pytest.mark.parametrize(
    ("pattern", "what"),
    [
        ("v[0-9]+", "character class"),
        ("v1.2", "any one character"),
        ("v1+", "quantifier"),
        ("(v1|v2)-.*", "group"),
        ("\\d+", "escape"),
        ("a^b", "anchor"),
        ("a.+", "any one character"),
    ],
)
def test_inexpressible_regexes_name_the_construct(pattern: str, what: str) -> None:
    with pytest.raises(Inexpressible) as info:
        to_eventbridge(pattern)
    assert what in info.value.reason
