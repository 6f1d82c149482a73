"""The target of a crnotify rule on AWS: an API destination, its connection, and the message.

EventBridge calls an HTTPS webhook through an *API destination* (endpoint, method, rate limit) that
uses a *connection* (authorization, extra headers and query parameters); the rule's target points at
the API destination and needs an IAM role EventBridge assumes to invoke it (research/aws-facts.md §2:
"you must provide an IAM role"). The message is the target's InputTransformer.

How a declared `notify` becomes these objects:

- The endpoint is the URL without its query string. Query parameters move to the connection, marked
  secret when the URL holds a `${env:…}` reference: a DingTalk webhook's `access_token` would otherwise
  be stored in clear in the API destination, which anyone with `events:Describe*` can read.
- Connections need an authorization (BASIC, OAUTH_CLIENT_CREDENTIALS or API_KEY; there is no "none").
  An HTTP token is sent as API key header `x-eventbridge-signature-token`, the header Alibaba
  EventBridge uses for the same token (research/alibaba-facts.md §2.4), so one receiver serves both
  clouds. Without a token the API key is the header `x-crnotify-rule: <rule name>`, which is not secret.
- Secret values never enter a `BusRule`, a plan or a description. The target's `Auth` param holds the
  `${env:…}` templates, the non-secret shape (header name, query keys) and a fingerprint of the
  resolved values; the provider resolves the templates again when it writes, and refuses if the
  fingerprint no longer matches. AWS never returns secret values (DescribeConnection omits them), so
  the fingerprint is also stored in the connection's description, which is how it is read back.
- The message: with a declared `bus.template`, an InputTransformer whose InputPathsMap is the template's
  variables and whose InputTemplate is the body with `${var}` written as `<var>`; a DingTalk rule with
  no template gets `default_dingtalk_template`; an HTTPS rule with no template gets the whole event.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from crnotify import normalise
from crnotify.delivery import channels, templates
from crnotify.model import (
    EventType,
    MessageTemplate,
    NotifyMethod,
    Param,
    ParamForm,
    Rule,
    SecretText,
    Target,
    TemplateFormat,
)
from crnotify.secrets import fingerprint

TARGET_ID = "crnotify"
TARGET_TYPE = "api-destination"
NAME_PREFIX = "crnotify-"
DESCRIPTION_MARKER = "crnotify:"
TOKEN_HEADER = "x-eventbridge-signature-token"  # noqa: S105 (a header name, not a secret)
RULE_HEADER = "x-crnotify-rule"
HTTP_METHOD = "POST"
# DingTalk accepts 20 messages a minute per robot (research/alibaba-facts.md §5); 1/s is the lowest
# rate an API destination accepts. Other endpoints get EventBridge's documented default, 300/s.
DINGTALK_RATE_PER_SECOND = 1
DEFAULT_RATE_PER_SECOND = 300
DEFAULT_ROLE_NAME = "crnotify-eventbridge-invoke"

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_\-]+)\}")
_NAME_MAX = 64


def resource_name(rule_name: str) -> str:
    """The name of a rule's connection and API destination: `crnotify-<rule>`, at most 64 characters."""
    name = NAME_PREFIX + rule_name
    if len(name) <= _NAME_MAX:
        return name
    from hashlib import sha256  # noqa: PLC0415 -- not at the top: `validate` imports this module, never hashes

    digest = sha256(rule_name.encode()).hexdigest()[:8]
    return f"{name[: _NAME_MAX - 9]}-{digest}"


def default_role_arn(account: str) -> str:
    """The IAM role EventBridge assumes to call API destinations, unless the registry names another.

    It must trust `events.amazonaws.com` and allow `events:InvokeApiDestination` (README "Running
    against AWS"); crnotify does not create IAM roles.
    """
    return f"arn:aws:iam::{account}:role/{DEFAULT_ROLE_NAME}"


