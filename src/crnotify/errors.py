"""Errors crnotify raises on purpose, and the exit codes they map to.

CrnotifyError                 exit 1, message shown without a traceback
├── ConfigError               the declared config is invalid (carries diagnostics)
├── ProviderError             a cloud call failed; translated in one function per provider
│   ├── AuthError             bad or missing credentials, signature mismatch
│   ├── PermissionDenied      a RAM/IAM action is not allowed (names the action)
│   ├── NotActivated          EventBridge (or the feature) is not activated in the region
│   ├── Throttled             the cloud asked us to slow down (retryable)
│   ├── QuotaExceeded         a documented limit would be exceeded (not retryable)
│   ├── NotFound              the object does not exist
│   ├── AlreadyExists         the object exists already
│   └── TransientError        5xx or a dropped connection (retryable)
├── StalePlanError            a saved plan no longer matches the live cloud
├── ConcurrentApplyError      another apply holds the lock for a registry
└── ApplyError                some steps of an apply failed (carries what was and was not done)
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2  # `plan --detailed-exitcode` found changes; `drift` found drift
EXIT_INTERRUPTED = 130


class CrnotifyError(Exception):
    """An error with a message meant for the user. `hint` says what to do about it."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if self.hint is None else f"{self.message}\n  hint: {self.hint}"


class ConfigError(CrnotifyError):
    pass


class ProviderError(CrnotifyError):
    """`code` is the vendor's error code when there is one; `retryable` says whether to try again;
    `retry_after` is how long (seconds) the cloud asked the caller to wait first, when it said."""

    retryable = False

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        hint: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.code = code
        self.retry_after = retry_after


class AuthError(ProviderError):
    pass


class PermissionDenied(ProviderError):
    pass


class NotActivated(ProviderError):
    pass


class Throttled(ProviderError):
    retryable = True


class QuotaExceeded(ProviderError):
    pass


class NotFound(ProviderError):
    pass


class AlreadyExists(ProviderError):
    pass


class TransientError(ProviderError):
    retryable = True


class StalePlanError(CrnotifyError):
    pass


class ConcurrentApplyError(CrnotifyError):
    pass


class ApplyError(CrnotifyError):
    pass
