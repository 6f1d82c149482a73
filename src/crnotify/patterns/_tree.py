"""The compiled pattern tree: an `ObjectNode` per JSON object, a `Leaf` per array of values."""

from __future__ import annotations

from dataclasses import dataclass

from crnotify.patterns._values import Condition, show


@dataclass(frozen=True, slots=True)
class Leaf:
    """A field whose pattern value is an array: exact values, operator conditions and `exists`."""

    path: str
    exact: frozenset[object]
    exact_values: tuple[object, ...]
    conditions: tuple[Condition, ...]
    exists_true: bool
    exists_false: bool
    numbers_by_value: bool = False  # aws: exact numbers compare by value (literal_key)

    @property
    def accepts_absent(self) -> bool:
        return self.exists_false

    def expected(self) -> str:
        """The alternatives, in words: `'latest' or prefix 'v'`."""
        words = [show(v) for v in self.exact_values] + [c.text for c in self.conditions]
        words += ["exists: true"] * self.exists_true + ["exists: false"] * self.exists_false
        return " or ".join(words)


@dataclass(frozen=True, slots=True)
class ObjectNode:
    """A JSON object of the pattern: every field must match, and one branch of every `$or` group."""

    path: str
    fields: tuple[tuple[str, Leaf | ObjectNode], ...]
    ors: tuple[tuple[ObjectNode, ...], ...]
    accepts_absent: bool  # true when the object may be missing: every field then accepts absence
