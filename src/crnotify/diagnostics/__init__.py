"""Diagnostics: problems found in the input, as values (never raised).

A diagnostic has a stable `code` (`CRN101`), a severity, a one-line `message`, an optional `hint` that
says what to do, the data `path` it is about and, once located through a `SourceMap`, `file:line:col`.
Codes are stable across releases so that CI scripts and suppressions can rely on them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

from crnotify.source import Mark, Path, SourceMap, format_path


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True, kw_only=True)
class Diagnostic:
    code: str
    severity: Severity
    message: str
    hint: str | None = None
    file: str | None = None
    line: int | None = None
    col: int | None = None
    path: Path = ()

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    @property
    def location(self) -> str:
        """`file:line:col`, `file` alone when there is no position, or "" when there is no file."""
        if self.file is None:
            return ""
        if self.line is None:
            return self.file
        return f"{self.file}:{self.line}:{self.col}"

    @property
    def path_text(self) -> str | None:
        return format_path(self.path) if self.path else None

    def at(self, mark: Mark) -> Diagnostic:
        return replace(self, file=mark.file, line=mark.line, col=mark.col)

    def located(self, source: SourceMap, *, key: bool = False) -> Diagnostic:
        """Locate this diagnostic at its path in `source` (nearest existing ancestor)."""
        return self.at(source.lookup(self.path, key=key))


def error(code: str, message: str, *, hint: str | None = None, path: Path = ()) -> Diagnostic:
    return Diagnostic(code=code, severity=Severity.ERROR, message=message, hint=hint, path=path)


def warning(code: str, message: str, *, hint: str | None = None, path: Path = ()) -> Diagnostic:
    return Diagnostic(code=code, severity=Severity.WARNING, message=message, hint=hint, path=path)


def _sort_key(d: Diagnostic) -> tuple[str, int, int, int, str, str]:
    return (d.file or "", d.line or 0, d.col or 0, 0 if d.is_error else 1, d.code, d.message)


def sort_diagnostics(diagnostics: Iterable[Diagnostic]) -> tuple[Diagnostic, ...]:
    """Top to bottom through each file, errors before warnings at one position; exact duplicates dropped.

    Python's sort is stable, so diagnostics that tie on every key keep the order they were produced
    in (the schema checker produces them most specific first).
    """
    unique = dict.fromkeys(diagnostics)
    return tuple(sorted(unique, key=_sort_key))


def count(diagnostics: Iterable[Diagnostic]) -> tuple[int, int]:
    """(errors, warnings)."""
    errors = warnings = 0
    for d in diagnostics:
        if d.is_error:
            errors += 1
        else:
            warnings += 1
    return errors, warnings


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.is_error for d in diagnostics)


def quote(text: object) -> str:
    """A user value in a message: single-quoted like repr, but without doubling backslashes
    (a regex `v[0-9]+\\.` is shown as written)."""
    value = str(text)
    return f'"{value}"' if "'" in value else f"'{value}'"
