"""The two rules every part of crnotify applies to secret values: how they are fingerprinted, and
which parts of a URL carry one.

Fingerprints (`fingerprint`). A digest that a secret enters is compared later to tell "changed" from
"unchanged": the marker on an Alibaba bus rule, the AWS `Auth` param and connection description
(`fp`), the bus digests of a saved plan. Such digests are readable by anyone who can read the bus
rule, the plan file or the PR comment that quotes it, so a plain hash would let them test guesses
offline at billions per second (a 4-character token fell in 2 seconds). Secrets therefore enter a
digest only through scrypt, salted with the identity of the rule they belong to (so one table of
guesses does not serve every rule, and equal tokens of two rules do not show as equal). The threat
model is in docs/plan-apply.md ("What a reader of the cloud or of a plan learns").

scrypt parameters: N=2**14, r=8, p=1 — the scrypt paper's "interactive" setting, 16 MiB and about
50 ms per value on one core of the machines crnotify runs on (a plan hashes each rule's secrets once;
results are cached for the process). Every guess costs an attacker the same 16 MiB of memory, which
is what keeps GPUs and ASICs from running millions of guesses in parallel. The output is cut to
48 bits: enough to tell changed from unchanged, and no help at all for recovering the value.

Short secrets (`MIN_LENGTH`). A secret of fewer than 8 characters is refused by `validate`: it is
too short to mask in logs without masking ordinary words and numbers along with it (logs mask every
occurrence of a secret, in every encoding), and too small a space (62**7 ≈ 3.5e12 guesses at most)
to survive an offline search even through scrypt. DingTalk tokens are 64 hex digits, Slack's 24.

Tokens in URL paths (`token_segments`). Webhooks often carry their secret in the path
(`https://hooks.slack.com/services/T…/B…/<secret>`). A path segment carries a token when it is a
known secret or looks like one: at least 16 characters of the URL-safe token alphabet, mixing
letters and digits. Words (`notifications`, `robot`) and short ids (Slack's `T…`/`B…`) do not.
The importers turn such segments into `${env:…}` placeholders and redaction masks them in URLs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from functools import lru_cache
from urllib.parse import unquote, urlsplit, urlunsplit

MIN_LENGTH = 8
FINGERPRINT_LENGTH = 12  # hex digits
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
_SALT_PREFIX = b"crnotify-secret-v2\x00"

_TOKEN = re.compile(r"[A-Za-z0-9_\-.~+=%]{16,}")
_LETTER = re.compile(r"[A-Za-z]")
_DIGIT = re.compile(r"[0-9]")
_REFERENCE = "${"


@lru_cache(maxsize=4096)
def fingerprint(value: str, *, salt: str) -> str:
    """The one digest a secret value ever enters: scrypt of `value`, salted with `salt` (the
    identity of the rule it belongs to), as 12 hex digits. Equal inputs give equal outputs, so a
    stored fingerprint tells whether the value changed."""
    from hashlib import scrypt  # noqa: PLC0415 -- not at the top: `validate` never hashes (cold start)

    digest = scrypt(
        value.encode("utf-8", "surrogatepass"),
        salt=_SALT_PREFIX + salt.encode("utf-8", "surrogatepass"),
        n=_SCRYPT_N,
        r=_SCRYPT_R,
        p=_SCRYPT_P,
        dklen=16,
    )
    return digest.hex()[:FINGERPRINT_LENGTH]


def looks_like_token(segment: str) -> bool:
    """A URL path segment that looks like a generated secret (see the module docstring)."""
    return bool(
        _REFERENCE not in segment
        and _TOKEN.fullmatch(segment)
        and _LETTER.search(segment)
        and _DIGIT.search(segment)
    )


def token_segments(url: str, known: Collection[str] = ()) -> list[int]:
    """Indices (in `path.split("/")`) of the path segments of `url` that carry a token: those that
    look like one, or that are (percent-decoded) one of the `known` secret values."""
    path = urlsplit(url).path
    return [
        index
        for index, segment in enumerate(path.split("/"))
        if segment
        and _REFERENCE not in segment
        and (looks_like_token(segment) or unquote(segment) in known or segment in known)
    ]


def placeholder_path(
    url: str, name: Callable[[int], str], known: Collection[str] = ()
) -> tuple[str, list[str]]:
    """`url` with each token-carrying path segment replaced by `${env:NAME}` (`name(n)` for the n-th,
    from 1), and the names used, in order."""
    indices = token_segments(url, known)
    if not indices:
        return url, []
    parts = urlsplit(url)
    segments = parts.path.split("/")
    names = []
    for number, index in enumerate(indices, start=1):
        names.append(name(number))
        segments[index] = f"${{env:{names[-1]}}}"
    path = "/".join(segments)
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, parts.fragment)), names


def mask_path_tokens(url: str, mask: str) -> str:
    """`url` with each path segment that looks like a token replaced by `mask` (redaction)."""
    parts = urlsplit(url)
    segments = parts.path.split("/")
    if not any(looks_like_token(s) for s in segments):
        return url
    path = "/".join(mask if looks_like_token(s) else s for s in segments)
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, parts.fragment))
