"""Value conditions: one operator object of a pattern (`{"prefix": "v"}`) → a validated predicate.

Every predicate takes one leaf value of the event (a string, number, boolean or null) and never raises.
Validation messages name the operator and say what it accepts; the caller prefixes the path.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from crnotify.patterns._ranges import cidr, numeric
from crnotify.patterns._types import Dialect
from crnotify.patterns._values import (
    Condition,
    OperatorError,
    Predicate,
    as_float,
    is_number,
    literal_key,
    show,
)
from crnotify.patterns._wildcard import parse_wildcard

# Operators by dialect (alibaba-facts §3; aws-facts §4, §4.1). `exists` is a field-level test handled by
# the compiler, listed here so that it is a known operator.
OPERATORS: Mapping[Dialect, frozenset[str]] = {
    "alibaba": frozenset({"prefix", "suffix", "contains", "anything-but", "numeric", "cidr", "exists"}),
    "aws": frozenset(
        {"prefix", "suffix", "equals-ignore-case", "wildcard", "anything-but", "numeric", "cidr", "exists"}
    ),
}
_OTHER_DIALECT_HINT = {
    ("aws", "contains"): 'AWS has no "contains"; {"wildcard": "*text*"} does the same',
    ("alibaba", "equals-ignore-case"): "only AWS supports it",
    ("alibaba", "wildcard"): "only AWS supports it",
}

NESTED_ANYTHING_BUT: Mapping[Dialect, tuple[str, ...]] = {
    "alibaba": ("prefix",),
    "aws": ("prefix", "suffix", "equals-ignore-case", "wildcard"),
}


# ---------------------------------------------------------------------------------------------------
# Builders


def build(operator: str, argument: object, dialect: Dialect) -> Condition:
    """The condition of one operator (not `exists`). Raises OperatorError when it is malformed."""
    if operator not in OPERATORS[dialect] or operator == "exists":
        other: Dialect = "aws" if dialect == "alibaba" else "alibaba"
        hint = _OTHER_DIALECT_HINT.get((dialect, operator))
        if hint is None and operator in OPERATORS[other]:
            hint = f"it is an {other} operator"
        suffix = f" ({hint})" if hint else ""
        raise OperatorError(f"unknown operator {_q(operator)} in the {dialect} dialect{suffix}")
    if operator in ("prefix", "suffix"):
        return _prefix_suffix(operator, argument, dialect)
    if operator == "contains":
        text = _string(operator, argument, allow_empty=False)
        return Condition(lambda v: isinstance(v, str) and text in v, f"contains {show(text)}")
    if operator == "equals-ignore-case":
        text = _string(operator, argument, allow_empty=True).lower()
        return Condition(
            lambda v: isinstance(v, str) and v.lower() == text, f"equals-ignore-case {show(argument)}"
        )
    if operator == "wildcard":
        pattern = parse_wildcard(_string(operator, argument, allow_empty=True))
        return Condition(lambda v: isinstance(v, str) and pattern.matches(v), f"wildcard {show(argument)}")
    if operator == "anything-but":
        return _anything_but(argument, dialect)
    if operator == "numeric":
        return numeric(argument, dialect)
    return cidr(argument, dialect)


def _q(name: str) -> str:
    return '"' + name + '"'


def _string(operator: str, argument: object, *, allow_empty: bool) -> str:
    if not isinstance(argument, str):
        raise OperatorError(f"{_q(operator)} needs a string, not {show(argument)}")
    if not argument and not allow_empty:
        raise OperatorError(f"{_q(operator)} needs a non-empty string")
    return argument


def _prefix_suffix(operator: str, argument: object, dialect: Dialect) -> Condition:
    starts = operator == "prefix"
    if isinstance(argument, Mapping) and dialect == "aws":
        # {"prefix": {"equals-ignore-case": "x"}} (aws-facts §4 table)
        if list(argument) != ["equals-ignore-case"]:
            raise OperatorError(f'{_q(operator)} takes a string or {{"equals-ignore-case": "…"}}')
        text = _string(operator, argument["equals-ignore-case"], allow_empty=True).lower()
        if starts:
            return Condition(
                lambda v: isinstance(v, str) and v.lower().startswith(text),
                f"prefix {show(text)} (ignoring case)",
            )
        return Condition(
            lambda v: isinstance(v, str) and v.lower().endswith(text), f"suffix {show(text)} (ignoring case)"
        )
    # The open-source Alibaba engine rejects empty prefixes; AWS accepts them (they match any string).
    text = _string(operator, argument, allow_empty=dialect == "aws")
    if starts:
        return Condition(lambda v: isinstance(v, str) and v.startswith(text), f"prefix {show(text)}")
    return Condition(lambda v: isinstance(v, str) and v.endswith(text), f"suffix {show(text)}")


def _string_or_list(operator: str, argument: object, *, allow_empty: bool) -> list[str]:
    items = list(argument) if isinstance(argument, (list, tuple)) else [argument]
    if not items:
        raise OperatorError(f'"anything-but" / {_q(operator)} needs a string or a non-empty list of strings')
    return [_string(operator, item, allow_empty=allow_empty) for item in items]


def _anything_but(argument: object, dialect: Dialect) -> Condition:
    if isinstance(argument, Mapping):
        allowed = NESTED_ANYTHING_BUT[dialect]
        keys = list(argument)
        if len(keys) != 1 or keys[0] not in allowed:
            names = ", ".join(_q(a) for a in allowed)
            raise OperatorError(
                f'"anything-but" takes an object with exactly one of {names} in the {dialect} dialect, '
                f"not {show(argument)}"
            )
        inner_op = keys[0]
        # AWS accepts lists inside nested anything-but; the Alibaba docs show a single prefix string.
        if dialect == "alibaba":
            texts = [_string(inner_op, argument[inner_op], allow_empty=False)]
        else:
            texts = _string_or_list(
                inner_op, argument[inner_op], allow_empty=inner_op in ("equals-ignore-case", "wildcard")
            )
        inner = _excluded_strings(inner_op, texts)
        return Condition(lambda v: not inner(v), f"anything-but {inner_op} {show(_one(texts))}")
    items = list(argument) if isinstance(argument, (list, tuple)) else [argument]
    if not items:
        raise OperatorError('"anything-but" needs a value or a non-empty list of values')
    for item in items:
        if isinstance(item, float) and not math.isfinite(item):
            raise OperatorError(f'"anything-but": {show(item)} is not a JSON number')
        if dialect == "aws" and not (isinstance(item, str) or is_number(item)):
            raise OperatorError(f'"anything-but" takes strings or numbers in aws, not {show(item)}')
        if dialect == "alibaba" and not (item is None or isinstance(item, (str, bool)) or is_number(item)):
            raise OperatorError(f'"anything-but" takes JSON values (not arrays or objects), not {show(item)}')
    if dialect == "aws":
        strings = [i for i in items if isinstance(i, str)]
        if strings and len(strings) != len(items):
            raise OperatorError('"anything-but" list must be all strings or all numbers in the aws dialect')
        if not strings:
            # event-ruler compares anything-but numbers numerically (ComparableNumber), so 300 excludes 300.0.
            numbers = frozenset(as_float(i) for i in items)
            return Condition(
                lambda v: not (is_number(v) and as_float(v) in numbers), f"anything-but {show(_one(items))}"
            )
    # Alibaba compares these like exact values (by JSON text); aws strings are plain string comparisons.
    excluded = frozenset(literal_key(i) for i in items)
    return Condition(lambda v: literal_key(v) not in excluded, f"anything-but {show(_one(items))}")


def _one(items: Sequence[object]) -> object:
    return items[0] if len(items) == 1 else list(items)


def _excluded_strings(operator: str, texts: list[str]) -> Predicate:
    if operator == "prefix":
        prefixes = tuple(texts)
        return lambda v: isinstance(v, str) and v.startswith(prefixes)
    if operator == "suffix":
        suffixes = tuple(texts)
        return lambda v: isinstance(v, str) and v.endswith(suffixes)
    if operator == "equals-ignore-case":
        lowered = frozenset(t.lower() for t in texts)
        return lambda v: isinstance(v, str) and v.lower() in lowered
    patterns = [parse_wildcard(t) for t in texts]
    return lambda v: isinstance(v, str) and any(p.matches(v) for p in patterns)
