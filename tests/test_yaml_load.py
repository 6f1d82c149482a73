from __future__ import annotations

import pytest

from crnotify.config.yaml_load import MAX_DEPTH, parse
from crnotify.source import Mark


def codes_of(text: str) -> list[str]:
    return [d.code for d in parse(text, "f.yaml")[1]]


def test_data_and_marks() -> None:
    docs, diagnostics = parse("version: 1\nrules:\n  - name: a\n    tags: 'v.*'\n", "f.yaml")
    assert diagnostics == []
    (doc,) = docs
    assert doc.data == {"version": 1, "rules": [{"name": "a", "tags": "v.*"}]}
    assert doc.source.lookup(("rules", 0, "tags")) == Mark("f.yaml", 4, 11)
    assert doc.source.lookup(("rules", 0, "tags"), key=True) == Mark("f.yaml", 4, 5)
    assert doc.source.lookup(("rules", 0)) == Mark("f.yaml", 3, 5)


def test_duplicate_key_is_reported_at_the_second_key_and_first_value_kept() -> None:
    docs, diagnostics = parse("a: 1\nb: 2\na: 3\n", "f.yaml")
    assert docs[0].data == {"a": 1, "b": 2}
    (d,) = diagnostics
    assert (d.code, d.location, d.path) == ("CRN005", "f.yaml:3:1", ("a",))
    assert "line 1, column 1" in d.message


def test_syntax_error_has_location() -> None:
    _, (d,) = parse("a: [1, 2\nb: 3\n", "f.yaml")
    assert d.code == "CRN004"
    assert d.line is not None
    assert d.line >= 2
    # The hint names, in a reader's words, what was left open and where it started.
    tail = "that starts at line 1, column 4 is not closed or indented as YAML expects"
    assert d.hint == f"the [ … ] list {tail}"
    _, (d,) = parse('a: "abc\nb: 1\n', "f.yaml")
    assert d.hint == f"the quoted text {tail}"


def test_merge_keys_explicit_wins_and_marks_point_at_the_anchor() -> None:
    text = "x-base: &b {webhook: w, secret: s}\nnotify:\n  <<: *b\n  secret: mine\n"
    docs, diagnostics = parse(text, "f.yaml")
    assert diagnostics == []
    assert docs[0].data["notify"] == {"secret": "mine", "webhook": "w"}  # type: ignore[index]
    assert docs[0].source.lookup(("notify", "webhook")) == Mark("f.yaml", 1, 22)
    assert docs[0].source.lookup(("notify", "secret")) == Mark("f.yaml", 4, 11)


def test_merge_of_a_scalar_is_reported() -> None:
    assert codes_of("a: &s text\nb:\n  <<: *s\n") == ["CRN006"]


@pytest.mark.parametrize(
    "text",
    ["a: &x [1, *x]\n", "a: &x {b: 1, <<: *x}\n"],
    ids=["alias", "merge"],
)
def test_recursive_structures_are_reported_not_followed(text: str) -> None:
    docs, diagnostics = parse(text, "f.yaml")
    assert docs == []
    assert [d.code for d in diagnostics] == ["CRN006"]


def test_alias_bomb_is_bounded() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 7)]
    docs, diagnostics = parse("\n".join(lines) + "\n", "f.yaml")
    assert docs == []
    assert [d.code for d in diagnostics] == ["CRN006"]


def test_depth_is_bounded() -> None:
    deep = "a:\n" + "".join("  " * i + "- \n" for i in range(1, MAX_DEPTH + 5))
    flow = "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5)
    assert codes_of(deep) == ["CRN006"]
    assert codes_of(flow) == ["CRN006"]
    assert codes_of("[" * 5000) in (["CRN006"], ["CRN004"])


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("a: !!binary aGVsbG8=\n", "aGVsbG8="),
        ("a: !Ref Registry\n", "Registry"),
        ("a: !!set {x}\n", {"x": None}),
    ],
)
def test_tags_outside_the_core_schema_are_reported(text: str, value: object) -> None:
    docs, diagnostics = parse(text, "f.yaml")
    assert docs[0].data == {"a": value}
    assert [d.code for d in diagnostics] == ["CRN006"]


def test_scalars_follow_yaml_core_types_but_timestamps_stay_text() -> None:
    docs, _ = parse("a: 2020-01-01\nb: 0x10\nc: yes\nd: ~\ne: 1.5\nf: '1'\ng: !!int nope\n", "f.yaml")
    assert docs[0].data == {"a": "2020-01-01", "b": 16, "c": True, "d": None, "e": 1.5, "f": "1", "g": "nope"}


def test_keys_are_text_as_written_and_complex_keys_are_reported() -> None:
    docs, diagnostics = parse("1: a\nyes: b\n? [x]\n: c\n", "f.yaml")
    assert docs[0].data == {"1": "a", "yes": "b"}
    assert [d.code for d in diagnostics] == ["CRN006"]


def test_several_documents_and_empty_ones() -> None:
    docs, diagnostics = parse("a: 1\n---\n---\nb: 2\n", "f.yaml")
    assert [d.data for d in docs] == [{"a": 1}, {"b": 2}]
    assert diagnostics == []


@pytest.mark.parametrize("text", ["", "# only a comment\n", "---\n", "\n\n"])
def test_no_document_is_a_warning(text: str) -> None:
    docs, (d,) = parse(text, "f.yaml")
    assert docs == []
    assert (d.code, d.severity.value) == ("CRN007", "warning")


def test_forbidden_characters_are_located() -> None:
    _, (d,) = parse("a: 1\nb: x\x00y\n", "f.yaml")
    assert (d.code, d.location) == ("CRN003", "f.yaml:2:5")
    assert "U+0000" in d.message
