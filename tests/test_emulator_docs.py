"""docs/emulator.md's generated tables match the routing and error-code tables."""

from __future__ import annotations

from pathlib import Path

from crnotify.emulator.docgen import main, render
from crnotify.emulator.routing import ROUTES

DOC = Path(__file__).resolve().parents[1] / "docs" / "emulator.md"


def test_generated_tables_are_up_to_date() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert render(text) == text, "run: python -m crnotify.emulator.docgen docs/emulator.md"
    assert main(["--check", str(DOC)]) == 0


def test_every_routed_action_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert all(f"`{action}`" in text for _, action in ROUTES)


def test_check_fails_on_a_stale_copy(tmp_path: Path) -> None:
    stale = tmp_path / "emulator.md"
    stale.write_text(DOC.read_text(encoding="utf-8").replace("`PutTargets`", "`PutTarget`"), encoding="utf-8")
    assert main(["--check", str(stale)]) == 1
    assert main([str(stale)]) == 0
    assert stale.read_text(encoding="utf-8") == DOC.read_text(encoding="utf-8")
