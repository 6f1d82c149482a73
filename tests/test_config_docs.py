"""docs/config.md documents every diagnostic code and every field of the schema."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from crnotify.config.schema import config_schema
from crnotify.diagnostics import codes

DOC = (Path(__file__).resolve().parent.parent / "docs" / "config.md").read_text()


def test_every_code_is_in_the_table() -> None:
    table = set(re.findall(r"^\| (CRN\d{3}) \|", DOC, flags=re.MULTILINE))
    assert table == set(codes.TITLES)


def _field_names(schema: Mapping[str, Any]) -> Iterator[str]:
    for name, sub in schema.get("properties", {}).items():
        yield name
        yield from _field_names(sub)
    for sub in schema.get("$defs", {}).values():
        yield from _field_names(sub)


def test_every_field_is_documented() -> None:
    for name in set(_field_names(config_schema())):
        assert f"`{name}`" in DOC, name
