"""docs/real-cloud.md keeps step with the emulator's variants (issue 14 item 8): its table names every
variant of `crnotify.emulator.variants` and no other, and each row says how doctor settles it."""

from __future__ import annotations

import re
from pathlib import Path

from crnotify.emulator import variants

DOC = Path(__file__).resolve().parent.parent / "docs" / "real-cloud.md"
HEADER = "| # | Behaviour crnotify relies on | What the sources say | Status | Variant |"


def rows() -> list[list[str]]:
    lines = DOC.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(HEADER))
    table = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        table.append([cell.strip() for cell in line.strip().strip("|").split(" | ")])
    return table


def test_the_table_names_every_variant_and_no_other() -> None:
    named = {name for row in rows() for name in re.findall(r"`([a-z-]+)`", row[4])}
    assert named == {v.name for v in variants.VARIANTS}


def test_every_row_is_complete_and_numbered() -> None:
    table = rows()
    assert [row[0] for row in table] == [str(n) for n in range(1, len(table) + 1)]
    for row in table:
        assert len(row) == 7, row[0]
        assert all(row), f"row {row[0]} has an empty cell"
