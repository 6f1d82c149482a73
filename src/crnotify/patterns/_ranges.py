"""The range operators: `numeric` (per dialect) and `cidr`."""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation

from crnotify.patterns._types import Dialect
from crnotify.patterns._values import Condition, OperatorError, as_float, is_number, show

ALIBABA_NUMERIC_LIMIT = 1.0e9  # alibaba-facts §3: -1.0e9 … +1.0e9, 15 digits, 6 decimal places
ALIBABA_NUMERIC_TOLERANCE = 1.0e-7  # the open-source engine's equality threshold (NumericOperators.java)


def _q(name: str) -> str:
    return '"' + name + '"'


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


def numeric(argument: object, dialect: Dialect) -> Condition:
    if not isinstance(argument, (list, tuple)) or len(argument) not in (2, 4):
        raise OperatorError(f'"numeric" needs [op, number] or [op, number, op, number], not {show(argument)}')
    pairs: list[tuple[str, float]] = []
    for i in range(0, len(argument), 2):
        op, bound = argument[i], argument[i + 1]
        allowed = _COMPARE if dialect == "alibaba" else ("=", ">", ">=", "<", "<=")
        if not isinstance(op, str) or op not in allowed:
            names = ", ".join(allowed)
            raise OperatorError(f'"numeric": {show(op)} is not an operator in {dialect} ({names})')
        if not is_number(bound) or not math.isfinite(as_float(bound)):
            raise OperatorError(f'"numeric": after {_q(op)} comes a finite number, not {show(bound)}')
        if dialect == "alibaba":
            _check_alibaba_bound(bound)
        pairs.append((op, as_float(bound)))
    if dialect == "aws":
        _check_aws_range(pairs)
    text = "numeric " + " and ".join(f"{op} {show(argument[2 * k + 1])}" for k, (op, _) in enumerate(pairs))
    if dialect == "alibaba":
        checks = [(_COMPARE[op], bound) for op, bound in pairs]

        def test_alibaba(v: object) -> bool:
            if not is_number(v):
                return False
            x = as_float(v)
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
        x = as_float(v)
        if equal is not None:
            return x == equal
        if low is not None and (x <= low[0] if low[1] else x < low[0]):
            return False
        return not (high is not None and (x >= high[0] if high[1] else x > high[0]))

    return Condition(test_aws, text)


def _check_alibaba_bound(bound: object) -> None:
    value = as_float(bound)
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


def cidr(argument: object, dialect: Dialect) -> Condition:
    if not isinstance(argument, str) or not argument:
        raise OperatorError(f'"cidr" needs a non-empty string, not {show(argument)}')
    text = argument
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
