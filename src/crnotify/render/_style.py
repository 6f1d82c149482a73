"""Terminal styling shared by the plan and drift renderers: colour only when asked (the CLI decides: a
TTY and no `NO_COLOR`, https://no-color.org), and one way to show a value. Everything that came from
the cloud or the YAML goes through `safe` (render/_text.py): no escape sequence reaches the terminal."""

from __future__ import annotations

import difflib
import json

from crnotify.model import JSON
from crnotify.render import _text
from crnotify.render._text import safe

MAX_INLINE = 72


def paint(text: str, color: bool, *, fg: str | None = None, bold: bool = False) -> str:
    if fg is not None:
        text = _text.paint(text, fg, enabled=color)
    return _text.paint(text, "bold", enabled=color) if bold else text


def show(value: JSON) -> str:
    """A value on one line: JSON, with long or multi-line strings shortened (JSON output has them whole)."""
    if isinstance(value, str) and ("\n" in value or len(value) > MAX_INLINE):
        first = value.splitlines()[0] if value.strip() else value
        lines = value.count("\n") + 1
        head = json.dumps(first[: MAX_INLINE - 20], ensure_ascii=False)[:-1]
        more = f"… ({lines} lines, {len(value)} chars)" if lines > 1 else f"… ({len(value)} chars)"
        return safe(f'{head}{more}"')
    return safe(json.dumps(value, ensure_ascii=False, sort_keys=True))


def is_block(value: JSON) -> bool:
    return isinstance(value, str) and "\n" in value


def block_diff(before: JSON, after: JSON) -> list[str]:
    """Multi-line strings as a line diff (`- old`, `+ new`, `  context`), without file headers."""
    old = before.splitlines() if isinstance(before, str) else []
    new = after.splitlines() if isinstance(after, str) else []
    lines = list(difflib.unified_diff(old, new, lineterm="", n=2))[2:]  # drop the ---/+++ headers
    shown = [safe(f"{line[:1]} {line[1:]}".rstrip()) for line in lines if not line.startswith("@@")]
    return shown or [safe(f"  {line}") for line in new]


__all__ = ["block_diff", "is_block", "paint", "safe", "show"]
