from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from crnotify.cli import main
from crnotify.tagregex import (
    Inexpressible,
    TagRegexError,
    anchored_only_at_start,
    backtracking_risk,
    compile_tag_regex,
    matches,
    to_eventbridge,
)

REPO = Path(__file__).resolve().parent.parent


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
        ("\\u0041", "A", True),  # Java's \uhhhh, which RE2 spells \x{hhhh}
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
        # Java has these; RE2 (linear time) does not, so they are refused rather than backtracked.
        ("(v1)\\1", "back-references"),
        ("(?=v)v1", "lookahead"),
        ("(?<!x)v", "lookbehind"),
        ("(?>ab|a)c", "atomic"),
        ("a*+b", "possessive"),
        ("(?x)v 1", "x (comments) flag"),
        ("a{1001}", "above 1000"),
        ("a{" + "9" * 5000 + "}", "above 1000"),
    ],
)
def test_rejected_constructs_say_why(pattern: str, reason: str) -> None:
    with pytest.raises(TagRegexError) as info:
        compile_tag_regex(pattern)
    assert reason in info.value.reason


@pytest.mark.parametrize(
    "pattern",
    ["[\\]a]", "[^\\]a]", "a{0,3}", "a{2,1000}", "(?i:v)1", "\\x41", "\\u0041", "[a-z-]"],
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


def test_catastrophic_regex_is_matched_in_linear_time() -> None:
    # Backtracking takes ~2^n steps on (a+)+$ against a's and a b (12 s at 28 characters with `re`);
    # RE2 answers at once even for a tag far longer than any real one.
    assert matches("(a+)+$", "a" * 5000 + "b") is False
    assert matches("(a+)+$", "a" * 5000) is True


@pytest.mark.parametrize(
    ("pattern", "position"),
    [("(a+)+$", 0), ("x(\\w*-)*y", 1), ("(?:v(\\d+))+", 0), ("(a{2,})*", 0), ("((ab)*c)+", 0)],
)
def test_backtracking_risk_points_at_the_repeated_group(pattern: str, position: int) -> None:
    assert backtracking_risk(pattern) == position


@pytest.mark.parametrize(
    "pattern", [".*", "(a|b)*", "v[0-9]+\\..*", "(a*)?", "[(]a+[)]+", "(a+){2}", "\\(a+\\)+"]
)
def test_backtracking_risk_ignores_safe_patterns(pattern: str) -> None:
    assert backtracking_risk(pattern) is None


def test_crnotify_test_and_validate_on_a_catastrophic_tag_regex(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Issue 13 item 7: with Python's `re` this took 12 s at 28 characters, doubling per character; at 40
    # it would not finish. RE2 answers at once, and validate warns about what ACR's Java engine would do.
    config = tmp_path / "cfg.yaml"
    config.write_text(
        "version: 1\n"
        "registries:\n"
        "  - {name: prod-hz, provider: alibaba, region: cn-hangzhou, instance_id: cri-kmsiwlxxdcva}\n"
        "rules:\n"
        "  - name: build-web\n"
        "    registry: prod-hz\n"
        "    event: build\n"
        "    scope: {namespace: team-a, repositories: [web]}\n"
        "    tags: '(a+)+$'\n"
        "    notify: {https: {url: 'https://hooks.example.com/acr'}}\n"
    )
    event = json.loads((REPO / "examples" / "events" / "build-team-a-failed.json").read_text())
    event["data"]["Tag"] = "a" * 40 + "b"
    events = tmp_path / "event.json"
    events.write_text(json.dumps(event))
    assert main(["validate", str(config)]) == 0
    assert f"{config}:9:11: warning CRN223" in capsys.readouterr().out
    main(["test", str(config), "--events", str(events)])
    out = capsys.readouterr().out
    assert "does not match tags '(a+)+$'" in out
