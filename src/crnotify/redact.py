"""The secrets this process has seen, and one function that masks them in text meant for people.

`SecretText.resolve` remembers every value it substitutes for an `${env:NAME}` reference; `mask` replaces
those values, in every encoding a library may log them in (`encodings`), the values of DingTalk's
`access_token=` / `sign=` query parameters, and URL path segments that carry a token
(`crnotify.secrets.looks_like_token`) with `***`. The CLI's logging filter runs every log record
through `mask`, so `-vv` debug logs of the SDKs and of urllib3 (which logs request URLs) stay clean.

Secrets shorter than `crnotify.secrets.MIN_LENGTH` are refused by config validation (CRN224) before
any command calls a cloud, so no command reaches the point of logging one.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Callable, Iterable
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit

from crnotify.secrets import mask_path_tokens

MASK = "***"
# DingTalk's webhook query secrets, in a URL (the value runs to the next `&`) or percent-encoded inside
# a form-encoded API request body (`%3F…access_token%3D…`, the value runs to the next `%26`).
_QUERY_SECRET = re.compile(
    r"(?i)((?:^|[?&;\s\"'])(?:access_token|sign)=)[^&\s\"'<>#\\]+"
    r"|((?:%3F|%26)(?:access_token|sign)%3D)(?:[^&%\s\"'<>#\\]|%(?!26)[0-9a-f]{2})+"
)

_lock = threading.Lock()
_secrets: set[str] = set()
_pattern: re.Pattern[str] | None = None
_known: set[str] = set()
# URLs in text, for masking the token segments of their paths (Slack's `/services/T…/B…/<token>`).
_URL = re.compile(r"https?://[^\s\"'<>]+")

# Query values shorter than this are not masked on their own (`?v=1`): secrets are refused below
# crnotify.secrets.MIN_LENGTH, and masking "1" everywhere would garble every log line.
MIN_LENGTH = 4


def _lower_hex(text: str) -> str:
    return re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), text)


# One escaping step each, as libraries apply them: JSON (ASCII-only and UTF-8), Python's repr (of a
# str and of its UTF-8 bytes, as urllib3 logs bodies), and percent-encoding (quote with and without
# `/` safe, quote_plus, upper- and lower-case hex).
_ESCAPES: tuple[Callable[[str], str], ...] = (
    lambda v: json.dumps(v)[1:-1],
    lambda v: json.dumps(v, ensure_ascii=False)[1:-1],
    lambda v: repr(v)[1:-1],
    lambda v: repr(v.encode("utf-8", "surrogatepass"))[2:-1],
    lambda v: quote(v, safe=""),
    quote,
    quote_plus,
    lambda v: _lower_hex(quote(v, safe="")),
    lambda v: _lower_hex(quote_plus(v)),
)


def encodings(value: str) -> set[str]:
    """`value` as a log line may show it: raw; each escape of `_ESCAPES`, and each escape of an
    escape (a JSON string inside a URL-encoded parameter, JSON inside JSON, a repr of JSON); and
    base64 (standard and URL-safe) of its UTF-8 bytes. Empty forms are dropped."""
    once = {escape(value) for escape in _ESCAPES}
    twice = {escape(form) for form in once for escape in _ESCAPES}
    raw = value.encode("utf-8", "surrogatepass")
    b64 = {base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()}
    b64 |= {form.rstrip("=") for form in b64}
    return {form for form in {value, *once, *twice, *b64} if form}


def remember(value: str) -> None:
    """Mask `value` (in all its `encodings`) in everything `mask` sees from now on."""
    if not value:
        return
    global _pattern  # noqa: PLW0603 -- one process-wide set, rebuilt lazily
    with _lock:
        if value in _known:
            return
        _known.add(value)
        _secrets.update(encodings(value))
        _pattern = None


def remembered() -> frozenset[str]:
    """The raw values remembered so far (the importers turn URL path segments holding one into
    `${env:…}` placeholders)."""
    with _lock:
        return frozenset(_known)


def forget_all() -> None:
    """Forget every remembered value (tests; a long-running process between unrelated configs)."""
    global _pattern  # noqa: PLW0603
    with _lock:
        _secrets.clear()
        _known.clear()
        _pattern = None


def mask(text: str) -> str:
    global _pattern  # noqa: PLW0603
    with _lock:
        if _pattern is None and _secrets:
            # Longest first, so a secret that contains another is masked whole.
            ordered = sorted(_secrets, key=len, reverse=True)
            _pattern = re.compile("|".join(re.escape(s) for s in ordered))
        pattern = _pattern
    if pattern is not None:
        text = pattern.sub(MASK, text)
    return mask_query_secrets(text)


def mask_query_secrets(text: str) -> str:
    """Only DingTalk's `access_token=`/`sign=` query values and URL path segments that look like
    tokens: a pure function, for renderers."""
    text = _QUERY_SECRET.sub(lambda m: f"{m.group(1) or m.group(2)}{MASK}", text)
    return _URL.sub(lambda m: mask_path_tokens(m.group(0), MASK), text)


def mask_values(text: str, secrets: Iterable[str]) -> str:
    """`text` with each of `secrets` masked in every form a message may quote it in (`_forms`): a pure
    function, for the providers' error messages, which name the secrets of the failed call."""
    forms = {form for secret in secrets if secret for form in _forms(secret)}
    for form in sorted(forms, key=len, reverse=True):  # longest first: a secret containing another
        text = text.replace(form, MASK)
    return text


def _forms(secret: str) -> set[str]:
    """A value as a message may quote it: in all its `encodings`, and, for a URL, each of its query
    values and token path segments on their own (the DingTalk access_token, a Slack token)."""
    parts = urlsplit(secret)
    pieces = {value for _, value in parse_qsl(parts.query) if len(value) >= MIN_LENGTH}
    pieces |= {s for s in parts.path.split("/") if s and mask_path_tokens(s, MASK) != s}
    return {form for value in {secret, *pieces} for form in encodings(value)}