# --- connection ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectionSpec:
    """What a rule's connection and API destination hold, secrets resolved. Never printed."""

    rule_name: str
    endpoint: str
    header: str
    header_value: str = field(repr=False)
    header_secret: bool
    query: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    query_secret: bool = False

    @property
    def fingerprint(self) -> str:
        """`fp`: stored on the connection and the target, so scrypt-salted with the rule's name."""
        material = [self.endpoint, self.header, self.header_value, [list(q) for q in self.query]]
        return fingerprint(json.dumps(material, sort_keys=True), salt=f"aws:{self.rule_name}")

    def auth_parameters(self) -> dict[str, object]:
        """`AuthParameters` of CreateConnection/UpdateConnection."""
        params: dict[str, object] = {
            "ApiKeyAuthParameters": {"ApiKeyName": self.header, "ApiKeyValue": self.header_value}
        }
        if self.query:
            params["InvocationHttpParameters"] = {
                "QueryStringParameters": [
                    {"Key": key, "Value": value, "IsValueSecret": self.query_secret}
                    for key, value in self.query
                ]
            }
        return params


def connection_spec(*, rule_name: str, url: str, token: str | None, url_secret: bool) -> ConnectionSpec:
    """The connection for a resolved notify URL and optional HTTP token."""
    parts = urlsplit(url)
    endpoint = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    query = tuple(parse_qsl(parts.query, keep_blank_values=True))
    if token is not None:
        return ConnectionSpec(
            rule_name=rule_name,
            endpoint=endpoint,
            header=TOKEN_HEADER,
            header_value=token,
            header_secret=True,
            query=query,
            query_secret=url_secret,
        )
    return ConnectionSpec(
        rule_name=rule_name,
        endpoint=endpoint,
        header=RULE_HEADER,
        header_value=rule_name,
        header_secret=False,
        query=query,
        query_secret=url_secret,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthSummary:
    """The comparable, printable view of a connection: templates, shape and fingerprint.

    `url` and `token` are what the user wrote (`${env:NAME}` or a literal URL); `fp` is the fingerprint
    of the resolved values. It is the value of the target's `Auth` param, on both sides of a diff.
    """

    url: str | None
    token: str | None
    header: str | None
    query: tuple[str, ...]
    fp: str | None

    def to_param(self) -> Param:
        value = {
            "fp": self.fp,
            "header": self.header,
            "query": list(self.query),
            "token": self.token,
            "url": self.url,
        }
        return Param(resource_key="Auth", form=ParamForm.CONSTANT, value=normalise.canonical_json(value))

    @classmethod
    def from_param(cls, param: Param) -> AuthSummary:
        data = json.loads(param.value or "{}")
        return cls(
            url=data.get("url"),
            token=data.get("token"),
            header=data.get("header"),
            query=tuple(data.get("query") or ()),
            fp=data.get("fp"),
        )

    def resolve(self, rule_name: str, env: Mapping[str, str]) -> ConnectionSpec:
        """Resolve the templates again at write time; refuse if the values changed since the plan."""
        if self.url is None:
            raise ValueError(f"rule {rule_name}: the target records no notify URL")
        url = SecretText(template=self.url).resolve(env)
        token = None if self.token is None else SecretText(template=self.token).resolve(env)
        missing = [
            name
            for text in (url, token)
            if text is not None and text.value is None
            for name in text.env_names
            if name not in env
        ]
        if url.value is None or (token is not None and token.value is None):
            raise ValueError(f"rule {rule_name}: environment variable(s) not set: {', '.join(missing)}")
        spec = connection_spec(
            rule_name=rule_name,
            url=url.value,
            token=None if token is None else token.value,
            url_secret=url.is_secret,
        )
        if self.fp is not None and spec.fingerprint != self.fp:
            raise ValueError(
                f"rule {rule_name}: the value of {self.url if url.is_secret else self.token} changed "
                "since the plan was made; run plan again"
            )
        return spec


def auth_summary(rule: Rule) -> AuthSummary:
    """The `Auth` summary of a declared rule (its secrets must be resolved)."""
    url, token = rule.notify.url, rule.notify.secret
    if url.value is None or (token is not None and token.value is None):
        raise ValueError(f"rule {rule.name}: notify has unresolved ${{env:…}} references")
    spec = connection_spec(
        rule_name=rule.name,
        url=url.value,
        token=None if token is None else token.value,
        url_secret=url.is_secret,
    )
    return AuthSummary(
        url=url.template,
        token=None if token is None else token.template,
        header=spec.header,
        query=tuple(sorted({key for key, _ in spec.query})),
        fp=spec.fingerprint,
    )


def connection_description(registry: str, rule_name: str, summary: AuthSummary) -> str:
    """The ownership marker written on a connection (AWS: ≤512 characters, no tags on connections)."""
    marker = {"fp": summary.fp, "registry": registry, "rule": rule_name, "token": summary.token}
    marker["url"] = summary.url
    return DESCRIPTION_MARKER + normalise.canonical_json(marker)


def destination_description(registry: str, rule_name: str) -> str:
    """The ownership marker written on an API destination."""
    return DESCRIPTION_MARKER + normalise.canonical_json({"registry": registry, "rule": rule_name})


def parse_description(description: str | None) -> dict[str, str | None] | None:
    """The marker of a connection or API destination crnotify wrote, or None for anything else."""
    if not description or not description.startswith(DESCRIPTION_MARKER):
        return None
    try:
        data = json.loads(description[len(DESCRIPTION_MARKER) :])
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("rule"), str):
        return None
    return {str(k): (None if v is None else str(v)) for k, v in data.items()}


