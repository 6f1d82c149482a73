"""`crnotify test` without a cloud: which declared rules fire for an event, and what each target receives.

For every declared rule, its cloud's offline rules (`providers.<cloud>.offline`) give the bus rule
exactly as `apply` would leave it, and any tag filter the cloud applies outside the bus pattern (ACR's);
the pattern is compiled with the pattern engine in the cloud's dialect.

Secrets are never resolved for display: URLs and secrets are shown as written in YAML (`${env:…}`), and
a literal DingTalk `access_token` is masked. `send` (`--deliver`) resolves them.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from crnotify.clock import Clock
from crnotify.delivery.channels import redact_url
from crnotify.delivery.push_retry import NO_RETRY
from crnotify.delivery.send import DeliveryRefused, HttpSender, deliver, to_channel_robot, to_robot
from crnotify.delivery.transform import DingTalkDelivery, TransformError
from crnotify.model import BusRule, Config, NotifyMethod, Registry, Rule, Target
from crnotify.patterns import CompiledPattern, InvalidPatternError, compile_pattern
from crnotify.providers import cloud
from crnotify.providers.aws.targets import RULE_HEADER
from crnotify.redact import MASK
from crnotify.tagregex import TagRegex, TagRegexError, compile_tag_regex


@dataclass(frozen=True, slots=True, kw_only=True)
class Message:
    """What one target would receive. `endpoint` and `headers` are safe to print."""

    target_id: str
    kind: str  # "dingtalk" | "http" | a chat channel's name ("lark", "slack", …)
    endpoint: str
    body: str
    headers: tuple[tuple[str, str], ...] = ()
    signed: bool = False  # DingTalk: a signing secret is configured
    error: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Verdict:
    """One declared rule against one event."""

    registry: str
    rule: str
    fires: bool
    reason: str  # why it does not fire, or "" when it fires
    skipped: bool = False  # not evaluated (e.g. a provider without an offline mapping)
    messages: tuple[Message, ...] = ()

    @property
    def qualified(self) -> str:
        return f"{self.registry}/{self.rule}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Sent:
    """The outcome of `--deliver` for one target."""

    rule: str
    target_id: str
    endpoint: str
    ok: bool
    detail: str


@dataclass(frozen=True, slots=True)
class PreparedRule:
    registry: Registry
    rule: Rule
    bus: BusRule | None
    matcher: CompiledPattern | None
    tag_regex: TagRegex | None
    skip_reason: str | None = None


@dataclass(slots=True)
class RuleBook:
    """The declared rules of a config, compiled once for many events."""

    rules: list[PreparedRule] = field(default_factory=list)

    @classmethod
    def of(cls, config: Config) -> RuleBook:
        return cls([prepare(config.registry(rule.registry), rule) for rule in config.rules])

    def evaluate(self, event: Mapping[str, Any]) -> list[Verdict]:
        return [evaluate(prepared, event) for prepared in self.rules]


def prepare(registry: Registry, rule: Rule) -> PreparedRule:
    rules = cloud(registry.provider)
    try:
        bus = rules.offline_bus_rule(registry, rule, resolved=False)
    except ValueError as exc:
        return PreparedRule(registry, rule, None, None, None, skip_reason=str(exc))
    tag_regex: TagRegex | None = None
    tags = rules.offline_tag_filter(rule)
    if tags is not None:
        try:  # on RE2, in linear time: the config and the event may both come from a pull request
            tag_regex = compile_tag_regex(tags)
        except TagRegexError as exc:
            return PreparedRule(registry, rule, bus, None, None, skip_reason=f"invalid tag pattern: {exc}")
    try:
        matcher = compile_pattern(bus.pattern, dialect=registry.provider.value)
    except InvalidPatternError as exc:
        return PreparedRule(registry, rule, bus, None, None, skip_reason=f"invalid bus pattern: {exc}")
    return PreparedRule(registry, rule, bus, matcher, tag_regex)


def evaluate(prepared: PreparedRule, event: Mapping[str, Any]) -> Verdict:
    rule = prepared.rule

    def verdict(*, fires: bool = False, reason: str = "", **extra: Any) -> Verdict:
        return Verdict(registry=prepared.registry.name, rule=rule.name, fires=fires, reason=reason, **extra)

    if prepared.skip_reason is not None or prepared.bus is None or prepared.matcher is None:
        return verdict(skipped=True, reason=prepared.skip_reason or "not evaluated")
    if not prepared.matcher.matches(event):
        failures = prepared.matcher.explain(event).failures()
        return verdict(reason="; ".join(f.reason for f in failures) or "the bus pattern did not match")
    tag = _tag(event)
    if prepared.tag_regex is not None and tag is not None and not prepared.tag_regex.fullmatch(tag):
        return verdict(
            reason=f"data.Tag: {tag!r} does not match tags '{rule.tag_pattern}' (ACR's tag filter)"
        )
    if not prepared.bus.enabled:
        return verdict(reason="the bus rule is disabled (bus.enabled: false)")
    messages = tuple(_message(prepared, target, event) for target in prepared.bus.targets)
    return verdict(fires=True, messages=messages)


def _tag(event: Mapping[str, Any]) -> str | None:
    data = event.get("data")
    tag = data.get("Tag") if isinstance(data, Mapping) else None
    return tag if isinstance(tag, str) else None


def _mask(headers: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """Header values as written when they are `${env:…}` references or not secret; else masked."""
    return tuple(
        (key, value if key in ("content-type", RULE_HEADER) or value.startswith("${env:") else MASK)
        for key, value in headers
    )


def _message(prepared: PreparedRule, target: Target, event: Mapping[str, Any]) -> Message:
    rule = prepared.rule
    kind = rule.notify.channel or ("dingtalk" if rule.notify.method is NotifyMethod.DINGTALK else "http")
    try:
        delivery = cloud(prepared.registry.provider).offline_delivery(rule, target, event, resolved=False)
    except TransformError as exc:
        return Message(target_id=target.id, kind=kind, endpoint=redact_url(target.endpoint), body="",
                       error=exc.message)  # fmt: skip
    if isinstance(delivery, DingTalkDelivery):
        return Message(
            target_id=delivery.target_id,
            kind=kind,
            endpoint=redact_url(delivery.webhook),
            body=delivery.body,
            signed=bool(delivery.secret),
        )
    return Message(
        target_id=delivery.target_id, kind=kind, endpoint=redact_url(delivery.url), body=delivery.body,
        headers=_mask(delivery.headers),
    )  # fmt: skip


def send(
    prepared: PreparedRule,
    event: Mapping[str, Any],
    *,
    sender: HttpSender,
    clock: Clock,
    dingtalk_robot: str | None = None,
    robot: str | None = None,
) -> list[Sent]:
    """Deliver a firing rule's messages for real, once each (no retries), with secrets resolved.

    `dingtalk_robot` (`http://127.0.0.1:8090`) sends DingTalk messages there instead of to
    oapi.dingtalk.com, with the same path, access token and signature: `crnotify emulator dingtalk`.
    `robot` does the same for the chat channels (Lark, WeCom, Slack, Teams): `crnotify emulator robot`.
    """
    rule, name = prepared.rule, f"{prepared.registry.name}/{prepared.rule.name}"
    rules = cloud(prepared.registry.provider)
    try:
        _check_resolved(rule)
        bus = rules.offline_bus_rule(prepared.registry, rule, resolved=True)
    except ValueError as exc:
        return [Sent(rule=name, target_id="-", endpoint=redact_url(rule.notify.url.template), ok=False,
                     detail=str(exc))]  # fmt: skip
    sent = []
    for target in bus.targets:
        try:
            delivery = rules.offline_delivery(rule, target, event, resolved=True)
            delivery = to_channel_robot(to_robot(delivery, dingtalk_robot), robot)
            result = deliver(delivery, sender=sender, clock=clock, strategy=NO_RETRY, rng=random.Random(0))
        except (TransformError, DeliveryRefused) as exc:
            sent.append(Sent(rule=name, target_id=target.id, endpoint=redact_url(target.endpoint), ok=False,
                             detail=str(exc)))  # fmt: skip
            continue
        attempt = result.attempts[-1]
        sent.append(Sent(rule=name, target_id=target.id, endpoint=result.endpoint, ok=result.ok,
                         detail=attempt.detail))  # fmt: skip
    return sent


def _check_resolved(rule: Rule) -> None:
    """Raises ValueError naming the unset variables `--deliver` needs."""
    for text in (rule.notify.url, rule.notify.secret):
        if text is not None and text.value is None:
            names = ", ".join(text.env_names)
            raise ValueError(f"rule {rule.name}: cannot deliver, environment variable(s) {names} not set")
