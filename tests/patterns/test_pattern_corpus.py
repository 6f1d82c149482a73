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


@pytest.mark.parametrize("dialect", ["alibaba", "aws"])
def test_corpus_covers_every_operator_and_outcome(dialect: str) -> None:
    cases = [c for c in CASES if c.parent.name == dialect]
    assert len(cases) >= 50
    for outcome in ("_NEG", "_EXC"):
        assert any(c.stem.endswith(outcome) for c in cases)
    valid = [_load(c)["pattern"] for c in cases if not c.stem.endswith("_EXC")]
    used = {key for pattern in valid for key in _operators_used(pattern)}
    assert OPERATORS[dialect] <= used, sorted(OPERATORS[dialect] - used)
    if dialect == "aws":
        assert "$or" in used
