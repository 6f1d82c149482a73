"""Tag regular expressions (`tags:`, ACR's `RepoTagFilterPattern`): flavour, matching, EventBridge form.

Assumptions, because Alibaba Cloud documents neither (research/alibaba-facts.md §1.3 only says "a
regex, e.g. `.*`"):

- ACR is a Java service, so the regex is `java.util.regex`. crnotify checks patterns with Python's `re`
  and accepts only the common subset whose meaning is the same in both (Python ≥ 3.11, which has
  possessive quantifiers and atomic groups with Java's meaning). Rejected, with a reason: Java-only
  syntax that Python would misread or reject (`\\p{..}`, `\\Q..\\E`, `\\h`, `\\R`, `\\z`, class
  intersection `&&`, nested classes, `(?<name>..)`), Python-only syntax (`(?P<..>)`, `(?#..)`,
  `{,n}`), and escapes that mean different things (`\\Z`, `\\v`, `\\0`). Patterns are compiled with
  `re.ASCII`, since Java's `\\d`, `\\w`, `\\s` are ASCII by default.
- The pattern must match the **whole** tag (Java's `String.matches`), which is why the default is
  `.*`. `^` and `$` are therefore redundant but harmless.

`to_eventbridge` turns the subset that EventBridge pattern operators can express into matchers for
a string field (exact value, `prefix`, `suffix`, `wildcard`), for providers that filter tags on the
bus (AWS) rather than in the registry.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping

_ALLOWED_ESCAPE_LETTERS = set("dDsSwWbBAtnrfxu")
_DIFFERENT_ESCAPES = {
    "p": "\\p{..} character properties are Java-only",
    "P": "\\P{..} character properties are Java-only",
    "h": "\\h (horizontal whitespace) is Java-only",
    "H": "\\H is Java-only",
    "v": "\\v is vertical whitespace in Java but a vertical-tab character in Python",
    "V": "\\V is Java-only",
    "R": "\\R (any line break) is Java-only",
    "X": "\\X (grapheme cluster) is Java-only",
    "G": "\\G (end of previous match) is Java-only",
    "Q": "\\Q..\\E quoting is Java-only; escape each character instead",
    "E": "\\Q..\\E quoting is Java-only; escape each character instead",
    "z": "\\z is Java-only; the whole tag is matched anyway",
    "Z": "\\Z means 'end' in Python but 'before a final line break' in Java; the whole tag is matched anyway",
    "k": "\\k<name> back-references are Java-only",
    "N": "\\N{..} named characters are Python-only",
    "e": "\\e (escape character) is Java-only",
    "c": "\\c (control character) is Java-only",
    "a": "\\a is not portable; tags never contain a bell character",
    "0": "\\0 octal escapes differ between Java and Python",
}
_LITERAL = re.compile(r"[A-Za-z0-9_-]")


class TagRegexError(ValueError):
    """A tag regex crnotify does not accept; `position` is an index into the pattern when known."""

    def __init__(self, reason: str, position: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.position = position


def compile_tag_regex(pattern: str) -> re.Pattern[str]:
    """Compile a tag regex, rejecting constructs whose meaning differs between Java and Python."""
    _check_portable(pattern)
    with warnings.catch_warnings():
        # Python warns (FutureWarning) about set syntax it may change; Java already reads it differently.
        warnings.simplefilter("error")
        try:
            return re.compile(pattern, re.ASCII)
        except re.error as exc:
            raise TagRegexError(exc.msg, exc.pos) from None
        except (FutureWarning, DeprecationWarning) as exc:
            raise TagRegexError(f"ambiguous syntax: {exc}") from None


def matches(pattern: str, tag: str) -> bool:
    """Whether `tag` matches `pattern` as ACR is assumed to match it (the whole tag)."""
    return compile_tag_regex(pattern).fullmatch(tag) is not None


def anchored_only_at_start(pattern: str) -> bool:
    """`^v1\\.` looks written for search semantics; matched against the whole tag it is `v1\\.` exactly."""
    if not pattern.startswith("^"):
        return False
    return not pattern.endswith(("$", ".*", ".+", ".*)", ".+)"))


def _check_portable(pattern: str) -> None:
    i, n = 0, len(pattern)
    in_class = False
    class_start = -1
    while i < n:
        c = pattern[i]
        if c == "\\":
            _check_escape(pattern, i)
            i += 2
            continue
        if in_class:
            if c == "[":
                raise TagRegexError("nested character classes ([..[..]..]) are read differently by Java", i)
            if pattern.startswith("&&", i):
                raise TagRegexError("class intersection (&&) is Java-only", i)
            if c == "]" and i > class_start:
                in_class = False
        elif c == "[":
            in_class = True
            class_start = i + 1
            if pattern.startswith("^", class_start):
                class_start += 1
            if pattern.startswith("]", class_start):
                raise TagRegexError("a ']' first in a class is read differently by Java; write \\]", i)
        elif pattern.startswith("(?", i):
            _check_group(pattern, i)
        elif pattern.startswith("{,", i):
            raise TagRegexError("{,n} means {0,n} in Python but is an error in Java; write {0,n}", i)
        i += 1


def _check_escape(pattern: str, i: int) -> None:
    if i + 1 >= len(pattern):
        raise TagRegexError("the pattern ends with a lone backslash", i)
    letter = pattern[i + 1]
    if letter in _DIFFERENT_ESCAPES:
        raise TagRegexError(_DIFFERENT_ESCAPES[letter], i)
    if letter == "x" and pattern.startswith("{", i + 2):
        raise TagRegexError("\\x{..} is Java-only; write \\xhh", i)
    if letter.isalpha() and letter not in _ALLOWED_ESCAPE_LETTERS:
        raise TagRegexError(f"\\{letter} is not an escape that Java and Python share", i)


def _check_group(pattern: str, i: int) -> None:
    rest = pattern[i + 2 :]
    if rest.startswith((":", "=", "!", ">", "<=", "<!")):
        return
    if rest.startswith("P"):
        raise TagRegexError("(?P..) named groups are Python-only; use (?:..)", i)
    if rest.startswith("<"):
        raise TagRegexError("(?<name>..) named groups are not supported by Python 3.11; use (?:..)", i)
    if rest.startswith("#"):
        raise TagRegexError("(?#..) comments are Python-only", i)
    flags = re.match(r"[a-zA-Z-]*", rest)
    letters = flags.group(0) if flags else ""
    if set(letters) - set("imsx-"):
        raise TagRegexError(
            f"inline flags other than i, m, s and x differ between Java and Python: {letters}", i
        )


# --- EventBridge form ------------------------------------------------------------------------------

JSONMatcher = str | Mapping[str, str]


class Inexpressible(ValueError):
    """The regex cannot be written with EventBridge pattern operators; `reason` says which part."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def to_eventbridge(pattern: str) -> tuple[JSONMatcher, ...] | None:
    """EventBridge matchers equivalent to `pattern` (whole-tag), or None when every tag matches.

    Accepted: alternatives (`a|b`, optionally in one group spanning the pattern) of literal text and
    `.*`, optionally anchored with `^`/`$`. Literal text is letters, digits, `_`, `-` and escaped
    punctuation (`\\.`). Each alternative becomes an exact value, `{"prefix"}`, `{"suffix"}` or
    `{"wildcard"}` (`*` for each `.*`).
    """
    body = pattern.removeprefix("^")
    if body.endswith("$") and not body.endswith("\\$"):
        body = body[:-1]
    for opener in ("(?:", "("):
        if body.startswith(opener) and body.endswith(")") and _balanced(body[len(opener) : -1]):
            body = body[len(opener) : -1]
            break
    matchers: list[JSONMatcher] = []
    for alternative in _split_alternatives(body):
        pieces = _pieces(alternative)
        if pieces == [None]:
            return None
        matcher = _matcher(pieces)
        if matcher not in matchers:
            matchers.append(matcher)
    return tuple(matchers)


