"""The public value types of the pattern engine: the dialect, the error, and the explanation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from crnotify.errors import CrnotifyError

Dialect = Literal["alibaba", "aws"]
DIALECTS: tuple[Dialect, ...] = ("alibaba", "aws")


class InvalidPatternError(CrnotifyError, ValueError):
    """A pattern the cloud would refuse. `path` says where (e.g. `data.Tag[0]`), `reason` says why.

    The message is `"<path>: <reason>"`. It is a `ValueError` for callers that treat bad input generically,
    and a `CrnotifyError` so the CLI's error boundary prints it without a traceback.
    """

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True, slots=True)
class FieldVerdict:
    """What one field of the pattern made of the event.

    `path` names the field: event keys joined by `.`, `[i]` for the element of an event array that was
    tried, and `$or[i]` for the branch of an `$or` (aws). `reason` is a sentence starting with the path,
    e.g. `data.Tag: 'v1.2' did not match prefix 'release-'`.
    """

    path: str
    matched: bool
    reason: str


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why an event did or did not match: the answer, then one verdict per pattern field in pattern order."""

    matched: bool
    fields: tuple[FieldVerdict, ...]
    dialect: Dialect = "alibaba"

    def __str__(self) -> str:
        head = "matched" if self.matched else "did not match"
        lines = [f"{head} ({self.dialect} dialect)"]
        lines += [f"  {'✓' if f.matched else '✗'} {f.reason}" for f in self.fields]
        return "\n".join(lines)

    def failures(self) -> tuple[FieldVerdict, ...]:
        """The verdicts that did not match (the reasons an event was rejected)."""
        return tuple(f for f in self.fields if not f.matched)
