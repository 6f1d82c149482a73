"""The coded errors the emulated cloud answers with, in one table.

The wire layer turns a `ServiceError` into an HTTP status and a JSON body `{"Code", "Message",
"RequestId"}`; the official SDKs raise their own exception with `.code` set from it. Where the real
cloud's code is not documented we follow the naming of apache/rocketmq-eventbridge
(`EventBridgeErrorCode.java`) and the one cloud message we have seen (`EventRuleNotExisted`,
research/alibaba-facts.md §2.6); `confirmed` says which codes a public Alibaba Cloud page shows.
`docs/emulator.md` renders this table (see `crnotify.emulator.docgen`).
"""

from __future__ import annotations

from dataclasses import dataclass


class ServiceError(Exception):
    """A coded failure of one API call, raised by the state machine and the wire layer."""

    def __init__(self, code: str, message: str, http_status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.http_status = http_status


@dataclass(frozen=True, slots=True)
class ErrorCode:
    code: str
    http_status: int
    confirmed: bool
    when: str

    def error(self, message: str) -> ServiceError:
        return ServiceError(self.code, message, self.http_status)


def _code(code: str, http_status: int, when: str, *, confirmed: bool = False) -> ErrorCode:
    return ErrorCode(code, http_status, confirmed, when)


# Authentication and transport (research/alibaba-facts.md §2.6: the generic error-code page).
INVALID_ACCESS_KEY_ID = _code("InvalidAccessKeyId", 403, "unknown access key id", confirmed=True)
SIGNATURE_MISMATCH = _code(
    "SignatureDoesNotMatch", 403, "signature or payload hash does not verify", confirmed=True
)
INCOMPLETE_SIGNATURE = _code("IncompleteSignature", 400, "no or malformed ACS3 `Authorization` header")
# Replay protection (on with `--allow-remote` or `--replay-checks`): the gateway's documented codes,
# https://help.aliyun.com/document_detail/48054.html.
INVALID_TIMESTAMP_FORMAT = _code(
    "InvalidTimeStamp.Format", 400, "replay checks: `x-acs-date` missing or not ISO 8601", confirmed=True
)
INVALID_TIMESTAMP_EXPIRED = _code(
    "InvalidTimeStamp.Expired", 400, "replay checks: `x-acs-date` more than 15 minutes off", confirmed=True
)
SIGNATURE_NONCE_USED = _code(
    "SignatureNonceUsed", 400, "replay checks: `x-acs-signature-nonce` seen before", confirmed=True
)
THROTTLING = _code(
    "TooManyRequests", 429, "injected fault; sent with `x-acs-retry-after` (ms)", confirmed=True
)
SERVICE_UNAVAILABLE = _code("ServiceUnavailable", 503, "injected fault")
INTERNAL_ERROR = _code("InternalError", 500, "an unexpected emulator error (a bug: please report it)")
UNKNOWN_ACTION = _code(
    "InvalidAction.NotFound", 404, "no such action for that `x-acs-version`", confirmed=True
)
RAM_DENIED = _code("Forbidden.RAM", 403, "a RAM policy denies the action (variant create-call=forbidden)")
BODY_TOO_LARGE = _code("RequestEntityTooLarge", 413, "request body over 1 MiB")
URI_TOO_LONG = _code("RequestURITooLong", 414, "request line (query string included) over 64 KiB")
BAD_REQUEST = _code("BadRequest", 400, "not an HTTP request the server can parse (its status may differ)")
MISSING_PARAMETER = _code("MissingParameter", 400, "a required parameter is absent")
INVALID_PARAMETER = _code("InvalidParameter", 400, "a parameter is malformed or out of range")

# Container Registry event rules.
INSTANCE_NOT_EXIST = _code(
    "INSTANCE_NOT_EXIST", 404, "the instance is not an Enterprise Edition instance of the caller"
)
REPO_NOT_EXIST = _code("REPO_NOT_EXIST", 404, "ListRepoTag of a repository the instance does not hold")
REGION_NOT_SUPPORTED = _code(
    "RegionNotSupported", 400, "event rules do not exist in this region (alibaba-facts §6)"
)
ACR_RULE_LIMIT = _code(
    "EventCenterRuleCountExceedLimit", 409, "an 11th ACR event rule in a region (any instances)"
)

# EventBridge.
RULE_NOT_FOUND = _code("EventRuleNotExisted", 404, "no rule (bus or ACR) of that name or id", confirmed=True)
RULE_EXISTS = _code("EventRuleAlreadyExisted", 409, "a rule of that name (or ACR rule name) exists")
RULE_NAME_INVALID = _code("EventRuleNameInvalid", 400, "name charset, length or reserved prefix")
RULE_LIMIT = _code(
    "EventRuleCountExceedLimit", 409, "a 51st rule on a bus, or an 11th ACR-generated rule in a region"
)
BUS_NOT_FOUND = _code("EventBusNotExisted", 404, "no bus of that name (only `default` exists)")
PATTERN_INVALID = _code("InvalidEventPattern", 400, "the filter pattern is not a valid pattern")
TARGET_LIMIT = _code("EventTargetCountExceedLimit", 409, "a 6th target (CreateRule; a PutTargets entry)")
TARGET_NOT_FOUND = _code("EventTargetNotExisted", 404, "DeleteTargets entry for an unknown target id")
TARGET_INVALID = _code("EventTargetInvalid", 400, "a PutTargets entry without Id/Type or with bad params")
EVENT_INVALID = _code("InvalidEvent", 400, "a PutEvents entry that is not a valid CloudEvent")

ALL_CODES: tuple[ErrorCode, ...] = tuple(v for v in list(globals().values()) if isinstance(v, ErrorCode))
