"""docs/reference.md is generated from the schema: it must be exactly what the generator produces, and
it names every field, value and definition of the schema."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from crnotify.docgen_schema import load_schema, main, render, slug

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "docs" / "reference.md"


def test_reference_is_what_the_generator_writes() -> None:
    assert DOC.read_text(encoding="utf-8") == render(load_schema()), (
        "docs/reference.md is stale: run python -m crnotify.docgen_schema docs/reference.md"
    )
    assert main(["--check", str(DOC)]) == 0


def test_the_generator_reads_the_schema_file_in_the_repository() -> None:
    assert load_schema() == json.loads((REPO / "schemas" / "crnotify.schema.json").read_text())


def test_check_fails_on_a_stale_copy_and_writing_fixes_it(tmp_path: Path) -> None:
    stale = tmp_path / "reference.md"
    stale.write_text(DOC.read_text(encoding="utf-8").replace("`instance_id`", "`instance`"), encoding="utf-8")
    assert main(["--check", str(stale)]) == 1
    assert main([str(stale)]) == 0
    assert stale.read_text(encoding="utf-8") == DOC.read_text(encoding="utf-8")
    assert main(["--check", str(tmp_path / "missing.md")]) == 1


def _fields(schema: Mapping[str, Any]) -> Iterator[str]:
    for name, sub in schema.get("properties", {}).items():
        yield name
        yield from _fields(sub)
    for sub in schema.get("$defs", {}).values():
        yield from _fields(sub)


def _enum_values(schema: Any) -> Iterator[object]:
    if isinstance(schema, Mapping):
        yield from schema.get("enum", ())
        for value in schema.values():
            yield from _enum_values(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from _enum_values(value)


def test_every_field_value_and_definition_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    schema = load_schema()
    for field in set(_fields(schema)):
        assert f"| `{field}` |" in text, field
    for value in set(_enum_values(schema)):
        assert f"`{json.dumps(value)}`" in text, value
    for name in schema["$defs"]:
        assert f"`{name}`" in text, name


def test_every_internal_link_has_its_heading() -> None:
    text = DOC.read_text(encoding="utf-8")
    anchors = {slug(h) for h in re.findall(r"^#{1,3} (.+)$", text, flags=re.MULTILINE)}
    links = set(re.findall(r"\]\(#([^)]+)\)", text))
    assert links
    assert links <= anchors, links - anchors


def test_table_rows_have_four_cells() -> None:
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("| "):
            cells = re.split(r"(?<!\\)\|", line)[1:-1]
            assert len(cells) == 4, line
