"""Helpers shared by the text renderers: terminal-safe text and ANSI colour."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_COLORS = {"red": "31", "yellow": "33", "green": "32", "bold": "1", "dim": "2"}


def safe(text: str) -> str:
    """Text from user input, with control characters (escape sequences!) shown as \\xNN."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)


def paint(text: str, color: str, *, enabled: bool) -> str:
    return f"\x1b[{_COLORS[color]}m{text}\x1b[0m" if enabled else text


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {many or word + 's'}"
