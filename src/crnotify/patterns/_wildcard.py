"""AWS `wildcard` patterns: parsing, a linear-time matcher, and event-ruler's complexity measure.

Matching never uses a backtracking regex: a regex built from `*a*a*a*…b` takes exponential time on a
string of `a`s. The pattern is split at its stars into literal segments; the first must start the value,
the last must end it, and each one between is found left-most with `str.find` after the previous one.
Taking the left-most occurrence is always safe for globs (a later one leaves less room for the rest), so
the match is one pass of `find` calls: O(len(value) · len(pattern)) at worst.

Complexity follows event-ruler's `MachineComplexityEvaluator`: the largest number of wildcard "rule
prefixes" (the pattern cut after each character or star) that one input value can match at once, summed
over the wildcard patterns of one field. Its tests pin the measure (`MachineComplexityEvaluatorTest`:
"*aa" → 3, "a*b*bb" → 5, "a*aaa" with "aa*aa" → 7), and tests/patterns/validated/aws/complexity.json
runs our implementation on them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from crnotify.patterns._values import OperatorError, show

STAR: None = None  # a token of a parsed wildcard: a character, or STAR

# A search over reachable prefix sets that does not finish within this many sets is reported as "at
# least the limit": the patterns that get there are far beyond any limit EventBridge accepts.
_SEARCH_BUDGET = 20_000


@dataclass(frozen=True, slots=True)
class Wildcard:
    """A parsed wildcard: `segments` are the literal texts between stars."""

    text: str
    tokens: tuple[str | None, ...]
    segments: tuple[str, ...]

    def matches(self, value: str) -> bool:
        segments = self.segments
        if len(segments) == 1:
            return value == segments[0]
        first, last = segments[0], segments[-1]
        if len(value) < len(first) + len(last) or not value.startswith(first) or not value.endswith(last):
            return False
        position, end = len(first), len(value) - len(last)
        for middle in segments[1:-1]:
            found = value.find(middle, position, end)
            if found < 0:
                return False
            position = found + len(middle)
        return True


def parse_wildcard(text: str) -> Wildcard:
    """`*` is zero or more characters, `\\*` a star, `\\\\` a backslash; `**` is invalid (event-ruler)."""
    tokens: list[str | None] = []
    segments: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\":
            if i + 1 >= len(text) or text[i + 1] not in "*\\":
                raise OperatorError(
                    f'"wildcard" {show(text)}: a backslash may only escape "*" or "\\" (position {i + 1})'
                )
            tokens.append(text[i + 1])
            current.append(text[i + 1])
            i += 2
            continue
        if char == "*":
            if i + 1 < len(text) and text[i + 1] == "*":
                raise OperatorError(
                    f'"wildcard" {show(text)}: consecutive "*" are not allowed (position {i + 1})'
                )
            tokens.append(STAR)
            segments.append("".join(current))
            current = []
        else:
            tokens.append(char)
            current.append(char)
        i += 1
    segments.append("".join(current))
    return Wildcard(text, tuple(tokens), tuple(segments))


def complexity(patterns: Iterable[Wildcard], limit: int) -> int:
    """event-ruler's complexity of one field's wildcard patterns, capped at `limit` as event-ruler caps it."""
    unique = {p.text: p.tokens for p in patterns}
    machines = list(unique.values())
    if not machines:
        return 0
    alphabet = {t for tokens in machines for t in tokens if t is not STAR}
    alphabet.add("\x00" if "\x00" not in alphabet else _unused(alphabet))  # "any other character"
    start = tuple(_closure(tokens, {0}) for tokens in machines)
    seen = {start}
    frontier = [start]
    worst = 0
    while frontier:
        state = frontier.pop()
        for char in alphabet:
            nxt = tuple(_step(tokens, active, char) for tokens, active in zip(machines, state, strict=True))
            if nxt in seen:
                continue
            # Position 0 (the empty prefix) is active only before the first character, so never here.
            size = sum(len(active) for active in nxt)
            worst = max(worst, size)
            if worst >= limit or len(seen) >= _SEARCH_BUDGET:
                return limit
            seen.add(nxt)
            frontier.append(nxt)
    return worst


def _unused(alphabet: set[str]) -> str:
    code = 1
    while chr(code) in alphabet:
        code += 1
    return chr(code)


def _closure(tokens: Sequence[str | None], active: set[int]) -> frozenset[int]:
    # A star may match nothing: the prefix that ends just before it also matches with it.
    out = set(active)
    for i in sorted(active):
        j = i
        while j < len(tokens) and tokens[j] is STAR:
            j += 1
            out.add(j)
    return frozenset(out)


def _step(tokens: Sequence[str | None], active: frozenset[int], char: str) -> frozenset[int]:
    out: set[int] = set()
    for i in active:
        if i > 0 and tokens[i - 1] is STAR:
            out.add(i)  # a prefix ending with a star absorbs any character
        if i < len(tokens) and (tokens[i] is STAR or tokens[i] == char):
            out.add(i + 1)
    return _closure(tokens, out)
