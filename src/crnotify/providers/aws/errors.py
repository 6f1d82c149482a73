"""The one translation of boto3/botocore errors into crnotify's errors (DESIGN.md §3)."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from crnotify.errors import (
    AlreadyExists,
    AuthError,
    NotFound,
    PermissionDenied,
    ProviderError,
    QuotaExceeded,
    Throttled,
    TransientError,
)
from crnotify.providers import retry
from crnotify.providers.aws import _sdk
from crnotify.redact import mask_values

CLOUD_DOMAINS = ("amazonaws.com", "amazonaws.com.cn", "api.aws")  # AWS's own endpoint names
_AUTH = {
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "MissingAuthenticationToken",
    "ExpiredToken",
    "ExpiredTokenException",
    "RequestExpired",
}
_DENIED = {"AccessDeniedException", "AccessDenied", "UnauthorizedOperation", "NotAuthorized"}
_THROTTLED = {"ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded"}
_TRANSIENT = {"ConcurrentModificationException", "InternalException", "InternalFailure", "ServiceUnavailable"}


def translate(exc: BaseException, *, secrets: Iterable[str] = ()) -> ProviderError:
    """A crnotify error for a botocore error; `secrets` are masked out of the message.

    AWS redacts sensitive fields in its own messages, but a message may still quote a parameter, so
    the values sent in the failed call are masked here too.
    """
    botocore = _sdk.exceptions()
    message = mask_values(str(exc), secrets)
    if isinstance(exc, botocore.ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", "Unknown"))
        text = mask_values(str(error.get("Message") or message), secrets)
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        action = _action(exc)
        if code == "LimitExceededException":
            return QuotaExceeded(
                f"{action}: an EventBridge quota would be exceeded: {text}",
                code=code,
                hint="rules per bus (300), targets per rule (5), wildcard rules (30), connections and API "
                "destinations (3000) are limited per account and region; remove rules or request an "
                "increase in Service Quotas",
            )
        if code in _THROTTLED:
            return Throttled(f"{action}: throttled by AWS after retries: {text}", code=code)
        if code in _DENIED:
            return PermissionDenied(
                f"{action}: access denied: {text}",
                code=code,
                hint=f"allow the IAM action `{action}` for the credentials crnotify uses",
            )
        if code in _AUTH:
            return AuthError(
                f"{action}: AWS rejected the credentials ({code}): {text}",
                code=code,
                hint="check AWS_PROFILE / AWS_ACCESS_KEY_ID or refresh your SSO session",
            )
        if code == "ResourceNotFoundException":
            return NotFound(f"{action}: {text}", code=code)
        if code == "ResourceAlreadyExistsException":
            return AlreadyExists(f"{action}: {text}", code=code)
        if code in _TRANSIENT or status >= 500:
            return TransientError(f"{action}: {code}: {text}", code=code)
        return ProviderError(f"{action}: {code}: {text}", code=code)
    if isinstance(exc, botocore.NoCredentialsError | botocore.PartialCredentialsError):
        return AuthError(
            f"no usable AWS credentials: {message}",
            hint="set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run `aws sso login`",
        )
    if isinstance(exc, botocore.CredentialRetrievalError | botocore.TokenRetrievalError):
        return AuthError(f"could not obtain AWS credentials: {message}")
    if isinstance(exc, botocore.NoRegionError):
        return ProviderError(f"no AWS region: {message}", hint="registries of provider aws declare a region")
    if isinstance(exc, botocore.EndpointConnectionError | botocore.ConnectionClosedError):
        url = str(getattr(exc, "kwargs", {}).get("endpoint_url") or "")
        host = urlsplit(url).hostname or ""
        if retry.refused(exc) and host and retry.is_loopback_or_explicit(host, CLOUD_DOMAINS):
            # An explicit endpoint (moto, AWS_ENDPOINT_URL) nobody listens on: retrying changes nothing.
            return ProviderError(
                f"nothing listens at {url} (connection refused)",
                hint="start the endpoint AWS_ENDPOINT_URL names (e.g. `moto_server`), or unset it",
            )
        return TransientError(f"could not reach AWS: {message}")
    if isinstance(exc, botocore.ReadTimeoutError | botocore.ConnectTimeoutError):
        return TransientError(f"AWS did not answer in time: {message}")
    if type(exc).__name__ == "ResponseParserError":  # botocore.parsers: an unreadable answer
        return TransientError(f"AWS sent a response that could not be read: {message[:200]}")
    if isinstance(exc, botocore.ParamValidationError):
        return ProviderError(f"invalid request parameters: {message}")
    return ProviderError(f"AWS call failed: {type(exc).__name__}: {message}")


def _action(exc: object) -> str:
    """The IAM action of a failed call, e.g. `events:PutRule` (crnotify calls EventBridge and STS)."""
    operation = str(getattr(exc, "operation_name", "") or "Unknown")
    prefix = "sts" if operation == "GetCallerIdentity" else "events"
    return f"{prefix}:{operation}"
