"""Matching: the compiled tree → closures for the fast path, and the same walk with words for `explain`.

Event values are read the way EventBridge flattens events (event-ruler README, "JSON Array Matching"):
- a leaf field's values are the scalar found at its path, or the scalars of an array found there (nested
  arrays are flattened); an object, an empty array or a missing key gives no value, i.e. "absent";
- when the pattern descends into an object and the event has an array of objects there, the sub-pattern
  must match one element as a whole: fields from different elements never combine (array consistency).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence

from crnotify.patterns._tree import Leaf, ObjectNode
from crnotify.patterns._types import FieldVerdict
from crnotify.patterns._values import literal_key, show

Matcher = Callable[[object], bool]


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<missing>"


MISSING: object = _Missing()
_CONTAINERS = (list, tuple)


def _is_mapping(value: object) -> bool:
    return type(value) is dict or isinstance(value, Mapping)


def leaf_values(items: Sequence[object]) -> Sequence[object]:
    """The scalars of an event array, nested arrays flattened and objects left out."""
    for item in items:
        if isinstance(item, _CONTAINERS) or _is_mapping(item):
            break
    else:
        return items  # the common case: an array of scalars
    out: list[object] = []
    stack: list[Iterator[object]] = [iter(items)]
    while stack:
        for item in stack[-1]:
            if isinstance(item, _CONTAINERS):
                stack.append(iter(item))
                break
            if not _is_mapping(item):
                out.append(item)
        else:
            stack.pop()
    return out


def objects_in(items: Sequence[object]) -> Iterator[tuple[str, Mapping[str, object]]]:
    """The objects of an event array with their position (`[2]`, or `[1][0]` in nested arrays)."""
    stack: list[tuple[str, Iterator[tuple[int, object]]]] = [("", iter(enumerate(items)))]
    while stack:
        label, iterator = stack[-1]
        for index, item in iterator:
            if isinstance(item, _CONTAINERS):
                stack.append((f"{label}[{index}]", iter(enumerate(item))))
                break
            if _is_mapping(item):
                yield f"{label}[{index}]", item  # type: ignore[misc]
        else:
            stack.pop()


# ---------------------------------------------------------------------------------------------------
# The fast path


def compile_matcher(root: ObjectNode) -> tuple[Matcher, dict[int, Matcher]]:
    """The matcher of the whole pattern, and each leaf's matcher by `id(leaf)` (explain reuses them)."""
    leaves: dict[int, Matcher] = {}
    return _object_matcher(root, leaves), leaves


def _object_matcher(node: ObjectNode, leaves: dict[int, Matcher]) -> Matcher:
    fields = tuple(
        (key, _leaf_matcher(child, leaves) if isinstance(child, Leaf) else _object_matcher(child, leaves))
        for key, child in node.fields
    )
    ors = tuple(tuple(_object_matcher(branch, leaves) for branch in group) for group in node.ors)
    absent = node.accepts_absent

    def match(value: object) -> bool:
        if type(value) is dict or isinstance(value, Mapping):
            get = value.get
            for key, field in fields:
                if not field(get(key, MISSING)):
                    return False
            for group in ors:
                for branch in group:
                    if branch(value):
                        break
                else:
                    return False
            return True
        if isinstance(value, _CONTAINERS):
            found = False
            for _, element in objects_in(value):
                found = True
                if match(element):
                    return True
            return absent and not found
        return absent

    return match


def _leaf_matcher(leaf: Leaf, leaves: dict[int, Matcher]) -> Matcher:
    exact = leaf.exact
    by_value = leaf.numbers_by_value
    tests = tuple(c.test for c in leaf.conditions)
    present, absent = leaf.exists_true, leaf.exists_false

    def one(value: object) -> bool:
        if type(value) is str:
            if value in exact:
                return True
        elif exact and literal_key(value, by_value) in exact:
            return True
        for test in tests:  # noqa: SIM110 - explicit loops are faster than any() on the hot path
            if test(value):
                return True
        return False

    def match(value: object) -> bool:
        if type(value) is str:
            return present or value in exact or one(value)
        if value is MISSING or type(value) is dict or isinstance(value, Mapping):
            return absent
        if isinstance(value, _CONTAINERS):
            values = leaf_values(value)
            if not values:
                return absent
            if present:
                return True
            for item in values:  # noqa: SIM110
                if one(item):
                    return True
            return False
        return present or one(value)

    leaves[id(leaf)] = match
    return match


