"""docs/architecture.md names every package and top-level module of src/crnotify, and nothing else."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SRC = REPO / "src" / "crnotify"
DOC = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")


def _packages() -> set[str]:
    found = {f"crnotify.{p.parent.name}" for p in SRC.glob("*/__init__.py")}
    found |= {f"crnotify.providers.{p.parent.name}" for p in (SRC / "providers").glob("*/__init__.py")}
    return found


def _modules() -> set[str]:
    return {p.stem for p in SRC.glob("*.py") if not p.stem.startswith("_")}


def test_the_package_table_lists_every_package_and_only_those() -> None:
    table = set(re.findall(r"^\| `(crnotify(?:\.[a-z_]+)+)` \|", DOC, flags=re.MULTILINE))
    modules = {f"crnotify.{name}" for name in _modules()}
    assert table - modules == _packages()


def test_every_top_level_module_is_named() -> None:
    named = set(re.findall(r"`(?:crnotify\.)?([a-z_]+)`", DOC))
    assert sorted(_modules() - named) == []


def test_each_cloud_home_has_the_skeleton_the_page_describes() -> None:
    skeleton = {
        "cloud",
        "checks",
        "limits",
        "assess",
        "importer",
        "offline",
        "connect",
        "provider",
        "errors",
        "_sdk",
    }
    for cloud in ("alibaba", "aws"):
        present = {p.stem for p in (SRC / "providers" / cloud).glob("*.py")}
        assert skeleton <= present, (cloud, sorted(skeleton - present))
