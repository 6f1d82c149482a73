"""The two catastrophic inputs of issue 13 item 7, timed against a trivial match of the same engine.

- tag regex `(a+)+$` against 28 `a`s and a `b` (`crnotify test` took 12 s with Python's `re`,
  doubling per character), via `crnotify.tagregex` (RE2);
- AWS wildcard `*a*a*a*a*a*a*a*a*b` against 60 `a`s (`match --dialect aws` took 56 s with a regex),
  via the wildcard matcher. The pattern itself is now refused by `compile_pattern` (event-ruler's
  complexity limit), so the matcher is timed directly: it is what any accepted wildcard runs on.

Each line gives the time per match divided by the time of a trivial match (`.*` against `v1`, `v*`
against `v1`), then the same for an input twice as long: linear time shows as a doubling ratio at most,
backtracking as a squaring one. Run: `PYTHONPATH=src python bench/pattern_worst_case.py`. The last
line is the largest ratio.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from crnotify.patterns._wildcard import parse_wildcard
from crnotify.tagregex import compile_tag_regex

REPEATS = 2000


def per_call(check: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(REPEATS):
            check()
        best = min(best, (time.perf_counter() - start) / REPEATS)
    return best


def main() -> None:
    regex, trivial_regex = compile_tag_regex("(a+)+$"), compile_tag_regex(".*")
    wildcard, trivial_wildcard = parse_wildcard("*a*a*a*a*a*a*a*a*b"), parse_wildcard("v*")
    base_regex = per_call(lambda: trivial_regex.fullmatch("v1"))
    base_wildcard = per_call(lambda: trivial_wildcard.matches("v1"))
    ratios: list[float] = []
    for n in (28, 56):
        ratio = per_call(lambda n=n: regex.fullmatch("a" * n + "b")) / base_regex
        ratios.append(ratio)
        print(f"tag regex (a+)+$ vs {n} a's + b: {ratio:.1f} x a trivial match")
    for n in (60, 120):
        ratio = per_call(lambda n=n: wildcard.matches("a" * n)) / base_wildcard
        ratios.append(ratio)
        print(f"wildcard *a*a*a*a*a*a*a*a*b vs {n} a's: {ratio:.1f} x a trivial match")
    print(f"{max(ratios):.1f}")


if __name__ == "__main__":
    main()
