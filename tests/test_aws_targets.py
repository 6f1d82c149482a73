"""The pure target mapping: API destination, connection and message; secrets stay out of every value."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from crnotify.model import (
    BusCustomization,
    EventType,
    MessageTemplate,
    Notify,
    NotifyMethod,
    ParamForm,
    Rule,
    SecretText,
    TemplateFormat,
)
from crnotify.providers.aws import mapping, targets
from support.aws_rules import ECR_PROD as REGISTRY

ENV = {
    "DINGTALK_WEBHOOK": "https://oapi.dingtalk.com/robot/send?access_token=tok-123456",
    "HOOK_TOKEN": "s3cr3t-token",
}


def dingtalk_rule(**changes: object) -> Rule:
    notify = Notify(
        method=NotifyMethod.DINGTALK, url=SecretText(template="${env:DINGTALK_WEBHOOK}").resolve(ENV)
    )
    base = Rule(name="scan-to-dingtalk", registry="ecr-prod", event_type=EventType.SCAN, notify=notify)
    return replace(base, **changes)  # type: ignore[arg-type]


def https_rule(token: bool = True) -> Rule:
    notify = Notify(
        method=NotifyMethod.HTTPS,
        url=SecretText(template="https://hooks.example.com/ecr?team=a").resolve(ENV),
        secret=SecretText(template="${env:HOOK_TOKEN}").resolve(ENV) if token else None,
    )
    return Rule(name="sync-to-hook", registry="ecr-prod", event_type=EventType.SYNCHRONIZATION, notify=notify)


def test_dingtalk_target_keeps_the_access_token_out_of_every_value() -> None:
    bus = mapping.desired_bus_rule(dingtalk_rule(), REGISTRY)
    assert "tok-123456" not in repr(bus)
    [target] = bus.targets
    assert target.type == "api-destination"
    assert target.endpoint == "https://oapi.dingtalk.com/robot/send"
    auth = targets.AuthSummary.from_param(target.param("Auth"))  # type: ignore[arg-type]
    assert auth.url == "${env:DINGTALK_WEBHOOK}"
    assert auth.query == ("access_token",)
    assert auth.header == "x-crnotify-rule"
    rate = target.param("RateLimitPerSecond")
    assert rate is not None
    assert rate.value == "1"


def test_dingtalk_default_message_is_a_markdown_input_transformer() -> None:
    body = mapping.desired_bus_rule(dingtalk_rule(), REGISTRY).targets[0].param("Body")
    assert body is not None
    assert body.form is ParamForm.TEMPLATE
    transformer = targets.input_transformer(body)
    assert transformer is not None
    paths = transformer["InputPathsMap"]
    assert isinstance(paths, dict)
    assert paths["repository"] == "$.detail.repository-name"
    message = json.loads(str(transformer["InputTemplate"]))  # valid JSON before substitution
    assert message["msgtype"] == "markdown"
    assert "crnotify" in message["markdown"]["title"]  # the keyword a keyword-secured robot can use
    assert "<repository>" in message["markdown"]["text"]
    assert "${" not in str(transformer["InputTemplate"])


@pytest.mark.parametrize("event_type", list(mapping.EVENTS))  # every type with an AWS event
def test_default_templates_only_use_event_fields(event_type: EventType) -> None:
    template = targets.default_dingtalk_template(event_type)
    assert (
        mapping.rule_problems(
            dingtalk_rule(event_type=event_type, bus=BusCustomization(template=template)), REGISTRY
        )
        == []
    )


def test_declared_template_becomes_the_input_transformer() -> None:
    template = MessageTemplate(
        format=TemplateFormat.TEXT,
        text="crnotify ${repo}:${tag} replicated",
        variables=(("repo", "$.detail.repository-name"), ("tag", "$.detail.image-tag")),
    )
    bus = mapping.desired_bus_rule(dingtalk_rule(bus=BusCustomization(template=template)), REGISTRY)
    transformer = targets.input_transformer(bus.targets[0].param("Body"))  # type: ignore[arg-type]
    assert transformer == {
        "InputPathsMap": {"repo": "$.detail.repository-name", "tag": "$.detail.image-tag"},
        "InputTemplate": '{"msgtype": "text", "text": {"content": "crnotify <repo>:<tag> replicated"}}',
    }


def test_https_without_template_sends_the_whole_event_and_the_token_as_header() -> None:
    bus = mapping.desired_bus_rule(https_rule(), REGISTRY)
    [target] = bus.targets
    body = target.param("Body")
    assert body is not None
    assert body.form is ParamForm.ORIGINAL
    assert targets.input_transformer(body) is None
    assert target.endpoint == "https://hooks.example.com/ecr"
    auth = targets.AuthSummary.from_param(target.param("Auth"))  # type: ignore[arg-type]
    assert (auth.header, auth.token, auth.query) == (
        "x-eventbridge-signature-token",
        "${env:HOOK_TOKEN}",
        ("team",),
    )
    assert "s3cr3t" not in repr(bus)


def test_connection_spec_resolves_again_at_write_time() -> None:
    summary = targets.auth_summary(https_rule())
    spec = summary.resolve("sync-to-hook", ENV)
    assert spec.auth_parameters() == {
        "ApiKeyAuthParameters": {
            "ApiKeyName": "x-eventbridge-signature-token",
            "ApiKeyValue": "s3cr3t-token",
        },
        "InvocationHttpParameters": {
            "QueryStringParameters": [{"Key": "team", "Value": "a", "IsValueSecret": False}]
        },
    }
    assert "s3cr3t" not in repr(spec)
    with pytest.raises(ValueError, match="changed since the plan"):
        summary.resolve("sync-to-hook", {**ENV, "HOOK_TOKEN": "rotated-token"})
    with pytest.raises(ValueError, match="HOOK_TOKEN"):
        summary.resolve("sync-to-hook", {})


def test_secret_url_query_parameters_are_marked_secret() -> None:
    spec = targets.auth_summary(dingtalk_rule()).resolve("scan-to-dingtalk", ENV)
    params = spec.auth_parameters()["InvocationHttpParameters"]
    assert params == {
        "QueryStringParameters": [{"Key": "access_token", "Value": "tok-123456", "IsValueSecret": True}]
    }
    assert spec.endpoint == "https://oapi.dingtalk.com/robot/send"


def test_description_markers_round_trip_and_reject_foreign_text() -> None:
    summary = targets.auth_summary(dingtalk_rule())
    text = targets.connection_description("ecr-prod", "scan-to-dingtalk", summary)
    assert len(text) <= 512
    marker = targets.parse_description(text)
    assert marker is not None
    assert (marker["rule"], marker["fp"], marker["url"]) == (
        "scan-to-dingtalk",
        summary.fp,
        "${env:DINGTALK_WEBHOOK}",
    )
    assert targets.parse_description("made by hand") is None
    assert targets.parse_description("crnotify:not json") is None
    assert targets.parse_description(None) is None


def test_resource_names_fit_the_64_character_limit() -> None:
    assert targets.resource_name("scan") == "crnotify-scan"
    long_a, long_b = "a" * 60 + "-one", "a" * 60 + "-two"
    assert len(targets.resource_name(long_a)) == 64
    assert targets.resource_name(long_a) != targets.resource_name(long_b)
