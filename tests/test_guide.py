"""docs/guide.md covers what the issue asks: every diagnostic code (with a heading SARIF help points
at), every command, every drift kind and exit code; and its links lead somewhere."""

from __future__ import annotations

import re
from pathlib import Path

import click

from crnotify.cli import cli
from crnotify.diagnostics.codes import TITLES
from crnotify.docgen_schema import slug
from crnotify.drift import DriftKind

REPO = Path(__file__).resolve().parent.parent
GUIDE = REPO / "docs" / "guide.md"
TEXT = GUIDE.read_text(encoding="utf-8")
HEADINGS = re.findall(r"^#{1,6} (.+)$", TEXT, flags=re.MULTILINE)


def test_every_code_has_a_troubleshooting_section() -> None:
    codes = {h for h in HEADINGS if re.fullmatch(r"CRN\d{3}", h)}
    assert codes == set(TITLES)
    troubleshooting = TEXT.index("## Troubleshooting")
    assert all(TEXT.index(f"#### {code}\n") > troubleshooting for code in TITLES)


def test_every_command_has_a_section() -> None:
    ctx = click.Context(cli)
    names = cli.list_commands(ctx)
    assert {"validate", "plan", "apply", "drift", "import"} <= set(names)  # the walk sees lazy commands
    for name in names:
        command = cli.get_command(ctx, name)
        if isinstance(command, click.Group):
            for sub in command.commands:
                assert f"{name} {sub}" in HEADINGS, f"{name} {sub}"
        else:
            assert name in HEADINGS, name


def test_drift_kinds_and_exit_codes() -> None:
    for kind in DriftKind:
        assert f"| `{kind.value}` |" in TEXT, kind
    for code in ("| 0 |", "| 1 |", "| 2 |", "| 130 |"):
        assert code in TEXT


def test_links_resolve() -> None:
    anchors = {slug(h) for h in HEADINGS}
    for target in re.findall(r"\]\(([^)\s]+)\)", TEXT):
        if target.startswith(("http://", "https://")):
            continue
        path, _, anchor = target.partition("#")
        if not path:
            assert anchor in anchors, target
            continue
        resolved = (GUIDE.parent / path).resolve()
        assert resolved.exists(), target
        if anchor and resolved.suffix == ".md":
            other = re.findall(r"^#{1,6} (.+)$", resolved.read_text(encoding="utf-8"), flags=re.MULTILINE)
            assert anchor in {slug(h) for h in other}, target
