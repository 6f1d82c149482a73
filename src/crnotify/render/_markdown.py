"""Helpers for Markdown meant for GitHub pull-request comments (GitHub Flavored Markdown).

Everything that came from the YAML or the cloud is text, never markup: plain text is HTML-escaped and
has Markdown punctuation backslash-escaped (GFM: any ASCII punctuation may be escaped), values go in
code spans or fenced blocks whose fence is longer than any backtick run inside, `|` is escaped in table
cells (GFM tables split on it even inside code spans), and `@` is kept from becoming a mention.
DingTalk's `access_token`/`sign` query values are masked in every value, whatever the planner decided
(secrets are fingerprints there already; this is the second lock on a public comment).

Spec: https://github.github.com/gfm/ (backslash escapes §2.4, code spans §6.1, tables §4.10);
alerts: https://docs.github.com/en/get-started/writing-on-github/getting-started-with-writing-and-formatting-on-github/basic-writing-and-formatting-syntax#alerts
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from crnotify.model import JSON
from crnotify.redact import mask_query_secrets
from crnotify.render._style import show

# GitHub's limit on an issue or pull-request comment body, in characters.
COMMENT_LIMIT = 65_536

# What can start markup inside a line (`<`, `>` and `&` are HTML-escaped instead).
_PUNCTUATION = re.compile(r"([\\`*_\[\]|~#!])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_BACKTICKS = re.compile(r"`+")


def _visible(text: str) -> str:
    """Control and bidi-override characters shown as escapes, query secrets masked."""
    text = _CONTROL.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)
    return mask_query_secrets(text)


def _no_mention(text: str) -> str:
    # A word joiner after `@` keeps `@org/team` in a rule description from pinging anyone.
    return text.replace("@", "@\u2060")


def text(value: str) -> str:
    """User text in running Markdown: no markup, no HTML, no mentions, one line."""
    escaped = html.escape(_visible(value).replace("\n", " "), quote=False)
    return _no_mention(_PUNCTUATION.sub(r"\\\1", escaped))


_CODE_SPAN = re.compile(r"`([^`]+)`")


def prose(value: str) -> str:
    """crnotify's own messages (which quote commands and names in backticks): the quoted parts as
    code spans, the rest as `text`. Backticks from user input can only make more inert code spans."""
    out, end = [], 0
    for match in _CODE_SPAN.finditer(value):
        out.append(text(value[end : match.start()]))
        out.append(code(match.group(1)))
        end = match.end()
    out.append(text(value[end:]))
    return "".join(out)


def sentence(value: str) -> str:
    """`prose`, ending with a full stop unless it already ends with punctuation."""
    return prose(value) + ("" if value.rstrip().endswith((".", "!", "?", ":")) else ".")


def html_text(value: str) -> str:
    """User text inside an HTML element (`<summary>`), where Markdown is not parsed."""
    return _no_mention(html.escape(_visible(value).replace("\n", " ")))


def code(value: str, *, cell: bool = False) -> str:
    """A code span that shows `value` as written (one line); `cell=True` inside a table."""
    shown = _visible(value).replace("\n", " ")
    longest = max((len(m) for m in _BACKTICKS.findall(shown)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if shown.startswith("`") or shown.endswith("`") or not shown.strip() else ""
    span = f"{fence}{pad}{shown}{pad}{fence}"
    return span.replace("|", "\\|") if cell else span


def value(v: JSON, *, cell: bool = False) -> str:
    """A JSON value as a code span (long or multi-line strings shortened, as in the text plan)."""
    return code(show(v), cell=cell)


def fenced(lines: Sequence[str], info: str = "") -> str:
    body = "\n".join(_visible(line) for line in lines)
    longest = max((len(m) for m in _BACKTICKS.findall(body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{body}\n{fence}"


def alert(kind: str, lines: Sequence[str]) -> str:
    """A GitHub alert block (`NOTE`, `WARNING`, `CAUTION`, …)."""
    return "\n".join([f"> [!{kind}]", *(f"> {line}" if line else ">" for line in lines)])


def table(header: Sequence[str], rows: Sequence[Sequence[str]], *, right: int = 0) -> str:
    """A GFM table; cells must already be escaped. The last `right` columns are right-aligned."""
    aligns = ["---"] * (len(header) - right) + ["--:"] * right
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(aligns) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def size(markdown: str) -> int:
    """Length as GitHub counts it. Counting UTF-16 code units errs on the safe side for astral
    characters (emoji), which a code-point count would undercount."""
    return len(markdown.encode("utf-16-le")) // 2


def fit(head: str, sections: Sequence[str], tail: str, omitted_note: str, limit: int) -> tuple[str, int]:
    """`head`, as many whole `sections` as fit, then `tail`, within `limit`; when some are left out,
    `omitted_note` (with `{n}` for their number) goes before `tail`. Returns (markdown, omitted)."""
    joiner = "\n\n"
    kept: list[str] = []
    used = size(head) + size(joiner + tail)
    reserve = size(joiner + omitted_note.format(n=len(sections)))
    for i, section in enumerate(sections):
        cost = size(joiner + section)
        last = i == len(sections) - 1
        if used + cost + (0 if last else reserve) > limit:
            break
        kept.append(section)
        used += cost
    omitted = len(sections) - len(kept)
    parts = [head, *kept]
    if omitted:
        parts.append(omitted_note.format(n=omitted))
    parts.append(tail)
    return joiner.join(part for part in parts if part) + "\n", omitted
