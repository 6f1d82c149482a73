"""Every diagnostic code the config loader emits, with a short title (documented in docs/config.md).

CRN0xx: reading files and YAML; CRN1xx: JSON Schema (one code per failing keyword family);
CRN2xx: meaning (semantic checks); CRN3xx: rules only the `aws` provider imposes.
"""

from __future__ import annotations

# input and YAML
PATH_UNREADABLE = "CRN001"
NO_YAML_FILES = "CRN002"
NOT_TEXT = "CRN003"
YAML_SYNTAX = "CRN004"
DUPLICATE_KEY = "CRN005"
YAML_UNSUPPORTED = "CRN006"
EMPTY_FILE = "CRN007"

# JSON Schema
SCHEMA_TYPE = "CRN101"
SCHEMA_REQUIRED = "CRN102"
SCHEMA_UNKNOWN_FIELD = "CRN103"
SCHEMA_VALUE = "CRN104"
SCHEMA_PATTERN = "CRN105"
SCHEMA_LENGTH = "CRN106"
SCHEMA_ITEMS = "CRN107"
SCHEMA_ONE_OF_FIELDS = "CRN108"
SCHEMA_NO_FORM = "CRN109"
SCHEMA_OTHER = "CRN110"

# semantic
DUPLICATE_REGISTRY = "CRN201"
REGISTRY_TWICE = "CRN202"
PROVIDER_FIELDS = "CRN203"
REGION_UNAVAILABLE = "CRN204"
UNKNOWN_REGISTRY = "CRN205"
DUPLICATE_RULE = "CRN206"
RULE_NAME = "CRN207"
TAG_REGEX = "CRN208"
TAG_REGEX_ANCHOR = "CRN209"
SCOPE = "CRN210"
SCAN_STATUS = "CRN211"
URL_SCHEME = "CRN212"
DINGTALK_WEBHOOK = "CRN213"
CREDENTIAL_IN_URL = "CRN214"
ENV_REFERENCE = "CRN215"
ENV_UNSET = "CRN216"
RULE_QUOTA = "CRN217"
DINGTALK_BROAD = "CRN218"
TEMPLATE_VARIABLE = "CRN219"
TEMPLATE_FORMAT = "CRN220"
TEMPLATE_JSON = "CRN221"
ACR_EVENT = "CRN222"
TAG_REGEX_BACKTRACKING = "CRN223"
SECRET_SHORT = "CRN224"  # noqa: S105 (a diagnostic code, not a secret)
UNKNOWN_REGION = "CRN225"
# chat channels (notify.lark, wecom, slack, teams, webhook; crnotify.delivery.channels)
CHANNEL_URL = "CRN240"
CHANNEL_SECURITY = "CRN241"
CHANNEL_SIZE = "CRN242"
CHANNEL_BROAD = "CRN243"

# aws provider
AWS_EVENT = "CRN301"
AWS_TAG_REGEX = "CRN302"
AWS_DINGTALK_SIGNING = "CRN303"
AWS_HTTP = "CRN304"
AWS_TEMPLATE = "CRN305"
AWS_SIZE = "CRN306"

TITLES: dict[str, str] = {
    PATH_UNREADABLE: "a path does not exist or cannot be read (a dangling link, a FIFO, no permission)",
    NO_YAML_FILES: "a directory holds no *.yaml or *.yml file",
    NOT_TEXT: "a file is not UTF-8 text (too large, or a text holds a lone surrogate)",
    YAML_SYNTAX: "YAML syntax error",
    DUPLICATE_KEY: "a mapping has the same key twice",
    YAML_UNSUPPORTED: "a YAML feature crnotify does not accept (tags, complex keys, recursion, depth)",
    EMPTY_FILE: "a file holds no YAML document (warning)",
    SCHEMA_TYPE: "a value has the wrong type",
    SCHEMA_REQUIRED: "a required field is missing",
    SCHEMA_UNKNOWN_FIELD: "a field that the format does not have",
    SCHEMA_VALUE: "a value outside the allowed set",
    SCHEMA_PATTERN: "a value does not have the required shape",
    SCHEMA_LENGTH: "a text is empty or too long",
    SCHEMA_ITEMS: "a list is empty, too long or repeats an item",
    SCHEMA_ONE_OF_FIELDS: "a mapping must have exactly one of some fields (notify)",
    SCHEMA_NO_FORM: "a value matches none of the accepted forms",
    SCHEMA_OTHER: "another JSON Schema violation",
    DUPLICATE_REGISTRY: "two registries have the same local name",
    REGISTRY_TWICE: "one ACR instance or AWS account and region is declared twice",
    PROVIDER_FIELDS: "a registry field does not fit its provider",
    REGION_UNAVAILABLE: "the region does not offer ACR event notifications",
    UNKNOWN_REGISTRY: "a rule refers to a registry that is not declared",
    DUPLICATE_RULE: "two rules would get the same name on one registry or event bus",
    RULE_NAME: "a rule name that ACR or EventBridge rejects",
    TAG_REGEX: "a tag regex that does not compile or means something else in Java",
    TAG_REGEX_ANCHOR: "a tag regex anchored only at its start (warning)",
    SCOPE: "an inconsistent scope",
    SCAN_STATUS: "scan_status on a rule that is not a scan rule",
    URL_SCHEME: "the notify method does not agree with the URL scheme",
    DINGTALK_WEBHOOK: "a DingTalk webhook URL of the wrong shape",
    CREDENTIAL_IN_URL: "a secret written literally in a URL",
    ENV_REFERENCE: "a malformed ${env:NAME} reference",
    ENV_UNSET: "an environment variable is not set (warning; error for commands that call the cloud)",
    RULE_QUOTA: "more than 10 event rules in one region",
    DINGTALK_BROAD: "a DingTalk rule so broad it may hit DingTalk's rate limit (warning)",
    TEMPLATE_VARIABLE: "a message template uses an undefined variable",
    TEMPLATE_FORMAT: "a message template format does not fit the notify method",
    TEMPLATE_JSON: "a json message template is not JSON",
    ACR_EVENT: "an event type ACR event rules cannot select (push on an alibaba registry)",
    TAG_REGEX_BACKTRACKING: "a tag regex ACR's backtracking engine may take exponential time on (warning)",
    SECRET_SHORT: "an environment variable holds a secret too short to protect (under 8 characters)",
    UNKNOWN_REGION: "a region id the registry's cloud does not have",
    CHANNEL_URL: "a chat channel's webhook URL of the wrong shape or host (or a retired one)",
    CHANNEL_SECURITY: "a channel security mode crnotify cannot honour (signing per message, no keyword)",
    CHANNEL_SIZE: "a channel message over the channel's size limit",
    CHANNEL_BROAD: "a channel rule so broad it may hit the channel's rate limit (warning)",
    AWS_EVENT: "an event type Amazon ECR does not emit",
    AWS_TAG_REGEX: "a tag regex EventBridge patterns cannot express",
    AWS_DINGTALK_SIGNING: "DingTalk signing on aws (EventBridge cannot sign per request)",
    AWS_HTTP: "a plain-HTTP endpoint on aws (API destinations need HTTPS)",
    AWS_TEMPLATE: "a message template an EventBridge input transformer cannot render",
    AWS_SIZE: "an event pattern or description over EventBridge's size limits",
}
