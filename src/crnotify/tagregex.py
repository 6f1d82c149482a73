"""Tag regular expressions (`tags:`, ACR's `RepoTagFilterPattern`): flavour, matching, EventBridge form.

Assumptions, because Alibaba Cloud documents neither (research/alibaba-facts.md §1.3 only says "a
regex, e.g. `.*`"):

- ACR is a Java service, so the regex is `java.util.regex`. crnotify matches tags with RE2 (google-re2),
  which never backtracks: matching is linear in the tag's length whatever the pattern, so a pull request
  that supplies both a config and an event cannot stall `crnotify test` or CI with `(a+)+$`. Python's
  `re` only checks the syntax and locates errors; it never matches. Accepted is the common subset whose
  meaning is the same in Java, Python and RE2. Rejected, with a reason: Java-only syntax that Python
  would misread or reject (`\\p{..}`, `\\Q..\\E`, `\\h`, `\\R`, `\\z`, class intersection `&&`, nested
  classes, `(?<name>..)`), Python-only syntax (`(?P<..>)`, `(?#..)`, `{,n}`), escapes that mean
  different things (`\\Z`, `\\v`, `\\0`), and constructs Java has but RE2 cannot run in linear time:
  back-references, lookahead and lookbehind, atomic groups, possessive quantifiers, the `x` flag and
  counted repetitions above 1000. Java's `\\d`, `\\w`, `\\s` are ASCII by default, as are RE2's.
- The pattern must match the **whole** tag (Java's `String.matches`), which is why the default is
  `.*`. `^` and `$` are therefore redundant but harmless.
- ACR itself uses a backtracking engine (Java), so a pattern with a repeated group that holds a repeat,
  such as `(a+)+`, can take exponential time there even though it costs crnotify nothing;
  `backtracking_risk` finds such groups so that `validate` can warn.

`to_eventbridge` turns the subset that EventBridge pattern operators can express into matchers for
a string field (exact value, `prefix`, `suffix`, `wildcard`), for providers that filter tags on the
bus (AWS) rather than in the registry.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping

# RE2 (google-re2): linear-time matching of user-supplied tag regexes; the module ships no type hints.
import re2  # type: ignore[import-untyped]

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
# Java has these, but RE2 cannot match them without backtracking; crnotify refuses them rather than risk
# exponential time. Write the pattern without them (a tag is short; alternatives usually do).
_NOT_LINEAR = "Java supports it, but crnotify matches tags with RE2 (linear time), which cannot"
_RE2_MAX_REPEAT = 1000  # RE2 rejects counted repetitions above 1000 ("invalid repetition size")
_LITERAL = re.compile(r"[A-Za-z0-9_-]")


class TagRegexError(ValueError):
    """A tag regex crnotify does not accept; `position` is an index into the pattern when known."""

    def __init__(self, reason: str, position: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.position = position


class TagRegex:
    """A compiled tag regex: `fullmatch` runs RE2, in time linear in the tag's length."""

    __slots__ = ("_regex", "pattern")

    def __init__(self, pattern: str, regex: object) -> None:
        self.pattern = pattern
        self._regex = regex

    def fullmatch(self, tag: str) -> bool:
        return self._regex.fullmatch(tag) is not None  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        return f"TagRegex({self.pattern!r})"


def compile_tag_regex(pattern: str) -> TagRegex:
    """Compile a tag regex, rejecting constructs whose meaning differs between Java, Python and RE2."""
    _check_portable(pattern)
    with warnings.catch_warnings():
        # Python warns (FutureWarning) about set syntax it may change; Java already reads it differently.
        warnings.simplefilter("error")
        try:
            re.compile(pattern, re.ASCII)  # syntax and error positions only; matching is RE2's
        except re.error as exc:
            raise TagRegexError(exc.msg, exc.pos) from None
        except (FutureWarning, DeprecationWarning) as exc:
            raise TagRegexError(f"ambiguous syntax: {exc}") from None
    options = re2.Options()
    options.log_errors = False  # RE2 would print its own message on stderr; ours is located
    try:
        return TagRegex(pattern, re2.compile(_for_re2(pattern), options))
    except re2.error as exc:
        detail = (
            exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else exc
        )
        raise TagRegexError(f"RE2, which crnotify matches tags with, cannot compile it: {detail}") from None


def matches(pattern: str, tag: str) -> bool:
    """Whether `tag` matches `pattern` as ACR is assumed to match it (the whole tag)."""
    return compile_tag_regex(pattern).fullmatch(tag)


