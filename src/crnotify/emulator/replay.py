"""Replay protection for signed requests, as the real gateway applies it: a request's `x-acs-date` must
be within 15 minutes of the server's clock and its `x-acs-signature-nonce` never seen before.

The codes and the window are Alibaba Cloud's documented ones (the OpenAPI gateway's client errors,
https://help.aliyun.com/document_detail/48054.html, English https://help.aliyun.com/en/document_detail/434846.html):
`InvalidTimeStamp.Format` (400), `InvalidTimeStamp.Expired` (400: "the interval between the request
time … and the time the server receives the request is more than 15 minutes") and
`SignatureNonceUsed` (400). `EmulatorServer` applies it after the signature verifies, so only
authenticated requests take room in the nonce cache; the date and nonce must then be signed headers,
or a replay could carry fresh ones.

A nonce is remembered for twice the window after it was seen: a date accepted now is at most one
window old or ahead, so the same signed request stays acceptable by date for at most two windows.
The cache is bounded: when it is full of nonces still in their window, a new request is throttled
rather than an old nonce forgotten (forgetting one would let its request be replayed).
"""

from __future__ import annotations

import calendar
import threading
import time
from collections import OrderedDict

from crnotify.clock import Clock
from crnotify.emulator import cloud_errors as errors
from crnotify.emulator.signing import SignedRequest

WINDOW_SECONDS = 15 * 60
MAX_NONCES = 100_000  # ~ 55 calls a second for 30 minutes; a few MB of memory
DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"  # what tea_openapi sends (UTC, second precision)
SIGNED = ("x-acs-date", "x-acs-signature-nonce")  # headers the signature must then cover


class ReplayGuard:
    def __init__(self, clock: Clock, *, window: float = WINDOW_SECONDS, max_nonces: int = MAX_NONCES) -> None:
        self.clock = clock
        self.window = window
        self.max_nonces = max_nonces
        self._seen: OrderedDict[str, float] = OrderedDict()  # nonce → forget after; in arrival order
        self._lock = threading.Lock()

    def check(self, request: SignedRequest) -> None:
        """Raise the cloud's `ServiceError` for a stale or malformed date or a reused nonce."""
        now = self.clock.now()
        date = _first(request, "x-acs-date")
        try:
            sent = calendar.timegm(time.strptime(date, DATE_FORMAT))
        except ValueError:
            raise errors.INVALID_TIMESTAMP_FORMAT.error(
                "Specified time stamp or date value is not well formatted."
            ) from None
        if abs(now - sent) > self.window:
            raise errors.INVALID_TIMESTAMP_EXPIRED.error("Specified time stamp or date value is expired.")
        nonce = _first(request, "x-acs-signature-nonce")
        if not nonce:
            raise errors.MISSING_PARAMETER.error("x-acs-signature-nonce is mandatory for this action.")
        with self._lock:
            while self._seen and next(iter(self._seen.values())) <= now:
                self._seen.popitem(last=False)
            if nonce in self._seen:
                raise errors.SIGNATURE_NONCE_USED.error("Specified signature nonce was used already.")
            if len(self._seen) >= self.max_nonces:
                raise errors.THROTTLING.error("Request was denied due to request throttling.")
            self._seen[nonce] = now + 2 * self.window


def _first(request: SignedRequest, name: str) -> str:
    return next(iter(request.headers.get(name, ())), "").strip()
