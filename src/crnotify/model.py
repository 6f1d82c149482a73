"""The declared and the live rule, as frozen values. No I/O, no YAML, no SDKs.

Declared side (from YAML, see `crnotify.config`):

    Config ─┬─ Registry (name, provider, region, instance_id | account)
            └─ Rule (name, registry, event_type, scope, tag_pattern, scan_status,
                     notify: Notify(method, url, secret), bus: BusCustomization)

Live side (from a provider, see `crnotify.providers`):

    LiveState ─ LiveRule (registry, name, rule_id, bus: BusRule | None)

`BusRule`/`Target`/`Param` are the EventBridge shapes, shared by what a provider reads,
what `crnotify.providers.alibaba.convention` says ACR generates, and what the planner wants.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from crnotify.redact import remember

JSON = Any  # a JSON-compatible value (dict, list, str, int, float, bool, None)


class Provider(StrEnum):
    ALIBABA = "alibaba"
    AWS = "aws"


class EventType(StrEnum):
    """The Container Registry event types a rule can declare, named by their EventBridge `type`.

    An ACR event rule can select only the first five (`acr_rule_types`, research/alibaba-facts.md
    §1.3). `PUSH` (`cr:Artifact:PushCompleted`) reaches the EventBridge `default` bus too, but no ACR
    event rule can select it (research/acr-events.md §1); crnotify offers it where a provider maps
    it, i.e. on `aws` (ECR Image Action with `action-type: PUSH`).
    """

    SYNCHRONIZATION = "cr:Artifact:SynchronizationCompleted"
    BUILD = "cr:Artifact:BuildCompleted"
    SCAN = "cr:Artifact:ScanCompleted"
    DELIVERY_CHAIN = "cr:Artifact:DeliveryChainCompleted"
    SIGNING = "cr:Artifact:SigningCompleted"
    PUSH = "cr:Artifact:PushCompleted"

    @property
    def short_name(self) -> str:
        return _SHORT_NAMES[self]

    @property
    def is_acr_rule_type(self) -> bool:
        """Whether an ACR event rule (Create/UpdateEventCenterRule `EventType`) can select this type."""
        return self in _ACR_RULE_TYPES

    @classmethod
    def acr_rule_types(cls) -> tuple[EventType, ...]:
        """The five types ACR event rules offer, in the order of ACR's `EventType` enum."""
        return _ACR_RULE_TYPES

    @classmethod
    def parse(cls, text: str) -> EventType:
        """Accept a short name (`scan`) or the full type (`cr:Artifact:ScanCompleted`)."""
        for member in cls:
            if text in (member.value, member.short_name):
                return member
        raise ValueError(f"unknown event type {text!r}")


_SHORT_NAMES = {
    EventType.SYNCHRONIZATION: "synchronization",
    EventType.BUILD: "build",
    EventType.SCAN: "scan",
    EventType.DELIVERY_CHAIN: "delivery-chain",
    EventType.SIGNING: "signing",
    EventType.PUSH: "push",
}
_ACR_RULE_TYPES = (
    EventType.SYNCHRONIZATION,
    EventType.BUILD,
    EventType.SCAN,
    EventType.DELIVERY_CHAIN,
    EventType.SIGNING,
)


class ScopeKind(StrEnum):
    """ACR `EventScope` values."""

    INSTANCE = "INSTANCE"
    NAMESPACE = "NAMESPACE"
    REPO = "REPO"


class NotifyMethod(StrEnum):
    DINGTALK = "dingtalk"
    HTTP = "http"
    HTTPS = "https"

    @property
    def acr_name(self) -> str:
        """The `notifyMethod` value inside ACR's `EventConfig` (`dingding`, `http`, `https`)."""
        return "dingding" if self is NotifyMethod.DINGTALK else self.value


class ScanStatus(StrEnum):
    """`data.Status` of `cr:Artifact:ScanCompleted` (research/acr-events.md §2.2)."""

    COMPLETE = "COMPLETE"
    FAILED = "FAILED"


# --- secrets -------------------------------------------------------------------------------------

