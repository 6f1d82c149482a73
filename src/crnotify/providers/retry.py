"""Retrying a cloud call that failed for a reason that may pass: throttling, a 5xx, a dropped connection.

The one retry policy of the providers, built on tenacity (https://tenacity.readthedocs.io): at most
`attempts` tries, waiting between them a random time in [0, min(maximum, initial · 2ⁿ)] — exponential
backoff with *full jitter*, which spreads out clients that were throttled together (AWS Architecture
Blog, "Exponential Backoff And Jitter") — but never less than the `Retry-After` the cloud asked for,
capped at `maximum`. Which errors are worth retrying is the error's own `retryable` flag
(`crnotify.errors`): throttling and transient failures are; a permission, quota, validation or
not-found error fails at once.

Only the call is repeated, so only calls that are safe to repeat may go through here: reads, and
writes the provider makes idempotent (an upsert, or a create/delete whose "already exists"/"not found"
after a lost response it checks against the live object — see `providers.alibaba.provider`).

A refused connection is transient only at a cloud's own endpoints (a load balancer between
instances): an emulator that is not running, or any explicit endpoint nobody listens on, refuses
every try alike, and six tries with backoff only delay the error by seconds. `refused` finds such a
refusal in an exception's chain, for each cloud's translation to decide (`providers/<cloud>/errors.py`).

`RetryPolicy(sleep=...)` takes the sleeping function, so tests run the real policy without real waits.
`CRNOTIFY_MAX_ATTEMPTS` sets the number of tries (1: no retries, for a CI job that would rather fail
fast and rerun).
"""

from __future__ import annotations

import logging
import os
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TypeVar

from tenacity import (
    RetryCallState,
    RetryError,
    Retrying,
    retry_if_exception,
    retry_if_result,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential,
)

from crnotify.errors import ConfigError, ProviderError, Throttled

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    attempts: int = 6  # tries in all, the first included
    initial: float = 0.5  # seconds: the first backoff window
    maximum: float = 20.0  # seconds: no single wait is longer
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)
    rng: random.Random = field(default_factory=random.Random, compare=False)

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError(f"attempts must be at least 1, not {self.attempts}")
        if self.initial < 0 or self.maximum < 0:
            raise ValueError("backoff times must not be negative")


DEFAULT = RetryPolicy()
NO_RETRY = RetryPolicy(attempts=1)
ATTEMPTS_VARIABLE = "CRNOTIFY_MAX_ATTEMPTS"


def configured(env: Mapping[str, str] | None = None) -> RetryPolicy:
    """`DEFAULT` (looked up when called, so a test can shorten its waits), with the number of tries
    from CRNOTIFY_MAX_ATTEMPTS when that is set."""
    text = (os.environ if env is None else env).get(ATTEMPTS_VARIABLE, "").strip()
    if not text:
        return DEFAULT
    if not text.isdigit() or not 1 <= int(text) <= 20:
        raise ConfigError(f"{ATTEMPTS_VARIABLE}={text!r} is not a number of tries from 1 to 20")
    return replace(DEFAULT, attempts=int(text))


def causes(exc: BaseException) -> list[BaseException]:
    """`exc` and what it was raised from or during, outermost first (SDKs wrap transport errors
    several times over: Tea's RetryError ← requests ← urllib3 ← the socket's own error)."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain and len(chain) < 16:
        chain.append(current)
        current = current.__cause__ or current.__context__ or getattr(current, "inner_exception", None)
    return chain


def refused(exc: BaseException) -> bool:
    """Whether the call failed because the peer refused the connection (nothing listens there)."""
    return any(isinstance(cause, ConnectionRefusedError) for cause in causes(exc))


def is_loopback_or_explicit(host: str, cloud_domains: tuple[str, ...]) -> bool:
    """Whether `host` is not one of the cloud's own endpoint names: a loopback address, an emulator
    or any other endpoint a user pointed crnotify at."""
    host = host.strip("[]").lower().rstrip(".")
    return not any(host == domain or host.endswith("." + domain) for domain in cloud_domains)


def retryable(exc: BaseException) -> bool:
    return isinstance(exc, ProviderError) and exc.retryable


class _Backoff:
    """tenacity wait strategy: full-jitter exponential backoff, at least the server's Retry-After."""

    def __init__(self, policy: RetryPolicy) -> None:
        self._policy = policy

    def __call__(self, state: RetryCallState) -> float:
        policy = self._policy
        window = min(policy.maximum, policy.initial * 2 ** (state.attempt_number - 1))
        wait = policy.rng.uniform(0, window)
        exc = state.outcome.exception() if state.outcome is not None else None
        asked = getattr(exc, "retry_after", None)
        if isinstance(asked, int | float) and asked > 0:
            wait = max(wait, min(float(asked), policy.maximum))
        return wait


def _log_retry(state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome is not None else None
    wait = state.next_action.sleep if state.next_action is not None else 0.0
    # The message is a translated crnotify error: secrets were masked when it was made.
    log.info("%s; retrying in %.2f s (attempt %d failed)", exc, wait, state.attempt_number)


def call(fn: Callable[[], T], policy: RetryPolicy = DEFAULT) -> T:
    """`fn()`, tried again under `policy` while it raises a retryable `ProviderError`; the last error
    is raised as it is (not wrapped) when the attempts run out."""
    retrying = Retrying(
        stop=stop_after_attempt(policy.attempts),
        wait=_Backoff(policy),
        retry=retry_if_exception(retryable),
        sleep=policy.sleep,
        before_sleep=_log_retry,
        reraise=True,
    )
    try:
        return retrying(fn)
    except ProviderError as exc:
        if exc.retryable and exc.hint is None:  # what to do once the retries are spent
            tries = f"{policy.attempts} tries" if policy.attempts > 1 else "1 try"
            throttled = isinstance(exc, Throttled)
            slower = ", with a lower --concurrency (CRNOTIFY_CONCURRENCY)" if throttled else ""
            exc.hint = (
                f"still failing after {tries} with backoff; run again later{slower}, "
                f"or allow more tries with {ATTEMPTS_VARIABLE} (up to 20)"
            )
        raise


def poll(
    fn: Callable[[], T],
    done: Callable[[T], bool],
    *,
    deadline: float,
    first: float,
    longest: float,
    sleep: Callable[[float], None] = time.sleep,
) -> T | None:
    """`fn()` until `done` holds for its result, waiting `first` seconds, doubling up to `longest`,
    for at most `deadline` seconds; None if it never did. (Waiting for the cloud to catch up, e.g.
    ACR's regeneration of a bus rule: not a failure to retry, so not `call`.)"""
    retrying = Retrying(
        stop=stop_after_delay(deadline),
        wait=wait_exponential(multiplier=first, max=longest),
        retry=retry_if_result(lambda result: not done(result)),
        sleep=sleep,
    )
    try:
        return retrying(fn)
    except RetryError:
        return None
