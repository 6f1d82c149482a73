"""The user-facing docs (README.md, docs/, examples/) cite only files the repository holds, and tell
users to install crnotify from its repository, never `pip install crnotify` (it is not on PyPI; issue
15 item 10)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
_TEXT_SUFFIXES = {".md", ".yaml", ".yml", ".txt", ".json"}
DOCS = [
    REPO / "README.md",
    *sorted((REPO / "docs").rglob("*.md")),
    *sorted(p for p in (REPO / "examples").rglob("*") if p.suffix in _TEXT_SUFFIXES),
]

_LINK = re.compile(r"\]\(([^)\s]+)\)")  # a Markdown link's target
# A path into the repository's folders (or the notes folders that were never part of it), or an
# upper-case top-level note such as DESIGN.md.
_PATH = re.compile(
    r"(?<![\w./-])((?:\.\./)*(?:docs|src|tests|examples|scripts|schemas|bench|research|shared)/"
    r"[\w./*{}<>-]*[\w*}]|\b[A-Z][A-Z_]+\.md\b)"
)
_PLACEHOLDER = set("*{<")  # `examples/*.yaml`, `<relative path to …>`: a pattern, not a file
_PIP_FROM_INDEX = re.compile(r"pip3?\s+install\s+(?:-\S+\s+)*[\"']?crnotify\b(?![\w./@-]*[/.])")


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


def _missing(doc: Path) -> list[str]:
    text = _text(doc)
    missing = []
    for match in _LINK.finditer(text):
        target = match.group(1).split("#", 1)[0]
        external = "://" in target or target.startswith("mailto:")
        if target and not external and not (doc.parent / target).exists():
            missing.append(f"link {target}")
    for match in _PATH.finditer(text):
        cited = match.group(1).rstrip(".")
        if _PLACEHOLDER & set(cited):
            continue
        if not ((REPO / cited).exists() or (doc.parent / cited).exists()):
            missing.append(f"path {cited}")
    return missing


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(REPO)))
def test_every_cited_file_exists(doc: Path) -> None:
    assert _missing(doc) == [], f"{doc.relative_to(REPO)} cites files the repository does not hold"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(REPO)))
def test_no_doc_installs_crnotify_from_an_index(doc: Path) -> None:
    found = [m.group(0) for m in _PIP_FROM_INDEX.finditer(_text(doc))]
    assert found == [], f"{doc.relative_to(REPO)}: crnotify is not published; install it from the repository"


def test_the_checks_catch_what_they_are_for(tmp_path: Path) -> None:
    """The scanners themselves: a cited note, a dead link and an index install are all found."""
    doc = tmp_path / "page.md"
    doc.write_text(
        "See DESIGN.md §2 and research/alibaba-facts.md, [the guide](missing.md), and\n"
        "`pip install crnotify`; `pip install -e .` and `pip install git+https://x/crnotify.git` are fine.\n",
        encoding="utf-8",
    )
    assert sorted(_missing(doc)) == ["link missing.md", "path DESIGN.md", "path research/alibaba-facts.md"]
    assert [m.group(0) for m in _PIP_FROM_INDEX.finditer(_text(doc))] == ["pip install crnotify"]


def test_the_guide_says_how_to_install_from_the_repository() -> None:
    guide = _text(REPO / "docs" / "guide.md")
    assert "pip install -e ." in guide
    assert "git+https://" in guide