def _balanced(text: str) -> bool:
    depth = 0
    i = 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth < 0:
            return False
        i += 1
    return depth == 0


def _split_alternatives(body: str) -> list[str]:
    parts, current, i = [], "", 0
    while i < len(body):
        if body[i] == "\\":
            current += body[i : i + 2]
            i += 2
            continue
        if body[i] == "|":
            parts.append(current)
            current = ""
        else:
            current += body[i]
        i += 1
    parts.append(current)
    return parts


def _pieces(alternative: str) -> list[str | None]:
    """Literal runs and None for each `.*`; raises Inexpressible for anything else."""
    pieces: list[str | None] = []
    literal = ""
    i = 0
    while i < len(alternative):
        if alternative.startswith(".*", i):
            if literal:
                pieces.append(literal)
                literal = ""
            if not pieces or pieces[-1] is not None:
                pieces.append(None)
            i += 2
            continue
        c = alternative[i]
        if c == "\\" and i + 1 < len(alternative) and not alternative[i + 1].isalnum():
            literal += alternative[i + 1]
            i += 2
            continue
        if _LITERAL.fullmatch(c):
            literal += c
            i += 1
            continue
        raise Inexpressible(_why(alternative, i))
    if literal:
        pieces.append(literal)
    return pieces


def _why(text: str, i: int) -> str:
    c = text[i]
    if c == ".":
        what = "'.' (any one character)"
    elif c == "[":
        what = "a character class [..]"
    elif c in "+?{":
        what = f"the quantifier {c!r}"
    elif c in "()":
        what = "a group"
    elif c == "\\":
        what = f"the escape {text[i : i + 2]!r}"
    elif c in "^$":
        what = f"an anchor {c!r} inside the pattern"
    else:
        what = f"{c!r}"
    return (
        f"it uses {what}; EventBridge patterns can only match exact values, prefixes, suffixes and "
        "'*' wildcards, so only alternatives of literal text and '.*' can be translated"
    )


def _matcher(pieces: list[str | None]) -> JSONMatcher:
    if all(p is not None for p in pieces):
        return "".join(p for p in pieces if p is not None)
    if len(pieces) == 2 and pieces[1] is None and pieces[0] is not None:
        return {"prefix": pieces[0]}
    if len(pieces) == 2 and pieces[0] is None and pieces[1] is not None:
        return {"suffix": pieces[1]}
    return {
        "wildcard": "".join("*" if p is None else p.replace("\\", "\\\\").replace("*", "\\*") for p in pieces)
    }
