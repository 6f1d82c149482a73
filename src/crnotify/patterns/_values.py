"""Event and pattern values: JSON types, the key exact values compare by, and how values are shown."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

Predicate = Callable[[object], bool]


class OperatorError(ValueError):
    """A malformed operator object; the compiler turns it into an InvalidPatternError with the path."""


@dataclass(frozen=True, slots=True)
class Condition:
    """A compiled value test with the words used to explain it, e.g. `prefix 'release-'`."""

    test: Predicate
    text: str


# ---------------------------------------------------------------------------------------------------
# Values


def is_number(value: object) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


_NULL = ("null",)
_TRUE = ("bool", True)
_FALSE = ("bool", False)


def literal_key(value: object, by_value: bool = False) -> object:
    """The key exact values compare by: strings by themselves, everything else by JSON type and text.

    A number's key is the text Python gives the parsed value (300 → "300", 300.0 → "300.0"), or, with
    `by_value` (the aws dialect), its exact decimal value, so 300, 300.0 and 3.0e2 are one key: event-ruler
    compiles an exact number into a text match plus a numeric-equality match (`JsonRuleCompilerTest
    .testCompile`: `[1]` → EXACT "1" and NUMERIC_EQ 1.0; `ByteMachineTest`: 300.0 matches "300", "3.0e+2",
    "300.0000"). A float's value is that of its shortest repr, as Java's `BigDecimal.valueOf(double)`.
    true/false/null never equal 1/0/"" and strings never equal numbers.
    """
    if isinstance(value, str):
        return value
    if value is None:
        return _NULL
    if value is True:
        return _TRUE
    if value is False:
        return _FALSE
    if by_value and isinstance(value, (int, float, Decimal)):
        try:
            return ("num", Decimal(repr(value)) if isinstance(value, float) else Decimal(value))
        except (InvalidOperation, ValueError):  # inf/nan: not JSON numbers; equal only to their text
            return ("num", repr(value))
    if isinstance(value, int):
        return ("num", str(value))
    if isinstance(value, float):
        return ("num", repr(value))
    if isinstance(value, Decimal):
        return ("num", str(value))
    return ("other", type(value).__name__, id(value))  # not JSON: equal to nothing but itself


def show(value: object, limit: int = 60) -> str:
    """A value as it appears in explanations: strings quoted, JSON literals as JSON."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = repr(value)
    elif isinstance(value, (list, tuple)):
        text = "[" + ", ".join(show(v, limit) for v in value) + "]"
    elif isinstance(value, Mapping):
        text = "{" + ", ".join(f"{show(k, limit)}: {show(v, limit)}" for k, v in value.items()) + "}"
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def as_float(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except OverflowError:  # an int beyond the float range
        return math.inf if value > 0 else -math.inf  # type: ignore[operator]
    except (TypeError, ValueError):  # e.g. Decimal("sNaN"): compares false with everything, like NaN
        return math.nan
