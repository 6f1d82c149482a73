"""ACR tag regexes → EventBridge pattern values, exactly or not at all. Pure.

EventBridge patterns have no regex operator (research/aws-facts.md §4), so a tag regex translates only
when it denotes exactly a union of exact strings, prefixes, suffixes and wildcards. The regex is
assumed to match the whole tag, as Java's `String.matches` does (our assumption for ACR). Anything
else is refused with a reason instead of being approximated: a broader filter would notify on tags
the user excluded, a narrower one would silently drop notifications.
"""

from __future__ import annotations

import re

from crnotify.model import JSON

_STAR = object()  # `.*` inside a branch
_META = set(".^$*+?()[]{}|\\")


def tag_pattern_values(regex: str) -> tuple[JSON, ...] | None:
    """EventBridge pattern values that match exactly the tags the regex matches in full.

    `()` means every tag matches (no tag condition at all); None means the regex cannot be expressed
    exactly. Accepted: literals (with `\\`-escaped punctuation), `.*`, alternation at the top level or
    in one group around everything, and optional `^`/`$` anchors. Values are ORed by EventBridge:
    `v1\\.0|release-.*` → `["v1.0", {"prefix": "release-"}]`.
    """
    try:
        re.compile(regex)
    except re.error:
        return None
    body = regex[1:] if regex.startswith("^") else regex
    if body.endswith("$") and not body.endswith("\\$"):
        body = body[:-1]
    body = _unwrap_group(body)
    values: list[JSON] = []
    for branch in _split_top_level(body):
        tokens = _tokens(branch)
        if tokens is None:
            return None
        if tokens == [_STAR]:
            return ()
        value = _operator(tokens)
        if value not in values:
            values.append(value)
    return tuple(values)


def tag_pattern_operator(regex: str) -> dict[str, JSON] | str | None:
    """The single pattern value for a one-branch regex (`v.*` → `{"prefix": "v"}`), or None.

    A convenience over `tag_pattern_values` for callers that show one operator; alternations and
    `.*` (no condition) return None here, so use `tag_pattern_values` to build patterns.
    """
    values = tag_pattern_values(regex)
    if values is None or len(values) != 1:
        return None
    value = values[0]
    return value if isinstance(value, str | dict) else None


def tag_pattern_reason(regex: str) -> str | None:
    """Why a tag regex cannot be used on AWS, or None when it translates exactly."""
    if tag_pattern_values(regex) is not None:
        return None
    return (
        f"tag regex {regex!r} cannot be expressed exactly as an EventBridge pattern, which has no regex "
        "operator; use literals and `.*` only (exact tags, `prefix.*`, `.*suffix`, `a.*b`), "
        "optionally joined with `|`"
    )


def _unwrap_group(body: str) -> str:
    for opening in ("(?:", "("):
        if body.startswith(opening) and body.endswith(")") and not body.endswith("\\)"):
            inner = body[len(opening) : -1]
            if _balanced(inner):
                return inner
    return body


def _balanced(text: str) -> bool:
    depth, escaped = 0, False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def _split_top_level(body: str) -> list[str]:
    branches, current, escaped = [], "", False
    for char in body:
        if escaped:
            current += char
            escaped = False
        elif char == "\\":
            current += char
            escaped = True
        elif char == "|":
            branches.append(current)
            current = ""
        else:
            current += char
    branches.append(current)
    return branches


def _tokens(branch: str) -> list[object] | None:
    """A branch as literal strings and `_STAR`, or None if it uses anything else."""
    tokens: list[object] = []
    i = 0
    while i < len(branch):
        char = branch[i]
        if char == "\\":
            if i + 1 >= len(branch) or branch[i + 1].isalnum():
                return None  # `\d`, `\w`, `\b`…: character classes and assertions
            _append_literal(tokens, branch[i + 1])
            i += 2
        elif branch.startswith(".*", i):
            if not tokens or tokens[-1] is not _STAR:
                tokens.append(_STAR)
            i += 2
        elif char in _META:
            return None
        else:
            _append_literal(tokens, char)
            i += 1
    return tokens


def _append_literal(tokens: list[object], char: str) -> None:
    if tokens and isinstance(tokens[-1], str):
        tokens[-1] += char
    else:
        tokens.append(char)


def _operator(tokens: list[object]) -> JSON:
    if not tokens:
        return ""
    if len(tokens) == 1 and isinstance(tokens[0], str):
        return tokens[0]
    if len(tokens) == 2 and tokens[1] is _STAR:
        return {"prefix": tokens[0]}
    if len(tokens) == 2 and tokens[0] is _STAR:
        return {"suffix": tokens[1]}
    # A wildcard escapes its own metacharacters with a backslash (aws-facts §4).
    return {
        "wildcard": "".join(
            "*" if t is _STAR else str(t).replace("\\", "\\\\").replace("*", "\\*") for t in tokens
        )
    }