# The one grammar of `${env:NAME}` references (config, model and import all read it).
ENV_REFERENCE = re.compile(r"\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True, slots=True, kw_only=True)
class SecretText:
    """A string that may hold secrets: either `${env:NAME}` as a whole or interpolated in a URL.

    `template` is what the user wrote (safe to show); `value` is the resolved text, or None when a
    referenced variable is unset. `repr`/`str` never show the resolved value.
    """

    template: str
    value: str | None = field(default=None, repr=False, compare=False)

    @property
    def env_names(self) -> tuple[str, ...]:
        return tuple(ENV_REFERENCE.findall(self.template))

    @property
    def is_secret(self) -> bool:
        return bool(self.env_names)

    def resolve(self, env: Mapping[str, str]) -> SecretText:
        """Substitute `${env:NAME}`; `value` stays None if any name is missing from `env`."""
        names = self.env_names
        if any(name not in env for name in names):
            return SecretText(template=self.template)
        for name in names:
            remember(env[name])  # so that logs can mask it (crnotify.redact)
        return SecretText(
            template=self.template, value=ENV_REFERENCE.sub(lambda m: env[m.group(1)], self.template)
        )

    def __str__(self) -> str:
        return self.template


# --- declared model ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Registry:
    """A registry declared in YAML under a local `name`."""

    name: str
    provider: Provider
    region: str
    instance_id: str | None = None  # Alibaba ACR Enterprise Edition instance (`cri-…`)
    account: str | None = None  # AWS account id
    # AWS: the IAM role EventBridge assumes to call API destinations; None = the documented default
    # `arn:aws:iam::<account>:role/crnotify-eventbridge-invoke` (providers/aws/targets.py).
    invoke_role_arn: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Scope:
    kind: ScopeKind = ScopeKind.INSTANCE
    namespaces: tuple[str, ...] = ()
    repositories: tuple[str, ...] = ()  # repository names inside the single namespace of a REPO scope


@dataclass(frozen=True, slots=True, kw_only=True)
class Notify:
    method: NotifyMethod
    url: SecretText  # DingTalk webhook (its access_token is a secret) or the HTTP(S) endpoint
    secret: SecretText | None = None  # DingTalk signing secret (`SEC…`) or the HTTP token
    # A chat channel (`lark`, `wecom`, `slack`, `teams`, `webhook`; crnotify.delivery.channels): an
    # HTTPS notification whose body is the channel's message. None for dingtalk, http and https.
    channel: str | None = None


class TemplateFormat(StrEnum):
    MARKDOWN = "markdown"  # DingTalk markdown message
    TEXT = "text"  # DingTalk text message
    JSON = "json"  # raw HTTP body template


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageTemplate:
    """A bus-side message template: EventBridge's TEMPLATE form with `${var}` placeholders."""

    format: TemplateFormat
    text: str
    title: str | None = None
    variables: tuple[tuple[str, str], ...] = ()  # (name, JSONPath) pairs, sorted by name
    channel: str | None = None  # the chat channel whose message shape the body takes (Notify.channel)


@dataclass(frozen=True, slots=True, kw_only=True)
class BusCustomization:
    """What the user changes on the bus rule ACR generated. None = keep ACR's default."""

    template: MessageTemplate | None = None
    description: str | None = None
    enabled: bool | None = None

    @property
    def is_empty(self) -> bool:
        return self.template is None and self.description is None and self.enabled is None


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    """A declared event rule."""

    name: str
    registry: str
    event_type: EventType
    notify: Notify
    scope: Scope = Scope()
    tag_pattern: str = ".*"  # ACR `RepoTagFilterPattern`
    scan_status: tuple[ScanStatus, ...] = ()  # only for SCAN rules; () = any status
    bus: BusCustomization = BusCustomization()
    # The rule's previous name (Terraform's `moved`): a live rule of that name becomes this one,
    # created before the old one is deleted (`crnotify.planner.rename`).
    renamed_from: str | None = None


# The fields of a declared rule an `ignore:` entry can leave alone: what both clouds' bus rules have.
IGNORABLE_FIELDS = ("bus.description", "bus.enabled")


@dataclass(frozen=True, slots=True, kw_only=True)
class Ignore:
    """An `ignore:` entry (`crnotify.planner.ignore`): live rules not crnotify's to judge, or fields of
    declared rules to leave as they are in the cloud (Argo CD's ignoreDifferences)."""

    registry: str  # a declared registry's name, or a glob
    rules: tuple[str, ...] = ()  # names or globs; with `fields`, () means every declared rule
    fields: tuple[str, ...] = ()  # IGNORABLE_FIELDS; () = the whole rule, when it is not declared


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    registries: tuple[Registry, ...] = ()
    rules: tuple[Rule, ...] = ()
    ignore: tuple[Ignore, ...] = ()

    def registry(self, name: str) -> Registry:
        for registry in self.registries:
            if registry.name == name:
                return registry
        raise KeyError(name)

    def rules_of(self, registry: str) -> tuple[Rule, ...]:
        return tuple(rule for rule in self.rules if rule.registry == registry)


# --- EventBridge shapes (live, generated by ACR, or desired) --------------------------------------


class ParamForm(StrEnum):
    ORIGINAL = "ORIGINAL"
    CONSTANT = "CONSTANT"
    JSONPATH = "JSONPATH"
    TEMPLATE = "TEMPLATE"


@dataclass(frozen=True, slots=True, kw_only=True)
class Param:
    """One `ParamList` entry of an EventBridge target."""

    resource_key: str
    form: ParamForm
    value: str | None = None
    template: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    id: str
    type: str  # `acs.dingtalk`, `http`, `https`, … (or an AWS ARN for the aws provider)
    endpoint: str
    params: tuple[Param, ...] = ()  # sorted by resource_key
    retry_strategy: str | None = None  # `BACKOFF_RETRY` | `EXPONENTIAL_DECAY_RETRY`

    def param(self, key: str) -> Param | None:
        for param in self.params:
            if param.resource_key == key:
                return param
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class BusRule:
    """An EventBridge rule on the `default` bus, normalised (pattern parsed, targets sorted by id)."""

    name: str
    pattern: Mapping[str, JSON]
    description: str = ""
    enabled: bool = True
    targets: tuple[Target, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()  # AWS rule tags (ownership); empty on Alibaba


@dataclass(frozen=True, slots=True, kw_only=True)
class OwnershipEntry:
    """What crnotify's ownership record (kept in the cloud by the provider) says of one rule: crnotify
    wrote it, and what it last saved, observed and wrote, as digests (no secret enters in clear)."""

    rule_id: str | None = None  # the registry rule crnotify saved; another id = a different rule
    spec: str  # digest of the registry spec crnotify last saved
    generated: str | None = None  # digest of what the cloud generated after that save, observed
    bus: str | None = None  # digest of the bus rule crnotify last wrote, its description left out
    tag_pattern: str | None = None  # the tag regex crnotify last saved, when it fits the record


@dataclass(frozen=True, slots=True, kw_only=True)
class LiveRule:
    """One rule as the cloud shows it: the registry side's id (if any) and the bus side (if any)."""

    registry: str
    name: str
    rule_id: str | None = None  # ACR `crecr-…`; None when only a bus rule exists (or AWS)
    bus: BusRule | None = None
    owned: OwnershipEntry | None = None  # crnotify's ownership record of it, if it has one


@dataclass(frozen=True, slots=True, kw_only=True)
class RegionRules:
    """What holds one region's rule quotas, whoever made it (other teams, the console): plan refuses,
    before any write, a plan that would exceed them (`Cloud.check_quota`). crnotify's own lock and
    record rules are not registry rules and are left out of `registry_rules`."""

    provider: Provider
    region: str
    registry_rules: tuple[tuple[str, str], ...] = ()  # (rule name, instance) of registry-side rules
    bus_rules: tuple[str, ...] = ()  # every rule on the bus, by name


@dataclass(frozen=True, slots=True, kw_only=True)
class LiveState:
    rules: tuple[LiveRule, ...] = ()
    regions: tuple[RegionRules, ...] = ()  # per region read: what holds its quotas (not scoped)

    def get(self, registry: str, name: str) -> LiveRule | None:
        for rule in self.rules:
            if rule.registry == registry and rule.name == name:
                return rule
        return None

    def of(self, registry: str) -> tuple[LiveRule, ...]:
        return tuple(rule for rule in self.rules if rule.registry == registry)
