"""Terminal styling shared by the text renderers: colour only when asked (the CLI decides: a TTY and
no `NO_COLOR`, https://no-color.org), and one way to show a value."""

from __future__ import annotations

import difflib
import json

import click

from crnotify.model import JSON

MAX_INLINE = 72


def paint(text: str, color: bool, **style: object) -> str:
    return click.style(text, **style) if color else text  # type: ignore[arg-type]


def show(value: JSON) -> str:
    """A value on one line: JSON, with long or multi-line strings shortened (JSON output has them whole)."""
    if isinstance(value, str) and ("\n" in value or len(value) > MAX_INLINE):
        first = value.splitlines()[0] if value.strip() else value
        lines = value.count("\n") + 1
        head = json.dumps(first[: MAX_INLINE - 20], ensure_ascii=False)[:-1]
        more = f"… ({lines} lines, {len(value)} chars)" if lines > 1 else f"… ({len(value)} chars)"
        return f'{head}{more}"'
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def is_block(value: JSON) -> bool:
    return isinstance(value, str) and "\n" in value


def block_diff(before: JSON, after: JSON) -> list[str]:
    """Multi-line strings as a line diff (`- old`, `+ new`, `  context`), without file headers."""
    old = before.splitlines() if isinstance(before, str) else []
    new = after.splitlines() if isinstance(after, str) else []
    lines = list(difflib.unified_diff(old, new, lineterm="", n=2))[2:]  # drop the ---/+++ headers
    shown = [f"{line[:1]} {line[1:]}".rstrip() for line in lines if not line.startswith("@@")]
    return shown or [f"  {line}" for line in new]
