"""Value conditions: one operator object of a pattern (`{"prefix": "v"}`) → a validated predicate.

Every predicate takes one leaf value of the event (a string, number, boolean or null) and never raises.
Validation messages name the operator and say what it accepts; the caller prefixes the path.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from crnotify.patterns._types import Dialect

Predicate = Callable[[object], bool]

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
ALIBABA_NUMERIC_LIMIT = 1.0e9  # alibaba-facts §3: -1.0e9 … +1.0e9, 15 digits, 6 decimal places
ALIBABA_NUMERIC_TOLERANCE = 1.0e-7  # the open-source engine's equality threshold (NumericOperators.java)


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


def literal_key(value: object) -> object:
    """The key exact values compare by: strings by themselves, everything else by JSON type and text.

    The docs say numbers compare by their string form (300, 300.0 and 3.0e2 differ), so a number's key
    is the text Python gives the parsed value: 300 → "300", 300.0 → "300.0". true/false/null never
    equal 1/0/"" and strings never equal numbers.
    """
    if isinstance(value, str):
        return value
    if value is None:
        return _NULL
    if value is True:
        return _TRUE
    if value is False:
        return _FALSE
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


def _as_float(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except OverflowError:
        return math.inf if value > 0 else -math.inf  # type: ignore[operator]


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
        regex = wildcard_regex(_string(operator, argument, allow_empty=True))
        return Condition(
            lambda v: isinstance(v, str) and regex.fullmatch(v) is not None, f"wildcard {show(argument)}"
        )
    if operator == "anything-but":
        return _anything_but(argument, dialect)
    if operator == "numeric":
        return _numeric(argument, dialect)
    return _cidr(argument, dialect)


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


def wildcard_regex(text: str) -> re.Pattern[str]:
    """AWS wildcard: `*` is zero or more characters, `\\*` a star, `\\\\` a backslash; `**` is invalid."""
    parts: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\":
            if i + 1 >= len(text) or text[i + 1] not in "*\\":
                raise OperatorError(
                    f'"wildcard" {show(text)}: a backslash may only escape "*" or "\\" (position {i + 1})'
                )
            parts.append(re.escape(text[i + 1]))
            i += 2
            continue
        if char == "*":
            if i + 1 < len(text) and text[i + 1] == "*":
                raise OperatorError(
                    f'"wildcard" {show(text)}: consecutive "*" are not allowed (position {i + 1})'
                )
            parts.append(".*")
        else:
            parts.append(re.escape(char))
        i += 1
    return re.compile("".join(parts), re.DOTALL)


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
            numbers = frozenset(_as_float(i) for i in items)
            return Condition(
                lambda v: not (is_number(v) and _as_float(v) in numbers), f"anything-but {show(_one(items))}"
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
    regexes = [wildcard_regex(t) for t in texts]
    return lambda v: isinstance(v, str) and any(r.fullmatch(v) is not None for r in regexes)


# ---------------------------------------------------------------------------------------------------
# numeric


_COMPARE: Mapping[str, Callable[[int], bool]] = {
    "=": lambda c: c == 0,
    "!=": lambda c: c != 0,
    ">": lambda c: c > 0,
    ">=": lambda c: c >= 0,
    "<": lambda c: c < 0,
    "<=": lambda c: c <= 0,
}


def _numeric(argument: object, dialect: Dialect) -> Condition:
    if not isinstance(argument, (list, tuple)) or len(argument) not in (2, 4):
        raise OperatorError(f'"numeric" needs [op, number] or [op, number, op, number], not {show(argument)}')
    pairs: list[tuple[str, float]] = []
    for i in range(0, len(argument), 2):
        op, bound = argument[i], argument[i + 1]
        allowed = _COMPARE if dialect == "alibaba" else ("=", ">", ">=", "<", "<=")
        if not isinstance(op, str) or op not in allowed:
            names = ", ".join(allowed)
            raise OperatorError(f'"numeric": {show(op)} is not an operator in {dialect} ({names})')
        if not is_number(bound) or not math.isfinite(_as_float(bound)):
            raise OperatorError(f'"numeric": after {_q(op)} comes a finite number, not {show(bound)}')
        if dialect == "alibaba":
            _check_alibaba_bound(bound)
        pairs.append((op, _as_float(bound)))
    if dialect == "aws":
        _check_aws_range(pairs)
    text = "numeric " + " and ".join(f"{op} {show(argument[2 * k + 1])}" for k, (op, _) in enumerate(pairs))
    if dialect == "alibaba":
        checks = [(_COMPARE[op], bound) for op, bound in pairs]

        def test_alibaba(v: object) -> bool:
            if not is_number(v):
                return False
            x = _as_float(v)
            for accept, bound in checks:
                order = 0 if abs(x - bound) <= ALIBABA_NUMERIC_TOLERANCE else (1 if x > bound else -1)
                if not accept(order):
                    return False
            return True

        return Condition(test_alibaba, text)
    low = next(((b, op == ">") for op, b in pairs if op in (">", ">=")), None)
    high = next(((b, op == "<") for op, b in pairs if op in ("<", "<=")), None)
    equal = next((b for op, b in pairs if op == "="), None)

    def test_aws(v: object) -> bool:
        if not is_number(v):
            return False
        x = _as_float(v)
        if equal is not None:
            return x == equal
        if low is not None and (x <= low[0] if low[1] else x < low[0]):
            return False
        return not (high is not None and (x >= high[0] if high[1] else x > high[0]))

    return Condition(test_aws, text)


def _check_alibaba_bound(bound: object) -> None:
    value = _as_float(bound)
    if abs(value) > ALIBABA_NUMERIC_LIMIT:
        raise OperatorError(f'"numeric": {show(bound)} is outside -1.0e9 … 1.0e9')
    try:
        exact = Decimal(repr(bound) if isinstance(bound, float) else str(bound)).normalize()
    except (InvalidOperation, ValueError):
        return
    exponent = exact.as_tuple().exponent
    decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if decimals > 6:
        raise OperatorError(f'"numeric": {show(bound)} has more than 6 decimal places')
    if len(exact.as_tuple().digits) > 15:
        raise OperatorError(f'"numeric": {show(bound)} has more than 15 significant digits')


def _check_aws_range(pairs: list[tuple[str, float]]) -> None:
    # event-ruler: "=", ">"/">=" alone, "<"/"<=" alone, or ">"/">=" then "<"/"<=" with bottom < top.
    if len(pairs) == 2:
        (op1, low), (op2, high) = pairs
        if op1 not in (">", ">=") or op2 not in ("<", "<="):
            raise OperatorError(
                '"numeric": a range is written [">" or ">=", low, "<" or "<=", high] in the aws dialect'
            )
        if not low < high:
            raise OperatorError(f'"numeric": the lower bound {low:g} must be below the upper bound {high:g}')


# ---------------------------------------------------------------------------------------------------
# cidr


def _cidr(argument: object, dialect: Dialect) -> Condition:
    text = _string("cidr", argument, allow_empty=False)
    network: ipaddress.IPv4Network | ipaddress.IPv6Network
    try:
        if "/" in text:
            _, _, bits = text.partition("/")
            if "/" in bits or not bits.isdigit():
                raise OperatorError(f'"cidr" {show(text)}: the mask must be a number of bits')
            network = ipaddress.ip_network(text, strict=False)
        elif dialect == "alibaba":
            # The open-source Alibaba engine also accepts a single address.
            network = ipaddress.ip_network(ipaddress.ip_address(text))
        else:
            raise OperatorError(f'"cidr" {show(text)}: expected an address block such as "10.0.0.0/24"')
    except ValueError as exc:
        if isinstance(exc, OperatorError):
            raise
        raise OperatorError(f'"cidr" {show(text)} is not an IP address block') from None
    if dialect == "alibaba" and network.version != 4:
        raise OperatorError(f'"cidr" {show(text)}: the alibaba dialect supports IPv4 only')

    def test(v: object) -> bool:
        if not isinstance(v, str):
            return False
        try:
            return ipaddress.ip_address(v) in network
        except ValueError:
            return False

    return Condition(test, f"cidr {show(text)}")
