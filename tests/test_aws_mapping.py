"""The pure AWS mapping: declared rule → EventBridge pattern, tag regexes, and validation reasons."""

from __future__ import annotations

from dataclasses import replace

import pytest

from crnotify.model import (
    BusCustomization,
    EventType,
    MessageTemplate,
    Notify,
    NotifyMethod,
    Rule,
    ScanStatus,
    Scope,
    ScopeKind,
    SecretText,
    TemplateFormat,
)
from crnotify.providers.aws import mapping
from support.aws_rules import ECR_PROD as REGISTRY

HOOK = Notify(method=NotifyMethod.HTTPS, url=SecretText(template="https://hooks.example.com/ecr").resolve({}))


def rule(event_type: EventType = EventType.SCAN, **changes: object) -> Rule:
    base = Rule(name="r", registry="ecr-prod", event_type=event_type, notify=HOOK)
    return replace(base, **changes)  # type: ignore[arg-type]


# --- event types and patterns ----------------------------------------------------------------------


def test_scan_matches_basic_and_enhanced_scanning() -> None:
    pattern = mapping.desired_pattern(
        rule(
            scope=Scope(kind=ScopeKind.REPO, namespaces=("team-a",), repositories=("api", "web")),
            tag_pattern="v.*",
            scan_status=(ScanStatus.COMPLETE,),
        ),
        REGISTRY,
    )
    arn = "arn:aws:ecr:eu-west-1:123456789012:repository/team-a/"
    assert pattern == {
        "$or": [
            {
                "source": ["aws.ecr"],
                "detail-type": ["ECR Image Scan"],
                "detail": {
                    "repository-name": ["team-a/api", "team-a/web"],
                    "image-tags": [{"prefix": "v"}],  # an array field: matches when any tag matches
                    "scan-status": ["COMPLETE"],
                },
            },
            {
                "source": ["aws.inspector2"],
                "detail-type": ["Inspector2 Scan"],
                "resources": [arn + "api", arn + "web"],
                "detail": {"image-tags": [{"prefix": "v"}], "scan-status": ["INITIAL_SCAN_COMPLETE"]},
            },
        ]
    }


def test_failed_scans_have_no_inspector_counterpart() -> None:
    pattern = mapping.desired_pattern(rule(scan_status=(ScanStatus.FAILED,)), REGISTRY)
    assert pattern == {
        "source": ["aws.ecr"],
        "detail-type": ["ECR Image Scan"],
        "detail": {"scan-status": ["FAILED"]},
    }


def test_namespace_scope_is_a_prefix_in_both_scan_branches() -> None:
    pattern = mapping.desired_pattern(
        rule(scope=Scope(kind=ScopeKind.NAMESPACE, namespaces=("team-a", "team-b"))), REGISTRY
    )
    basic, enhanced = pattern["$or"]
    assert basic["detail"] == {"repository-name": [{"prefix": "team-a/"}, {"prefix": "team-b/"}]}
    assert enhanced["resources"] == [
        {"prefix": "arn:aws:ecr:eu-west-1:123456789012:repository/team-a/"},
        {"prefix": "arn:aws:ecr:eu-west-1:123456789012:repository/team-b/"},
    ]
    assert "detail" not in enhanced


def test_synchronization_is_replication_with_the_string_tag_field() -> None:
    pattern = mapping.desired_pattern(rule(EventType.SYNCHRONIZATION, tag_pattern="latest|v.*"), REGISTRY)
    assert pattern == {
        "source": ["aws.ecr"],
        "detail-type": ["ECR Replication Action"],
        "detail": {"image-tag": ["latest", {"prefix": "v"}]},
    }


def test_signing_is_referrer_action() -> None:
    pattern = mapping.desired_pattern(rule(EventType.SIGNING), REGISTRY)
    assert pattern == {"source": ["aws.ecr"], "detail-type": ["ECR Referrer Action"]}


def test_push_is_a_successful_image_action_push_with_the_string_tag_field() -> None:
    pattern = mapping.desired_pattern(
        rule(
            EventType.PUSH,
            scope=Scope(kind=ScopeKind.REPO, namespaces=("team-a",), repositories=("api",)),
            tag_pattern="v.*|latest",
        ),
        REGISTRY,
    )
    assert pattern == {
        "source": ["aws.ecr"],
        "detail-type": ["ECR Image Action"],
        "detail": {
            "action-type": ["PUSH"],  # ECR Image Action also reports DELETE
            "result": ["SUCCESS"],
            "repository-name": ["team-a/api"],
            "image-tag": [{"prefix": "v"}, "latest"],
        },
    }
    whole = mapping.desired_pattern(rule(EventType.PUSH), REGISTRY)
    assert whole["detail"] == {"action-type": ["PUSH"], "result": ["SUCCESS"]}
    namespaces = rule(EventType.PUSH, scope=Scope(kind=ScopeKind.NAMESPACE, namespaces=("team-a",)))
    assert mapping.desired_pattern(namespaces, REGISTRY)["detail"]["repository-name"] == [
        {"prefix": "team-a/"}
    ]
    description = mapping.desired_bus_rule(rule(EventType.PUSH), REGISTRY).description
    assert description == "ECR Image Action PUSH notifications of registry ecr-prod, managed by crnotify"