# --- message -----------------------------------------------------------------------------------------

_DEFAULT_FIELDS: Mapping[EventType, tuple[tuple[str, str, str], ...]] = {
    # (label, variable, JSONPath): scalar fields only, since an array or object inside a JSON string
    # is not escaped by the input transformer.
    EventType.SCAN: (
        ("Repository", "repository", "$.detail.repository-name"),
        ("Digest", "digest", "$.detail.image-digest"),
        ("Scan status", "status", "$.detail.scan-status"),
        ("Critical", "critical", "$.detail.finding-severity-counts.CRITICAL"),
        ("High", "high", "$.detail.finding-severity-counts.HIGH"),
        ("Medium", "medium", "$.detail.finding-severity-counts.MEDIUM"),
    ),
    EventType.SYNCHRONIZATION: (
        ("Repository", "repository", "$.detail.repository-name"),
        ("Tag", "tag", "$.detail.image-tag"),
        ("Digest", "digest", "$.detail.image-digest"),
        ("Result", "result", "$.detail.result"),
        ("From account", "source_account", "$.detail.source-account"),
        ("From region", "source_region", "$.detail.source-region"),
    ),
    EventType.SIGNING: (
        ("Repository", "repository", "$.detail.repository-name"),
        ("Tag", "tag", "$.detail.image-tag"),
        ("Subject digest", "digest", "$.detail.image-digest"),
        ("Action", "action", "$.detail.action-type"),
        ("Artifact type", "artifact_type", "$.detail.artifact-media-type"),
    ),
    EventType.PUSH: (  # the fields of the ECR guide's "completed image push" sample
        ("Repository", "repository", "$.detail.repository-name"),
        ("Tag", "tag", "$.detail.image-tag"),
        ("Digest", "digest", "$.detail.image-digest"),
        ("Action", "action", "$.detail.action-type"),
        ("Result", "result", "$.detail.result"),
    ),
}
_DEFAULT_TITLES = {
    EventType.SCAN: "ECR image scan completed",
    EventType.SYNCHRONIZATION: "ECR image replicated",
    EventType.SIGNING: "ECR referrer (signature) action",
    EventType.PUSH: "ECR image pushed",
}


