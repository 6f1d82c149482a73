"""ACS3-HMAC-SHA256 verification, exactly as the official Python SDKs sign (tea_openapi 0.4.6).

The canonical request is six newline-joined parts: method, path, canonical query (keys sorted,
values percent-encoded leaving only `~`), canonical headers (`name:value\\n` for each signed header),
the signed-header list, and the hex SHA-256 of the body; the string to sign is
`ACS3-HMAC-SHA256\\n` + hex(sha256(canonical request)) and the signature is hex(HMAC-SHA256(secret,
string to sign)). On the wire the SDK encodes the query with `urlencode` (spaces as `+`), so the
query is decoded first and re-encoded canonically. research/alibaba-facts.md §1.7.

The age of `x-acs-date` and reuse of `x-acs-signature-nonce` are `replay.py`'s concern, on only
when the emulator serves remotely or is asked to (its clock is injectable and may sit far from the
caller's); `verify(must_sign=...)` then makes the signature cover both headers.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote

from crnotify.emulator import cloud_errors as errors

ALGORITHM = "ACS3-HMAC-SHA256"
_AUTHORIZATION = re.compile(
    r"(?P<algorithm>\S+) Credential=(?P<key_id>[^,]+),"
    r"SignedHeaders=(?P<headers>[^,]*),Signature=(?P<sig>[0-9a-f]+)"
)
# Headers whose value decides what the call does: a signature must cover them.
MUST_SIGN = ("x-acs-action", "x-acs-version", "x-acs-content-sha256", "host")


@dataclass(frozen=True, slots=True)
class SignedRequest:
    method: str
    path: str
    query: Sequence[tuple[str, str]]  # decoded pairs
    headers: Mapping[str, Sequence[str]]  # lower-case name → every value received
    body: bytes


def canonical_query(pairs: Sequence[tuple[str, str]]) -> str:
    return "&".join(f"{key}={quote(value, safe='~')}" for key, value in sorted(pairs))


def canonical_request(request: SignedRequest, signed_headers: Sequence[str], payload_hash: str) -> str:
    lines = ""
    for name in signed_headers:
        values = sorted(v.strip() for v in request.headers.get(name, ()))
        lines += f"{name}:{','.join(values)}\n"
    return "\n".join(
        (
            request.method,
            request.path or "/",
            canonical_query(request.query),
            lines,
            ";".join(signed_headers),
            payload_hash,
        )
    )


def signature(secret: str, canonical: str) -> str:
    string_to_sign = f"{ALGORITHM}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    return hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha256).hexdigest()


def verify(request: SignedRequest, keys: Mapping[str, str], *, must_sign: Sequence[str] = MUST_SIGN) -> str:
    """The access key id that signed the request; `ServiceError` when it does not verify."""
    header = next(iter(request.headers.get("authorization", ())), "")
    match = _AUTHORIZATION.fullmatch(header.strip())
    if match is None:
        raise errors.INCOMPLETE_SIGNATURE.error(
            f"the Authorization header is missing or not {ALGORITHM} (the SDKs' default signature)"
        )
    if match["algorithm"] != ALGORITHM:
        raise errors.INCOMPLETE_SIGNATURE.error(f"unsupported signature algorithm {match['algorithm']}")
    key_id = match["key_id"]
    secret = keys.get(key_id)
    if secret is None:
        raise errors.INVALID_ACCESS_KEY_ID.error("Specified access key is not found.")
    signed = match["headers"].split(";")
    missing = [name for name in must_sign if name not in signed]
    if missing or signed != sorted(signed):
        raise errors.INCOMPLETE_SIGNATURE.error(
            f"SignedHeaders must be sorted and include {', '.join(must_sign)}"
        )
    payload_hash = hashlib.sha256(request.body).hexdigest()
    claimed_hash = next(iter(request.headers.get("x-acs-content-sha256", ())), "")
    expected = signature(secret, canonical_request(request, signed, payload_hash))
    if not hmac.compare_digest(claimed_hash, payload_hash) or not hmac.compare_digest(expected, match["sig"]):
        raise errors.SIGNATURE_MISMATCH.error(
            "The request signature does not match the one calculated with the access key secret."
        )
    return key_id
