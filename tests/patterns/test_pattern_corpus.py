"""The pattern corpus: one JSON file per case, derived from the docs, with the expected outcome in its name.

`corpus/<dialect>/<name>.json` must match, `<name>_NEG.json` must not, `<name>_EXC.json` is an invalid
pattern. Each file is `{"pattern": …, "event": …, "source": "<doc URL or section>"}`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crnotify.patterns import InvalidPatternError, compile_pattern
from crnotify.patterns._operators import OPERATORS

CORPUS = Path(__file__).parent / "corpus"
CASES = sorted(CORPUS.glob("*/*.json"))


def _load(case: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(case.read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_case(case: Path) -> None:
    data = _load(case)
    dialect = case.parent.name
    assert set(data) == {"pattern", "event", "source"}
    assert data["source"].strip()
    if case.stem.endswith("_EXC"):
        with pytest.raises(InvalidPatternError):
            compile_pattern(data["pattern"], dialect)  # type: ignore[arg-type]
        with pytest.raises(InvalidPatternError):
            compile_pattern(json.dumps(data["pattern"], separators=(",", ":")), dialect)  # type: ignore[arg-type]
        return
    expected = not case.stem.endswith("_NEG")
    for pattern in (data["pattern"], json.dumps(data["pattern"])):
        compiled = compile_pattern(pattern, dialect)  # type: ignore[arg-type]
        explanation = compiled.explain(data["event"])
        assert compiled.matches(data["event"]) is expected, str(explanation)
        assert explanation.matched is expected


def _operators_used(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from _operators_used(value)
    elif isinstance(node, list):
        for item in node:
            yield from _operators_used(item)


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "+".join(sorted(value))
    return "empty" if value == "" else "string"


def _forms(node: object) -> Iterator[str]:
    """The operators of a pattern with the shape of their argument: "anything-but:list", "exact:null"…"""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$or":
                yield key
            elif key == "exists":
                yield f"exists:{str(value).lower()}"
            elif key == "numeric":
                yield key
                yield from (f"numeric:{op}" for op in value[::2])
            elif key in OPERATORS["alibaba"] | OPERATORS["aws"]:
                yield f"{key}:{_kind(value)}" if key in ("anything-but", "prefix", "suffix") else key
                continue
            yield from _forms(value)
    elif isinstance(node, list):
        for item in node:
            if isinstance(item, dict):
                yield from _forms(item)
            else:
                yield f"exact:{_kind(item)}"


COMMON_FORMS = {
    *(f"exact:{kind}" for kind in ("string", "number", "boolean", "null", "empty")),
    "prefix:string",
    "suffix:string",
    "anything-but:string",
    "anything-but:number",
    "anything-but:list",
    "anything-but:prefix",
    "numeric",
    "cidr",
    "exists:true",
    "exists:false",
}
# Each must appear in a case that matches and in a _NEG case: an operator that never matches (or always
# does) must not pass the corpus.
FORMS = {
    "alibaba": COMMON_FORMS | {"contains"},
    "aws": COMMON_FORMS
    | {
        "equals-ignore-case",
        "wildcard",
        "prefix:equals-ignore-case",
        "suffix:equals-ignore-case",
        "anything-but:suffix",
        "anything-but:equals-ignore-case",
        "anything-but:wildcard",
        "$or",
    },
}
NUMERIC_OPERATORS = {"alibaba": {"=", "!=", ">", ">=", "<", "<="}, "aws": {"=", ">", ">=", "<", "<="}}


@pytest.mark.parametrize("dialect", ["alibaba", "aws"])
def test_corpus_covers_every_operator_and_outcome(dialect: str) -> None:
    cases = [c for c in CASES if c.parent.name == dialect]
    assert len(cases) >= 50
    for outcome in ("_NEG", "_EXC"):
        assert any(c.stem.endswith(outcome) for c in cases)
    valid = [_load(c)["pattern"] for c in cases if not c.stem.endswith("_EXC")]
    used = {key for pattern in valid for key in _operators_used(pattern)}
    assert OPERATORS[dialect] <= used, sorted(OPERATORS[dialect] - used)
    forms = {c: set(_forms(_load(c)["pattern"])) for c in cases if not c.stem.endswith("_EXC")}
    matching = set().union(*(f for c, f in forms.items() if not c.stem.endswith("_NEG")))
    failing = set().union(*(f for c, f in forms.items() if c.stem.endswith("_NEG")))
    assert not FORMS[dialect] - matching, f"no matching case for {sorted(FORMS[dialect] - matching)}"
    assert not FORMS[dialect] - failing, f"no _NEG case for {sorted(FORMS[dialect] - failing)}"
    numeric = {form.removeprefix("numeric:") for form in matching | failing if form.startswith("numeric:")}
    assert numeric == NUMERIC_OPERATORS[dialect]