def default_variables(event_type: EventType) -> tuple[tuple[str, str], ...]:
    """The template variables every AWS rule can use without declaring them, sorted by name.

    The AWS counterpart of `convention.default_variables` (which binds ACR's `$.data.*` fields).
    """
    variables = {var: path for _, var, path in _DEFAULT_FIELDS.get(event_type, ())}
    variables |= {"account": "$.account", "region": "$.region", "time": "$.time"}
    return tuple(sorted(variables.items()))


def has_default(event_type: EventType) -> bool:
    """Whether ECR emits this event type, so that a default message names its fields."""
    return event_type in _DEFAULT_FIELDS


def default_dingtalk_template(event_type: EventType) -> MessageTemplate:
    """The DingTalk message of a rule without `bus.template`.

    The title starts with `crnotify`, so a robot with keyword security can use `crnotify` as keyword.
    """
    title = f"crnotify: {_DEFAULT_TITLES[event_type]}"
    lines = [f"### {title}", ""]
    lines += [f"- {label}: ${{{var}}}" for label, var, _ in _DEFAULT_FIELDS[event_type]]
    lines += ["- Account: ${account} (${region})", "- Time: ${time}"]
    return MessageTemplate(
        format=TemplateFormat.MARKDOWN,
        title=title,
        text="\n".join(lines),
        variables=default_variables(event_type),
    )


def body_param(template: MessageTemplate | None) -> Param:
    """The target's `Body`: ORIGINAL (the whole event) or TEMPLATE (an InputTransformer).

    The InputPathsMap holds only the variables the template uses (at most 100 are allowed).
    """
    if template is None:
        return Param(resource_key="Body", form=ParamForm.ORIGINAL)
    used = set(_PLACEHOLDER.findall(template.text + (template.title or "")))
    used_only = replace(template, variables=tuple(v for v in template.variables if v[0] in used))
    body = templates.body_param(used_only)
    return Param(
        resource_key="Body",
        form=ParamForm.TEMPLATE,
        value=body.value,
        template=_PLACEHOLDER.sub(lambda m: f"<{m.group(1)}>", body.template or ""),
    )


def message_template(rule: Rule) -> MessageTemplate | None:
    if rule.bus.template is not None:
        return rule.bus.template
    if rule.notify.method is NotifyMethod.DINGTALK:
        return default_dingtalk_template(rule.event_type)
    return None


def desired_target(rule: Rule, role_arn: str) -> Target:
    """The one target crnotify puts on a rule (secrets must be resolved, for the fingerprint)."""
    summary = auth_summary(rule)
    endpoint = urlunsplit((*urlsplit(rule.notify.url.value or "")[:3], "", ""))
    dingtalk = rule.notify.method is NotifyMethod.DINGTALK
    rate = DINGTALK_RATE_PER_SECOND if dingtalk else DEFAULT_RATE_PER_SECOND
    if rule.notify.channel is not None:  # the channel's own rate limit (delivery/<channel>.py)
        rate = channels.get(rule.notify.channel).per_second or DEFAULT_RATE_PER_SECOND
    params = (
        summary.to_param(),
        body_param(message_template(rule)),
        Param(resource_key="HttpMethod", form=ParamForm.CONSTANT, value=HTTP_METHOD),
        Param(resource_key="RateLimitPerSecond", form=ParamForm.CONSTANT, value=str(rate)),
        Param(resource_key="RoleArn", form=ParamForm.CONSTANT, value=role_arn),
    )
    return Target(
        id=TARGET_ID,
        type=TARGET_TYPE,
        endpoint=endpoint,
        params=tuple(sorted(params, key=lambda p: p.resource_key)),
    )


def input_transformer(body: Param) -> dict[str, object] | None:
    """The target's `InputTransformer` for a TEMPLATE body; None sends the whole event."""
    if body.form is not ParamForm.TEMPLATE:
        return None
    paths = json.loads(body.value or "{}")
    transformer: dict[str, object] = {"InputTemplate": body.template or ""}
    if paths:
        transformer["InputPathsMap"] = paths
    return transformer
