"""Helpers shared by the renderers: terminal-safe text, ANSI colour, and the one JSON document layout."""

from __future__ import annotations

import json
import re
from typing import Any

# C0/C1 controls (terminal escape sequences) and bidirectional overrides ("Trojan Source").
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_COLORS = {"red": "31", "yellow": "33", "green": "32", "blue": "34", "cyan": "36", "bold": "1", "dim": "2"}


def safe(text: str) -> str:
    """Text from user input, with control characters (escape sequences!) shown as \\xNN or \\uNNNN."""
    return _CONTROL.sub(_escape, text)


def one_line(text: str) -> str:
    """`safe`, and line breaks shown as \\n: for formats with one record per line."""
    return safe(text).replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def paint(text: str, color: str, *, enabled: bool) -> str:
    return f"\x1b[{_COLORS[color]}m{text}\x1b[0m" if enabled else text


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {many or word + 's'}"


def versioned(command: str, version: int, body: dict[str, Any]) -> dict[str, Any]:
    """The one JSON convention (docs/guide.md "JSON output"): every `--format json` document is an
    object that opens with `"format": "crnotify/<command>"` (which document this is) and
    `"format_version": N` (an integer, raised on every change a reader could trip on: a field
    removed, renamed or retyped; new fields do not raise it). Its schema is
    schemas/output/<command>.schema.json."""
    return {"format": f"crnotify/{command}", "format_version": version, **body}


def json_document(document: Any) -> str:
    """A `--format json` document: sorted keys, two-space indent, UTF-8 as is, a final newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


SKIPPED_WHY = (
    "their cloud has no emulator endpoint in this run, and --local or --endpoint never reach a real "
    "cloud; for aws registries set AWS_ENDPOINT_URL, e.g. to a moto server, to include them"
)


def skipped_note(names: tuple[str, ...] | list[str]) -> str:
    """The one sentence every command prints about the registries its session skipped (never read nor
    written: `cli/session.py`), so that no "matches" or "No drift" stands without it."""
    return f"Skipped, neither read nor written ({SKIPPED_WHY}): {safe(', '.join(names))}"