def _for_re2(pattern: str) -> str:
    """The same regex in RE2's spelling: Java's `\\uhhhh` is RE2's `\\x{hhhh}`."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("\\u", i) and re.fullmatch(r"[0-9A-Fa-f]{4}", pattern[i + 2 : i + 6]):
            out.append("\\x{" + pattern[i + 2 : i + 6] + "}")
            i += 6
        elif pattern[i] == "\\":
            out.append(pattern[i : i + 2])
            i += 2
        else:
            out.append(pattern[i])
            i += 1
    return "".join(out)


def anchored_only_at_start(pattern: str) -> bool:
    """`^v1\\.` looks written for search semantics; matched against the whole tag it is `v1\\.` exactly."""
    if not pattern.startswith("^"):
        return False
    return not pattern.endswith(("$", ".*", ".+", ".*)", ".+)"))


def backtracking_risk(pattern: str) -> int | None:
    """Where a group that repeats without bound holds a repeat itself (`(a+)+`, `(\\w*-)*`), or None.

    Such nesting is the classic cause of exponential backtracking in Java's regex engine, which ACR is
    assumed to use: a tag that almost matches makes it try every way to split the tag between the inner
    and outer repeat. crnotify (RE2) is unaffected; this only predicts what the registry may do. Call it
    on a pattern `compile_tag_regex` accepted.
    """
    stack: list[tuple[int, bool]] = []  # (position of "(", holds an unbounded repeat)
    inner = False  # the innermost open group (or the whole pattern) holds an unbounded repeat
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        atom_end = i + 1
        group: tuple[int, bool] | None = None
        if c == "\\":
            atom_end = i + 2
        elif c == "[":
            atom_end = _class_end(pattern, i)
        elif c == "(":
            stack.append((i, inner))
            inner = False
            i += 1
            continue
        elif c == ")" and stack:
            start, outer = stack.pop()
            group = (start, inner)
            inner = outer
        if _unbounded_at(pattern, atom_end):
            if group is not None and group[1]:
                return group[0]
            inner = True
        elif group is not None and group[1]:
            inner = True
        i = atom_end
    return None


def _class_end(pattern: str, i: int) -> int:
    j = i + 1
    if pattern.startswith("^", j):
        j += 1
    if pattern.startswith("]", j):
        j += 1
    while j < len(pattern) and pattern[j] != "]":
        j += 2 if pattern[j] == "\\" else 1
    return j + 1


def _unbounded_at(pattern: str, i: int) -> bool:
    if pattern.startswith(("*", "+"), i):
        return True
    return re.match(r"\{\d+,\}", pattern[i : i + 12]) is not None


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
        elif c in "*+?}" and pattern.startswith("+", i + 1):
            raise TagRegexError(f"possessive quantifiers ({c}+): {_NOT_LINEAR}", i)
        elif c == "{":
            _check_count(pattern, i)
        i += 1


def _check_count(pattern: str, i: int) -> None:
    count = re.match(r"\{(\d+)(?:,(\d*))?\}", pattern[i:])
    if count is None:
        return
    # A count with more than 6 digits is over the limit anyway (and int() of thousands of digits raises).
    numbers = [int(text) if len(text) <= 6 else _RE2_MAX_REPEAT + 1 for text in count.groups() if text]
    if max(numbers) > _RE2_MAX_REPEAT:
        raise TagRegexError(
            f"a repetition count above {_RE2_MAX_REPEAT}: {_NOT_LINEAR}; no tag is that long (128 at most)", i
        )


def _check_escape(pattern: str, i: int) -> None:
    if i + 1 >= len(pattern):
        raise TagRegexError("the pattern ends with a lone backslash", i)
    letter = pattern[i + 1]
    if letter in _DIFFERENT_ESCAPES:
        raise TagRegexError(_DIFFERENT_ESCAPES[letter], i)
    if letter.isdigit():
        raise TagRegexError(f"back-references (\\{letter}): {_NOT_LINEAR}", i)
    if letter == "x" and pattern.startswith("{", i + 2):
        raise TagRegexError("\\x{..} is Java-only; write \\xhh", i)
    if letter.isalpha() and letter not in _ALLOWED_ESCAPE_LETTERS:
        raise TagRegexError(f"\\{letter} is not an escape that Java and Python share", i)


def _check_group(pattern: str, i: int) -> None:
    rest = pattern[i + 2 :]
    if rest.startswith(":"):
        return
    if rest.startswith(("=", "!", "<=", "<!")):
        raise TagRegexError(f"lookahead and lookbehind: {_NOT_LINEAR}", i)
    if rest.startswith(">"):
        raise TagRegexError(f"atomic groups (?>..): {_NOT_LINEAR}", i)
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
    if "x" in letters:
        raise TagRegexError(f"the x (comments) flag: {_NOT_LINEAR}", i)


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
