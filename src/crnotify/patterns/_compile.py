"""Validation and compilation: a pattern (JSON text or mapping) → a tree of nodes → a matcher.

The tree mirrors the pattern: an `ObjectNode` per JSON object (fields ANDed, `$or` groups ORed) and a
`Leaf` per array of values (entries ORed). Everything the matcher needs per event is computed here once.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from typing import Any

from crnotify.patterns._match import compile_matcher, explain
from crnotify.patterns._operators import build
from crnotify.patterns._tree import Leaf, ObjectNode
from crnotify.patterns._types import DIALECTS, Dialect, Explanation, InvalidPatternError
from crnotify.patterns._values import Condition, OperatorError, is_number, literal_key, show
from crnotify.patterns._wildcard import Wildcard, complexity, parse_wildcard

AWS_PATTERN_MAX_CHARS = 2048  # EventBridge quota "event pattern size" (aws-facts §5); the API model says 4096
ALIBABA_MAX_EXPRESSIONS = 5  # "stringExpression: at most 5 expressions per field" (alibaba-facts §2.5)
# EventBridge rejects a rule whose wildcards are "too complex" (InvalidEventPatternException) with
# event-ruler's MachineComplexityEvaluator, without publishing the threshold. 10 is the per-rule limit the
# event-ruler README gives as its example for this use; it agrees with the one public report we found
# (vals-ai/Valkyrie PR #278: three "*:stack/NAME/*" patterns on one field, complexity 9 here, were
# accepted; four, complexity 12, were refused with "Rule is too complex").
AWS_WILDCARD_MAX_COMPLEXITY = 10
MAX_DEPTH = 64  # far deeper than any real event; keeps hostile input from exhausting the stack

# event-ruler `Constants.RESERVED_FIELD_NAMES_IN_OR_RELATIONSHIP`: an `$or` whose objects use one of these
# as a key is an ordinary field named "$or" (event-ruler README, "The $or Primitive").
OR_RESERVED = frozenset(
    {
        "exactly", "equals-ignore-case", "prefix", "suffix", "anything-but", "exists", "wildcard", "numeric",
        "cidr", "=", "<", "<=", ">", ">=", "regex", "not-wildcard", "not-equals-ignore-case", "date-after",
        "date-on-or-after", "date-before", "date-on-or-before", "in-date-range", "ip-address-in-range",
        "ip-address-not-in-range",
    }
)  # fmt: skip


class CompiledPattern:
    """A validated pattern, compiled once; `matches` is the fast path, `explain` says why."""

    __slots__ = ("_leaves", "_match", "_root", "dialect", "pattern")

    def __init__(self, pattern: Mapping[str, Any], dialect: Dialect, root: ObjectNode) -> None:
        self.pattern = pattern
        self.dialect: Dialect = dialect
        self._root = root
        self._match: Callable[[object], bool]
        self._match, self._leaves = compile_matcher(root)

    def matches(self, event: Mapping[str, Any]) -> bool:
        """Whether the event matches. Never raises, whatever JSON-like value `event` is."""
        return self._match(event)

    def explain(self, event: Mapping[str, Any]) -> Explanation:
        """The answer of `matches` plus one verdict per pattern field."""
        matched, fields = explain(self._root, event, self._leaves)
        return Explanation(matched=matched, fields=tuple(fields), dialect=self.dialect)

    def __repr__(self) -> str:
        text = json.dumps(self.pattern, ensure_ascii=False, default=str)
        return f"CompiledPattern({text}, {self.dialect!r})"


def compile_pattern(pattern: Mapping[str, Any] | str, dialect: Dialect = "alibaba") -> CompiledPattern:
    """Validate `pattern` for `dialect` and compile it. Raises InvalidPatternError naming path and reason."""
    if dialect not in DIALECTS:
        raise InvalidPatternError("(dialect)", f'unknown dialect {dialect!r}; expected "alibaba" or "aws"')
    text: str | None = None
    if isinstance(pattern, (str, bytes)):
        text = pattern.decode("utf-8", "replace") if isinstance(pattern, bytes) else pattern
        try:
            pattern = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise InvalidPatternError("(pattern)", f"not valid JSON: {exc}") from None
    if not isinstance(pattern, Mapping):
        raise InvalidPatternError("(pattern)", f"must be a JSON object, not {show(pattern)}")
    parser = _Parser(dialect)
    root = parser.root(pattern)
    for field, wildcards in parser.wildcards.items():
        if complexity(wildcards, AWS_WILDCARD_MAX_COMPLEXITY + 1) > AWS_WILDCARD_MAX_COMPLEXITY:
            raise InvalidPatternError(
                field,
                "its wildcards are too complex for EventBridge: one value could match more than "
                f"{AWS_WILDCARD_MAX_COMPLEXITY} of their prefixes at once (event-ruler's complexity "
                "measure); use fewer '*', or prefix/suffix",
            )
    if dialect == "aws":
        size = len(text) if text is not None else _compact_size(pattern)
        if size > AWS_PATTERN_MAX_CHARS:
            raise InvalidPatternError(
                "(pattern)", f"{size} characters; EventBridge allows at most {AWS_PATTERN_MAX_CHARS}"
            )
    return CompiledPattern(pattern, dialect, root)


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _compact_size(pattern: Mapping[str, Any]) -> int:
    try:
        return len(json.dumps(pattern, separators=(",", ":"), ensure_ascii=False))
    except (TypeError, ValueError):  # validated already; only exotic number types get here
        return len(json.dumps(pattern, separators=(",", ":"), ensure_ascii=False, default=str))


class _Parser:
    def __init__(self, dialect: Dialect) -> None:
        self.dialect: Dialect = dialect
        # aws: the wildcards (and anything-but wildcards) of each field, `$or` branches merged, since
        # event-ruler evaluates the complexity of one field's patterns together.
        self.wildcards: dict[str, list[Wildcard]] = {}

    def root(self, pattern: Mapping[Any, Any]) -> ObjectNode:
        if not pattern and self.dialect == "alibaba":
            # The open-source Alibaba engine treats "{}" as "match every event" (PatternEvaluatorBuilder).
            return ObjectNode(path="", fields=(), ors=(), accepts_absent=True)
        return self.obj(pattern, "", 0)

    def obj(self, pattern: Mapping[Any, Any], path: str, depth: int) -> ObjectNode:
        where = path or "(pattern)"
        if depth > MAX_DEPTH:
            raise InvalidPatternError(where, f"nested deeper than {MAX_DEPTH} levels")
        if not pattern:
            raise InvalidPatternError(where, "an empty object is not allowed; name at least one field")
        fields: list[tuple[str, Leaf | ObjectNode]] = []
        ors: list[tuple[ObjectNode, ...]] = []
        for key, value in pattern.items():
            if not isinstance(key, str):
                raise InvalidPatternError(where, f"field names must be strings, not {show(key)}")
            child = f"{path}.{key}" if path else key
            if key == "$or" and self._is_or(value):
                if self.dialect == "alibaba":
                    raise InvalidPatternError(child, '"$or" is not supported in the alibaba dialect')
                ors.append(
                    tuple(self.obj(branch, f"{child}[{i}]", depth + 1) for i, branch in enumerate(value))
                )
            elif isinstance(value, Mapping):
                fields.append((key, self.obj(value, child, depth + 1)))
            elif isinstance(value, (list, tuple)):
                fields.append((key, self._leaf_with_or_hint(key, value, child)))
            else:
                raise InvalidPatternError(
                    child, f"must be an object or an array, not {show(value)} (write [{_json(value)}])"
                )
        accepts_absent = all(node.accepts_absent for _, node in fields) and all(
            any(branch.accepts_absent for branch in group) for group in ors
        )
        return ObjectNode(path=path, fields=tuple(fields), ors=tuple(ors), accepts_absent=accepts_absent)

    def _is_or(self, value: object) -> bool:
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, Mapping) for v in value):
            return False
        if self.dialect == "alibaba":
            return bool(value) and any(k not in OR_RESERVED for v in value for k in v)
        return len(value) >= 2 and not any(k in OR_RESERVED for v in value for k in v)

    def _leaf_with_or_hint(self, key: str, values: list[Any] | tuple[Any, ...], path: str) -> Leaf:
        try:
            return self.leaf(values, path)
        except InvalidPatternError as exc:
            if key != "$or":
                raise
            raise InvalidPatternError(
                exc.path, f'{exc.reason} ("$or" means OR only with an array of at least 2 objects)'
            ) from None

    def leaf(self, values: list[Any] | tuple[Any, ...], path: str) -> Leaf:
        if not values:
            raise InvalidPatternError(path, "an empty array matches nothing; give at least one value")
        exact: list[object] = []
        conditions: list[Condition] = []
        exists_true = exists_false = False
        expressions = 0
        for i, item in enumerate(values):
            where = f"{path}[{i}]"
            if item is None or isinstance(item, (str, bool)):
                exact.append(item)
            elif is_number(item):
                if isinstance(item, float) and not math.isfinite(item):
                    raise InvalidPatternError(where, f"{show(item)} is not a JSON number")
                exact.append(item)
            elif isinstance(item, Mapping):
                expressions += len(item)
                if "exists" in item:
                    flag = item["exists"]
                    if len(item) != 1 or not isinstance(flag, bool):
                        raise InvalidPatternError(where, '"exists" must be alone: {"exists": true} or false')
                    exists_true, exists_false = exists_true or flag, exists_false or not flag
                else:
                    conditions.append(self.condition(item, where))
                    self._note_wildcards(item, path)
            elif isinstance(item, (list, tuple)):
                raise InvalidPatternError(where, "an array inside a field's array is not allowed")
            else:
                raise InvalidPatternError(
                    where, f"values are strings, numbers, true, false, null or operator objects, not {item!r}"
                )
        if self.dialect == "alibaba" and expressions > ALIBABA_MAX_EXPRESSIONS:
            raise InvalidPatternError(
                path,
                f"{expressions} operator expressions; the alibaba dialect allows at most "
                f"{ALIBABA_MAX_EXPRESSIONS} per field",
            )
        return Leaf(
            path=path,
            exact=frozenset(literal_key(v, self.dialect == "aws") for v in exact),
            exact_values=tuple(exact),
            conditions=tuple(conditions),
            exists_true=exists_true,
            exists_false=exists_false,
            numbers_by_value=self.dialect == "aws",
        )

    def _note_wildcards(self, item: Mapping[Any, Any], path: str) -> None:
        texts: object = item.get("wildcard")
        excluded = item.get("anything-but")
        if isinstance(excluded, Mapping):
            texts = excluded.get("wildcard")
        if texts is None:
            return
        field = ".".join(part for part in path.split(".") if not part.startswith("$or["))
        for text in texts if isinstance(texts, (list, tuple)) else [texts]:
            if isinstance(text, str):  # condition() has validated it
                self.wildcards.setdefault(field, []).append(parse_wildcard(text))

    def condition(self, item: Mapping[Any, Any], where: str) -> Condition:
        if not item:
            raise InvalidPatternError(where, "an empty object is not an operator; write a value or operator")
        keys = list(item)
        for key in keys:
            if not isinstance(key, str):
                raise InvalidPatternError(where, f"operator names must be strings, not {show(key)}")
        if len(keys) > 1 and self.dialect == "aws":
            names = ", ".join(f'"{k}"' for k in keys)
            raise InvalidPatternError(where, f"one operator per object in the aws dialect, found {names}")
        try:
            built = [build(key, item[key], self.dialect) for key in keys]
        except OperatorError as exc:
            raise InvalidPatternError(where, str(exc)) from None
        if len(built) == 1:
            return built[0]
        # Alibaba's CreateRule example puts "prefix" and "suffix" in one object; we read that as AND.
        tests = tuple(c.test for c in built)
        return Condition(lambda v: all(t(v) for t in tests), " and ".join(c.text for c in built))
