"""`crnotify test` for `aws` registries: the rule the AWS provider writes, and what its target sends.

The bus rule is `providers.aws.mapping.desired_bus_rule` — the one apply writes — matched with the
pattern engine's `aws` dialect. Tag filters are part of that pattern (the AWS mapping translates them),
so no extra tag check applies here. The target is an API destination: a POST of the InputTransformer
output (or the whole event) to the notify URL, with the connection's API-key header
(`x-eventbridge-signature-token: <token>`, or `x-crnotify-rule: <rule>` without a token).

The InputTransformer is rendered with the emulator's TEMPLATE rules after turning each `<name>` of a
declared variable into `${name}` (placeholders inside JSON strings receive escaped text, outside them
JSON values) — close to EventBridge's documented behaviour, not a replica of every corner of it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from crnotify.delivery.transform import (
    HttpDelivery,
    TransformError,
    content_type,
    parse_variables,
    render_param,
    render_template,
    resolve_variables,
)
from crnotify.model import BusRule, Param, ParamForm, Registry, Rule, SecretText, Target
from crnotify.providers.aws import mapping
from crnotify.providers.aws.targets import RULE_HEADER, TOKEN_HEADER

_AWS_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_\-.]+)>")


def display_rule(rule: Rule) -> Rule:
    """The rule with every secret "resolved" to its own template text, so nothing secret is used."""

    secret = rule.notify.secret
    url = SecretText(template=rule.notify.url.template, value=rule.notify.url.template)
    if secret is not None:
        secret = SecretText(template=secret.template, value=secret.template)
    return replace(rule, notify=replace(rule.notify, url=url, secret=secret))


def bus_rule(registry: Registry, rule: Rule, *, resolved: bool) -> BusRule:
    """The EventBridge rule apply writes for `rule` (with `resolved`, its secrets must be)."""
    return mapping.desired_bus_rule(rule if resolved else display_rule(rule), registry)


def tag_filter(rule: Rule) -> str | None:
    """Tag filters are part of the AWS pattern (the mapping translates them)."""
    return None


def render_body(param: Param | None, event: Mapping[str, Any]) -> str:
    if param is None:
        raise TransformError("the API destination target has no Body")
    if param.form is not ParamForm.TEMPLATE:
        return render_param(param, event)
    variables = parse_variables(param.value)
    template = _AWS_PLACEHOLDER.sub(
        lambda m: f"${{{m.group(1)}}}" if m.group(1) in variables else m.group(0), param.template or ""
    )
    return render_template(template, resolve_variables(variables, event))


def headers(rule: Rule, token: str | None, body: str) -> tuple[tuple[str, str], ...]:
    key_header = (TOKEN_HEADER, token) if token is not None else (RULE_HEADER, rule.name)
    return (("content-type", content_type(body)), key_header)


def delivery(rule: Rule, target: Target, event: Mapping[str, Any], *, resolved: bool = True) -> HttpDelivery:
    """The request the API destination makes (`resolved` False: secrets as written)."""
    if not resolved:
        rule = display_rule(rule)
    body = render_body(target.param("Body"), event)
    token = None if rule.notify.secret is None else rule.notify.secret.value
    return HttpDelivery(
        target_id=target.id, url=rule.notify.url.value or "", body=body, headers=headers(rule, token, body)
    )
