"""The secrets this process has seen, and one function that masks them in text meant for people.

`SecretText.resolve` remembers every value it substitutes for an `${env:NAME}` reference; `mask` replaces
those values (raw and percent-encoded, as they appear in request logs) and the values of DingTalk's
`access_token=` / `sign=` query parameters with `***`. The CLI's logging filter runs every log record
through `mask`, so `-vv` debug logs of the SDKs and of urllib3 (which logs request URLs) stay clean.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit

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


# Shorter values are not masked: masking "1" or "abc" everywhere would garble every log line, and a
# value that short is no secret worth the name (DingTalk tokens are 64 hex digits).
MIN_LENGTH = 4


def remember(value: str) -> None:
    """Mask `value` (and its URL-encoded forms) in everything `mask` sees from now on."""
    if len(value) < MIN_LENGTH:
        return
    global _pattern  # noqa: PLW0603 -- one process-wide set, rebuilt lazily
    with _lock:
        before = len(_secrets)
        _secrets.update({value, quote(value, safe=""), quote_plus(value)})
        if len(_secrets) != before:
            _pattern = None


def forget_all() -> None:
    """Forget every remembered value (tests; a long-running process between unrelated configs)."""
    global _pattern  # noqa: PLW0603
    with _lock:
        _secrets.clear()
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
    """Only DingTalk's `access_token=`/`sign=` query values: a pure function, for renderers."""
    return _QUERY_SECRET.sub(lambda m: f"{m.group(1) or m.group(2)}{MASK}", text)


def mask_values(text: str, secrets: Iterable[str]) -> str:
    """`text` with each of `secrets` masked in every form a message may quote it in (`_forms`): a pure
    function, for the providers' error messages, which name the secrets of the failed call."""
    forms = {form for secret in secrets if secret for form in _forms(secret)}
    for form in sorted(forms, key=len, reverse=True):  # longest first: a secret containing another
        text = text.replace(form, MASK)
    return text


def _forms(secret: str) -> set[str]:
    """A value as a message may quote it: raw, percent-encoded (a request URL or form body), and, for
    a URL, each of its query values on their own (the DingTalk access_token)."""
    forms = {secret, quote(secret, safe=""), quote_plus(secret)}
    forms |= {value for _, value in parse_qsl(urlsplit(secret).query) if len(value) >= MIN_LENGTH}
    return {form for value in set(forms) for form in (value, quote(value, safe=""))}
