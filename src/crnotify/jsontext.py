"""JSON text a user supplied (events, patterns, saved plans) → data, or an error at `line:col`.

Python's `json` accepts more than JSON and fails on some of it without a position: `NaN` and
`Infinity` are accepted, `1e999` becomes infinity, `"\\ud800"` becomes a string no encoder can write,
an integer of more than 4,300 digits raises a bare ValueError, and deep nesting a RecursionError.
Each is refused here with its position. Positions of the problems `json` does not report itself are
found by one scan over the tokens (strings skipped whole), run only when there is a problem.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any

from crnotify.errors import CrnotifyError

MAX_DEPTH = 64  # events nest about 5 levels, patterns as deep as the events they match
MAX_INT_DIGITS = 1000  # far beyond any number an event holds; within Python's int limit (4,300)

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[{]|[\]}]|-?Infinity|NaN|-?\d[\d.eE+-]*', re.DOTALL)


class JsonTextError(CrnotifyError):
    """`problem` at `line`:`col` (from 1)."""

    def __init__(self, problem: str, line: int, col: int) -> None:
        super().__init__(f"{problem} at line {line}, column {col}")
        self.problem, self.line, self.col = problem, line, col


class _Rejected(Exception):
    def __init__(self, problem: str, is_here: Callable[[str], bool]) -> None:
        super().__init__(problem)
        self.problem = problem
        self.is_here = is_here


def _constant(text: str) -> Any:
    raise _Rejected(f"{text} is not JSON", lambda token: token in (text, f"-{text}"))


def _integer(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise _Rejected(
            f"an integer of {digits:,} digits (at most {MAX_INT_DIGITS:,})",
            lambda token: token[:1] in "-0123456789" and len(token.lstrip("-")) > MAX_INT_DIGITS,
        )
    return int(text)


def _float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise _Rejected(f"the number {text[:40]} is out of range", _infinite_number)
    return value


def _infinite_number(token: str) -> bool:
    if token[:1] not in "-0123456789" or not any(c in token for c in ".eE"):
        return False
    try:
        return math.isinf(float(token))
    except ValueError:
        return False


def loads(text: str) -> Any:
    """The data in `text`; `JsonTextError` for anything that is not plain, finite, encodable JSON."""
    try:
        value = json.loads(text, parse_constant=_constant, parse_int=_integer, parse_float=_float)
    except json.JSONDecodeError as exc:
        raise JsonTextError(exc.msg, exc.lineno, exc.colno) from None
    except _Rejected as rejected:
        raise _locate(text, rejected.problem, rejected.is_here) from None
    except RecursionError:
        raise _too_deep(text) from None
    _check(value, text)
    return value


def _too_deep(text: str) -> JsonTextError:
    return _locate(text, f"nested more than {MAX_DEPTH} levels deep", lambda token: False, depth=True)


def _check(value: Any, text: str) -> None:
    """Depth and lone surrogates, which `json` lets through, over the parsed data."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH and isinstance(item, dict | list):
            raise _too_deep(text)
        if isinstance(item, dict):
            for key, child in item.items():
                _check_text(key, text)
                stack.append((child, depth + 1))
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, str):
            _check_text(item, text)


def _check_text(item: str, text: str) -> None:
    try:
        item.encode("utf-8")
    except UnicodeEncodeError:
        raise _locate(
            text, "a text holds half of a UTF-16 surrogate pair, which is not a character", _has_surrogate
        ) from None


def _has_surrogate(token: str) -> bool:
    if not token.startswith('"') or "\\u" not in token:
        return False
    try:
        json.loads(token).encode("utf-8")
    except UnicodeEncodeError:
        return True
    except ValueError:
        return False
    return False


def _locate(text: str, problem: str, is_here: Callable[[str], bool], *, depth: bool = False) -> JsonTextError:
    """The error at the first token `is_here` accepts (or, with `depth`, the first bracket nested
    deeper than MAX_DEPTH); at 1:1 if none is found."""
    level = 0
    offset = 0
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            level += 1
            if depth and level > MAX_DEPTH + 1:
                offset = match.start()
                break
        elif token in ("]", "}"):
            level -= 1
        elif is_here(token):
            offset = match.start()
            break
    before = text[:offset]
    line = before.count("\n") + 1
    return JsonTextError(problem, line, offset - (before.rfind("\n") + 1) + 1)