# ---------------------------------------------------------------------------------------------------
# Explanations


def explain(root: ObjectNode, event: object, leaves: dict[int, Matcher]) -> tuple[bool, list[FieldVerdict]]:
    out: list[FieldVerdict] = []
    if not root.fields and not root.ors:
        out.append(FieldVerdict("(pattern)", True, "(pattern): the empty pattern matches every event"))
        return True, out
    return _explain_object(root, event, "", out, leaves), out


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _explain_object(
    node: ObjectNode, value: object, path: str, out: list[FieldVerdict], leaves: dict[int, Matcher]
) -> bool:
    if isinstance(value, _CONTAINERS):
        elements = list(objects_in(value))
        if elements:
            return _explain_elements(node, elements, path, out, leaves)
    mapping: Mapping[str, object] = value if _is_mapping(value) else {}  # type: ignore[assignment]
    ok = True
    for key, child in node.fields:
        sub = mapping.get(key, MISSING)
        child_path = _join(path, key)
        if isinstance(child, Leaf):
            matched = leaves[id(child)](sub)
            out.append(FieldVerdict(child_path, matched, leaf_reason(child, sub, matched, child_path)))
        else:
            matched = _explain_object(child, sub, child_path, out, leaves)
        ok = ok and matched
    for group in node.ors:
        or_path = _join(path, "$or")
        results = [
            _explain_object(branch, value, f"{or_path}[{i}]", out, leaves) for i, branch in enumerate(group)
        ]
        chosen = [i for i, r in enumerate(results) if r]
        if chosen:
            reason = f"{or_path}: branch {chosen[0]} of {len(group)} matched"
        else:
            reason = f"{or_path}: none of the {len(group)} branches matched"
        out.append(FieldVerdict(or_path, bool(chosen), reason))
        ok = ok and bool(chosen)
    return ok


def _explain_elements(
    node: ObjectNode,
    elements: list[tuple[str, Mapping[str, object]]],
    path: str,
    out: list[FieldVerdict],
    leaves: dict[int, Matcher],
) -> bool:
    name = path or "(event)"
    tried: list[list[FieldVerdict]] = []
    for label, element in elements:
        verdicts: list[FieldVerdict] = []
        if _explain_object(node, element, f"{path}{label}", verdicts, leaves):
            out.extend(verdicts)
            out.append(FieldVerdict(name, True, f"{name}: element {label} matched every field"))
            return True
        tried.append(verdicts)
    for verdicts in tried:
        out.extend(verdicts)
    reason = (
        f"{name}: no element of the array matched every field on its own "
        "(fields from different elements never combine)"
    )
    out.append(FieldVerdict(name, False, reason))
    return False


def leaf_reason(leaf: Leaf, value: object, matched: bool, path: str) -> str:
    expected = leaf.expected()
    if value is MISSING:
        return f"{path}: absent (exists: false)" if matched else f"{path}: absent (expected {expected})"
    if _is_mapping(value):
        what = f"{path}: is an object, not a value, so it counts as absent"
        return f"{what} (exists: false)" if matched else f"{what} (expected {expected})"
    values = leaf_values(value) if isinstance(value, _CONTAINERS) else (value,)
    if not values:
        what = f"{path}: {show(value)} has no values, so it counts as absent"
        return f"{what} (exists: false)" if matched else f"{what} (expected {expected})"
    where = f" (in {show(value)})" if isinstance(value, _CONTAINERS) else ""
    if matched:
        for item in values:
            word = _first_match(leaf, item)
            if word is not None:
                return f"{path}: {show(item)}{where} matched {word}"
        return f"{path}: present (exists: true)"
    if leaf.exists_false and not leaf.exact_values and not leaf.conditions and not leaf.exists_true:
        return f"{path}: {show(value)} is present, but exists: false requires it to be absent"
    if isinstance(value, _CONTAINERS):
        return f"{path}: no value of {show(value)} matched {expected}"
    return f"{path}: {show(value)} did not match {expected}"


def _first_match(leaf: Leaf, item: object) -> str | None:
    key = literal_key(item, leaf.numbers_by_value)
    for exact in leaf.exact_values:
        if literal_key(exact, leaf.numbers_by_value) == key:
            return show(exact)
    for condition in leaf.conditions:
        if condition.test(item):
            return condition.text
    return None