def test_build_names_push_as_its_closest_ecr_event() -> None:
    reason = mapping.unsupported_reason(EventType.BUILD)
    assert reason is not None
    assert "'push' (ECR Image Action)" in reason


@pytest.mark.parametrize("event_type", [EventType.BUILD, EventType.DELIVERY_CHAIN])
def test_types_without_an_aws_event_are_refused_naming_an_alternative(event_type: EventType) -> None:
    reason = mapping.unsupported_reason(event_type)
    assert reason is not None
    assert "the closest ECR event" in reason
    with pytest.raises(ValueError, match="the closest ECR event"):
        mapping.desired_pattern(rule(event_type), REGISTRY)
    [problem] = mapping.rule_problems(rule(event_type), REGISTRY)
    assert problem.path == ("event",)


@pytest.mark.parametrize(
    "event_type", [EventType.SCAN, EventType.SYNCHRONIZATION, EventType.SIGNING, EventType.PUSH]
)
def test_supported_types(event_type: EventType) -> None:
    assert mapping.unsupported_reason(event_type) is None
    assert mapping.is_ecr_rule(mapping.desired_pattern(rule(event_type), REGISTRY))


def test_is_ecr_rule() -> None:
    assert not mapping.is_ecr_rule({"source": ["aws.ec2"]})
    assert not mapping.is_ecr_rule({"detail-type": ["Scheduled Event"]})
    assert mapping.is_ecr_rule({"source": ["aws.inspector2"]})


# --- validation reasons -----------------------------------------------------------------------------


def test_a_valid_rule_has_no_problems() -> None:
    assert mapping.rule_problems(rule(tag_pattern="v.*"), REGISTRY) == []


def test_dingtalk_signing_is_refused_with_the_reason() -> None:
    notify = Notify(
        method=NotifyMethod.DINGTALK,
        url=SecretText(template="${env:HOOK}"),
        secret=SecretText(template="${env:SIGN}"),
    )
    [problem] = mapping.rule_problems(rule(notify=notify), REGISTRY)
    assert problem.field == "notify.dingtalk.secret"
    assert "every request" in problem.message
    assert "keyword" in problem.message


def test_plain_http_is_refused() -> None:
    notify = Notify(method=NotifyMethod.HTTP, url=SecretText(template="http://hooks.example.com/x"))
    [problem] = mapping.rule_problems(rule(notify=notify), REGISTRY)
    assert "HTTPS" in problem.message


def test_untranslatable_tag_regex_and_missing_account() -> None:
    registry = replace(REGISTRY, account=None)
    problems = mapping.rule_problems(rule(tag_pattern="v[0-9]+"), registry)
    assert [p.field for p in problems] == ["tags", "registry"]


def test_template_variables_must_be_aws_event_fields() -> None:
    template = MessageTemplate(
        format=TemplateFormat.JSON,
        text='{"repo": "${repo}", "x": "<b>"}',
        variables=(("repo", "$.data.RepoName"), ("bad.name", "$.detail.x")),
    )
    problems = mapping.rule_problems(rule(bus=BusCustomization(template=template)), REGISTRY)
    messages = " | ".join(p.message for p in problems)
    assert "$.data.RepoName" in messages
    assert "'bad.name'" in messages
    assert "`<b>`" in messages


def test_oversized_pattern_is_refused() -> None:
    repos = tuple(f"repository-{i:03d}" for i in range(120))
    problems = mapping.rule_problems(
        rule(scope=Scope(kind=ScopeKind.REPO, namespaces=("team",), repositories=repos)), REGISTRY
    )
    assert [p.field for p in problems] == ["scope"]
    assert "2048" in problems[0].message


# --- ownership -------------------------------------------------------------------------------------


def test_desired_rule_carries_ownership_tags_and_is_not_edited_outside() -> None:
    bus = mapping.desired_bus_rule(rule(), REGISTRY)
    tags = dict(bus.tags)
    assert tags["crnotify:managed"] == "true"
    assert tags["crnotify:registry"] == "ecr-prod"
    assert tags["crnotify:spec"] == mapping.content_digest(bus)
    assert mapping.owner(bus) == "ecr-prod"
    assert not mapping.edited_outside(bus)
    assert mapping.edited_outside(replace(bus, description="changed in the console"))
    assert mapping.owner(replace(bus, tags=())) is None


def test_declared_bus_customisations() -> None:
    bus = mapping.desired_bus_rule(
        rule(bus=BusCustomization(description="Scan results for the API", enabled=False)), REGISTRY
    )
    assert bus.description == "Scan results for the API"
    assert bus.enabled is False
    assert "managed by crnotify" in mapping.desired_bus_rule(rule(), REGISTRY).description


def test_role_arn_defaults_to_the_documented_role() -> None:
    target = mapping.desired_bus_rule(rule(), REGISTRY).targets[0]
    role = target.param("RoleArn")
    assert role is not None
    assert role.value == "arn:aws:iam::123456789012:role/crnotify-eventbridge-invoke"
    custom = replace(REGISTRY, invoke_role_arn="arn:aws:iam::123456789012:role/ops-events")
    role = mapping.desired_bus_rule(rule(), custom).targets[0].param("RoleArn")
    assert role is not None
    assert role.value == "arn:aws:iam::123456789012:role/ops-events"
