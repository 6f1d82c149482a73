"""The one place where Alibaba Cloud SDK exceptions become crnotify errors with something to do about them.

Codes come from the EventBridge error-code page (research/alibaba-facts.md §2.6), the ACR API pages
(§1.3–1.5), the credentials library and the RAM/POP gateway's generic codes. The vendor's message
is kept only after every secret value of the call has been masked, and never for signature errors,
whose message echoes the string that was signed — request parameters included.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from crnotify.errors import (
    AlreadyExists,
    AuthError,
    NotActivated,
    NotFound,
    PermissionDenied,
    ProviderError,
    QuotaExceeded,
    Throttled,
    TransientError,
)
from crnotify.providers import retry
from crnotify.redact import mask_values

T = TypeVar("T")

CLOUD_DOMAINS = ("aliyuncs.com", "aliyun.com")  # Alibaba Cloud's own endpoint names
# The default chain's sources in the order alibabacloud_credentials tries them
# (`provider/default.py: DefaultCredentialsProvider`); the first that yields a key pair wins.
CREDENTIAL_SOURCES = (
    "ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET",
    "OIDC, when ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN and ALIBABA_CLOUD_OIDC_TOKEN_FILE "
    "are all set",
    "the aliyun CLI's profile in ~/.aliyun/config.json",
    "a profile in ~/.alibabacloud/credentials.ini (ALIBABA_CLOUD_CREDENTIALS_FILE)",
    "the ECS instance's RAM role (unless ALIBABA_CLOUD_ECS_METADATA_DISABLED=true)",
    "the URL in ALIBABA_CLOUD_CREDENTIALS_URI, when set",
)
CREDENTIALS_HINT = (
    "crnotify uses the Alibaba Cloud default credential chain, which tries in order: "
    + "; ".join(f"{n}. {source}" for n, source in enumerate(CREDENTIAL_SOURCES, 1))
    + " (rerun with -v to see why each one failed)"
)
CREATE_UNSUPPORTED_HINT = (
    "Container Registry has no documented CreateEventCenterRule API{denied}. Create the rule {rule} in the "
    "console (Container Registry > your instance > Event Notification > Create Rule) with the settings "
    "the YAML declares, then run `crnotify import --registry {registry} --adopt --rule {rule}` so "
    "crnotify manages it from then on"
)
_SUCCESS_CODES = {"success", "200"}  # EventBridge "Success" or "200" (issue 14 row 6); ACR 200 or "success"

_AUTH = {
    "InvalidAccessKeyId",
    "InvalidAccessKeyId.NotFound",
    "InvalidAccessKeyId.Inactive",
    "InvalidAccessKeySecret",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "InvalidSecurityToken.Expired",
    "InvalidSecurityToken.Malformed",
    "InvalidSecurityToken.MismatchWithAccessKey",
    "SecurityTokenInvalid",
    "SecurityToken.Expired",
}
_PERMISSION = {"Forbidden.RAM", "Forbidden.AccessDenied", "Forbidden", "NoPermission", "AccessDenied"}
_NOT_ACTIVATED = {"ServiceAccessDenied", "ServiceNotEnable", "ServiceNotEnabled", "EventBridgeNotActive"}
_THROTTLED = {"Throttling", "Throttling.User", "Throttling.Api", "TooManyRequests"}
_QUOTA_HINTS = ("ExceedLimit", "ExceededLimit", "QuotaExceeded", "LimitExceeded", "CountExceed", "Quota")
_UNKNOWN_ACTION = {"InvalidAction", "InvalidAction.NotFound", "InvalidApi.NotFound", "UnsupportedOperation"}


@dataclass(frozen=True, slots=True, kw_only=True)
class CallContext:
    """What a call was doing, for the message: `cr:UpdateEventCenterRule` on `cri-…` in a region."""

    action: str  # the RAM action, e.g. `eventbridge:PutTargets`
    region: str
    resource: str  # the instance or rule the call acted on
    registry: str = ""  # the declared registry name, for hints
    rule: str = ""  # the rule's name, for hints
    secrets: tuple[str, ...] = ()  # values to mask in any vendor message

    def hiding(self, *values: str | None) -> CallContext:
        """The same context, with more values to mask."""
        return replace(self, secrets=(*self.secrets, *(v for v in values if v)))

    @property
    def api(self) -> str:
        return self.action.split(":", 1)[1]


def translate(exc: BaseException, ctx: CallContext) -> ProviderError:
    """A vendor (or transport) exception as a crnotify error naming the call and what to do."""
    inner = getattr(exc, "inner_exception", None) or exc  # UnretryableException wraps the real cause
    name = type(inner).__name__
    code = str(getattr(inner, "code", "") or "")
    status = getattr(inner, "status_code", None)
    # The SDK prefixes the server's message with "code: <HTTP status>, " and ends it with the request id.
    raw = re.sub(r"^code: \d+, ", "", str(getattr(inner, "message", "") or ""))
    vendor = "" if code in _AUTH else mask_values(raw, ctx.secrets)[:300]
    where = f"{ctx.api} on {ctx.resource} in {ctx.region}"
    detail = f" ({code}: {vendor})" if code and vendor else f" ({code})" if code else ""

    if name == "CredentialException":
        return AuthError(f"no usable Alibaba Cloud credentials for {where}", hint=CREDENTIALS_HINT)
    if name == "RetryError" or isinstance(inner, OSError):
        return _unreachable(exc, where, ctx)
    if ctx.api == "CreateEventCenterRule":
        denied = code in _PERMISSION or code.startswith("Forbidden") or status == 403
        if denied or code in _UNKNOWN_ACTION or status == 404:
            cls = PermissionDenied if denied else ProviderError
            return cls(
                f"the cloud rejected CreateEventCenterRule for {ctx.resource} in {ctx.region}{detail}",
                code=code or None,
                hint=CREATE_UNSUPPORTED_HINT.format(
                    registry=ctx.registry or "NAME",
                    rule=ctx.rule or "NAME",
                    denied=f" (and the RAM action `{ctx.action}` is denied)" if denied else "",
                ),
            )
    if code in _AUTH:
        return AuthError(
            f"Alibaba Cloud rejected the credentials for {where} ({code})", code=code, hint=CREDENTIALS_HINT
        )
    if code in _NOT_ACTIVATED:
        return NotActivated(
            f"EventBridge is not activated (or not available) in {ctx.region}: {where} failed{detail}",
            code=code,
            hint="activate EventBridge for this account in the EventBridge console, then retry",
        )
    if code in _PERMISSION or code.startswith("Forbidden") or status == 403:
        return PermissionDenied(
            f"permission denied: {where}{detail}",
            code=code or None,
            hint=f"grant the RAM action `{ctx.action}` to the identity crnotify runs as",
        )
    if name == "ThrottlingException" or code in _THROTTLED or code.startswith("Throttling") or status == 429:
        asked = getattr(inner, "retry_after", None)  # the SDK's ms from `x-acs-retry-after`
        return Throttled(
            f"throttled by Alibaba Cloud: {where}{detail}",
            code=code or None,
            retry_after=asked / 1000 if isinstance(asked, int | float) and asked > 0 else None,
        )
    if any(part in code for part in _QUOTA_HINTS):
        return QuotaExceeded(
            f"quota exceeded: {where}{detail}",
            code=code,
            hint="a region allows 10 event rules (counted separately in ACR and EventBridge) and 5 targets "
            "per rule; delete unused rules first",
        )
    if "NotExist" in code or "NOT_EXIST" in code or "NotFound" in code or status == 404:
        instance = "INSTANCE" in code.upper() or ctx.resource.startswith("instance")
        return NotFound(
            f"not found: {where}{detail}",
            code=code or None,
            hint=f"check instance_id and region of registry {ctx.registry or 'NAME'} in the YAML"
            if instance
            else "it was deleted outside crnotify while this ran: run `crnotify plan` again",
        )
    if "AlreadyExist" in code or code.endswith("Exists"):
        return AlreadyExists(f"already exists: {where}{detail}", code=code)
    if isinstance(status, int) and status >= 500:
        return TransientError(f"Alibaba Cloud failed: {where}{detail}", code=code or None)
    return ProviderError(f"Alibaba Cloud call failed: {where}{detail or f' ({name})'}", code=code or None)


def _unreachable(exc: BaseException, where: str, ctx: CallContext) -> ProviderError:
    """A call that reached no endpoint. Refused by an emulator or another explicit endpoint, it fails
    at once (nothing listens there, and retrying will not change that); anything else is transient.
    The reason is the innermost error's own text, whole (the wrappers' text repeats the URL)."""
    chain = retry.causes(exc)
    address = _address(chain)
    reason = mask_values(
        re.sub(r"^\[Errno -?\d+\] ", "", str(chain[-1]) or type(chain[-1]).__name__), ctx.secrets
    )
    at = f" at {address}" if address else ""
    if retry.refused(exc) and retry.is_loopback_or_explicit(address.rpartition(":")[0], CLOUD_DOMAINS):
        return ProviderError(
            f"nothing listens{at} (connection refused): {where} failed",
            hint="start the emulator (`crnotify emulator serve`, or use --local), or fix "
            "--endpoint/CRNOTIFY_ENDPOINT",
        )
    return TransientError(
        f"could not reach the Alibaba Cloud endpoint{at} for {where}: {reason}",
        hint="check the network, the region, and --endpoint/CRNOTIFY_ENDPOINT if you set one",
    )


def _address(chain: list[BaseException]) -> str:
    """`host:port` of the endpoint a transport error names (urllib3's pool or connection), or ""."""
    for cause in chain:
        holder = getattr(cause, "pool", None) or getattr(cause, "conn", None)
        host, port = getattr(holder, "host", None), getattr(holder, "port", None)
        if isinstance(host, str) and host:
            return f"{host}:{port}" if port else host
    found = re.search(r"host='([^']+)', port=(\d+)", " ".join(str(cause) for cause in chain))
    return f"{found[1]}:{found[2]}" if found else ""


@contextmanager
def translating(ctx: CallContext) -> Iterator[None]:
    """Run SDK calls; re-raise anything they throw as a crnotify error (without the vendor chain,
    whose request objects hold the signed parameters)."""
    try:
        yield
    except ProviderError:
        raise
    except Exception as exc:
        raise translate(exc, ctx) from None


def call(ctx: CallContext, fn: Callable[[], T], policy: retry.RetryPolicy) -> T:
    """The one way the Alibaba provider makes a call: `fn` (an SDK call and its response check) with
    vendor errors translated, and throttling, 5xx and dropped connections retried under `policy`.
    Only calls that are safe to repeat come here (`providers.retry`)."""

    def once() -> T:
        with translating(ctx):
            return fn()

    return retry.call(once, policy)


def succeeded(body: Mapping[str, object]) -> bool:
    """Whether an HTTP 200 body reports success: no `Success`/`IsSuccess` of false, and a `Code`, if
    any, of "Success"/"success"/"200"/200 — the forms the SDKs, the metadata and Terraform show."""
    if body.get("Success") is False or body.get("IsSuccess") is False:
        return False
    code = body.get("Code")
    return code is None or str(code).lower() in _SUCCESS_CODES


def checked(body: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
    """`body`, or the error it reports: an error in an HTTP 200 body becomes the same crnotify error
    as its HTTP 4xx form (Terraform checks `Code` on calls that did not raise)."""
    if not succeeded(body):
        raise failed_response(ctx, body.get("Code"), body.get("Message"))
    return body


def failed_response(ctx: CallContext, code: object, message: object) -> ProviderError:
    """HTTP 200 with a failure code in the body, translated as `translate` translates the 4xx form."""

    class _Body(Exception):
        def __init__(self) -> None:
            super().__init__()
            self.code = str(code)
            self.message = str(message or "")

    return translate(_Body(), ctx)
