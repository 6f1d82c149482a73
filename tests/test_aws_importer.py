"""Live ECR rules → declared rules: exact round trips, hand-made rules, and refusals with reasons."""

from __future__ import annotations

import json
from dataclasses import replace

import boto3
import pytest

from crnotify.importer import import_rule, render_yaml
from crnotify.model import (
    BusCustomization,
    EventType,
    LiveRule,
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
from crnotify.providers.aws import importer, mapping
from crnotify.providers.aws.provider import AwsProvider
from support.aws_rules import ECR_PROD as REGISTRY
from support.aws_rules import resolved

ENV = {"WEBHOOK": "https://oapi.dingtalk.com/robot/send?access_token=t0k", "TOKEN": "s3cr3t-token"}


DINGTALK = Notify(method=NotifyMethod.DINGTALK, url=SecretText(template="${env:WEBHOOK}"))
HTTPS = Notify(
    method=NotifyMethod.HTTPS,
    url=SecretText(template="https://hooks.example.com/ecr"),
    secret=SecretText(template="${env:TOKEN}"),
)
TEMPLATE = MessageTemplate(
    format=TemplateFormat.JSON,
    text='{"repo": "${repo}", "tag": "${tag}", "kind": "replication"}',
    variables=(("repo", "$.detail.repository-name"), ("tag", "$.detail.image-tag")),
)
CASES = [
    Rule(name="scan-all", registry="ecr-prod", event_type=EventType.SCAN, notify=DINGTALK),
    Rule(
        name="scan-api",
        registry="ecr-prod",
        event_type=EventType.SCAN,
        notify=DINGTALK,
        scope=Scope(kind=ScopeKind.REPO, namespaces=("team-a",), repositories=("api", "web")),
        tag_pattern=r"v.*|latest|.*-rc|release-.*-final|1\.0",
        scan_status=(ScanStatus.COMPLETE,),
        bus=BusCustomization(description="API scans", enabled=False),
    ),
    Rule(
        name="scan-failed",
        registry="ecr-prod",
        event_type=EventType.SCAN,
        notify=HTTPS,
        scope=Scope(kind=ScopeKind.NAMESPACE, namespaces=("team-a", "team-b")),
        scan_status=(ScanStatus.FAILED,),
    ),
    Rule(
        name="sync",
        registry="ecr-prod",
        event_type=EventType.SYNCHRONIZATION,
        notify=HTTPS,
        bus=BusCustomization(template=TEMPLATE),
    ),
    Rule(
        name="signed", registry="ecr-prod", event_type=EventType.SIGNING, notify=DINGTALK, tag_pattern="v.*"
    ),
    Rule(
        name="pushed",
        registry="ecr-prod",
        event_type=EventType.PUSH,
        notify=HTTPS,
        scope=Scope(kind=ScopeKind.REPO, namespaces=("team-a",), repositories=("api",)),
        tag_pattern="latest|v.*",
    ),
    Rule(name="pushed-dingtalk", registry="ecr-prod", event_type=EventType.PUSH, notify=DINGTALK),
]


@pytest.mark.parametrize("rule", CASES, ids=[r.name for r in CASES])
def test_rules_crnotify_wrote_import_exactly(rule: Rule) -> None:
    bus = mapping.desired_bus_rule(resolved(rule, ENV), REGISTRY)
    imported = importer.declared_rule(bus, REGISTRY)
    assert imported.notes == ()
    assert imported.rule == rule
    assert imported.rule is not None
    # And the imported rule plans back to the same EventBridge rule.
    assert mapping.desired_bus_rule(resolved(imported.rule, ENV), REGISTRY) == bus


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        (
            # Every image action, deletions included: not what `push` declares.
            {"source": ["aws.ecr"], "detail-type": ["ECR Image Action"]},
            "'ECR Image Action' with action-type any value; a crnotify push rule selects exactly [\"PUSH\"]",
        ),
        (
            {
                "source": ["aws.ecr"],
                "detail-type": ["ECR Image Action"],
                "detail": {"action-type": ["DELETE"], "result": ["SUCCESS"]},
            },
            'with action-type ["DELETE"]',
        ),
        (
            {
                "source": ["aws.ecr"],
                "detail-type": ["ECR Image Action"],
                "detail": {"action-type": ["PUSH"]},  # also failed pushes, were there any
            },
            'with result any value; a crnotify push rule selects exactly ["SUCCESS"]',
        ),
        (
            {
                "source": ["aws.ecr"],
                "detail-type": ["ECR Image Action"],
                "detail": {"action-type": ["PUSH"], "result": ["SUCCESS"], "image-tags": ["v1"]},
            },
            "image-tags",  # the array field belongs to scan events
        ),
        ({"source": ["aws.ecr"], "detail-type": ["ECR Replication Action"], "account": ["1"]}, "account"),
        (
            {
                "source": ["aws.ecr"],
                "detail-type": ["ECR Replication Action"],
                "detail": {"result": ["SUCCESS"]},
            },
            "result",
        ),
        (
            {
                "source": ["aws.ecr"],
                "detail-type": ["ECR Replication Action"],
                "detail": {"repository-name": ["a/x", "b/y"]},
            },
            "several namespaces",
        ),
        (
            {
                "source": ["aws.ecr"],
                "detail-type": ["ECR Replication Action"],
                "detail": {"image-tag": [{"anything-but": "latest"}]},
            },
            "anything-but",
        ),
        (
            # Basic scanning only, with a COMPLETE filter: crnotify would add the Inspector branch.
            {
                "source": ["aws.ecr"],
                "detail-type": ["ECR Image Scan"],
                "detail": {"scan-status": ["COMPLETE"]},
            },
            "would change on apply",
        ),
    ],
)
def test_rules_that_cannot_be_declared_exactly_are_refused(pattern: dict[str, object], reason: str) -> None:
    bus = replace(mapping.desired_bus_rule(resolved(CASES[3], ENV), REGISTRY), pattern=pattern)
    imported = importer.declared_rule(bus, REGISTRY)
    assert imported.rule is None
    assert reason in imported.notes[0]
    # The YAML comment says "not imported" once (the note is the reason alone).
    live = LiveRule(registry=REGISTRY.name, name=bus.name, bus=bus)
    text = render_yaml(REGISTRY, [import_rule(REGISTRY, live)], adopting=False)
    assert f"  # {bus.name}: not imported: {imported.notes[0]}\n" in text
    assert text.count("not imported") == 1


def test_a_hand_made_rule_imports_with_env_references(aws_env: dict[str, str]) -> None:
    client = boto3.client("events", region_name="eu-west-1")
    connection = client.create_connection(
        Name="team-dingtalk",
        AuthorizationType="API_KEY",
        AuthParameters={
            "ApiKeyAuthParameters": {"ApiKeyName": "x-crnotify-rule", "ApiKeyValue": "n/a"},
            "InvocationHttpParameters": {
                "QueryStringParameters": [{"Key": "access_token", "Value": "t0k", "IsValueSecret": True}]
            },
        },
    )
    destination = client.create_api_destination(
        Name="team-dingtalk",
        ConnectionArn=connection["ConnectionArn"],
        InvocationEndpoint="https://oapi.dingtalk.com/robot/send",
        HttpMethod="POST",
    )
    pattern = {
        "source": ["aws.ecr"],
        "detail-type": ["ECR Replication Action"],
        "detail": {"repository-name": [{"prefix": "team-a/"}], "image-tag": [{"prefix": "v"}]},
    }
    client.put_rule(Name="team-replication", EventPattern=json.dumps(pattern), Description="by hand")
    message = '{"msgtype": "text", "text": {"content": "crnotify: <repo> replicated"}}'
    client.put_targets(
        Rule="team-replication",
        Targets=[
            {
                "Id": "dingtalk",
                "Arn": destination["ApiDestinationArn"],
                "RoleArn": "arn:aws:iam::123456789012:role/x",
                "InputTransformer": {
                    "InputPathsMap": {"repo": "$.detail.repository-name"},
                    "InputTemplate": message,
                },
            }
        ],
    )
    [live] = AwsProvider(env=ENV).read([REGISTRY]).rules
    assert live.bus is not None
    imported = importer.declared_rule(live.bus, REGISTRY)
    assert imported.rule is not None
    rule = imported.rule
    assert rule.event_type is EventType.SYNCHRONIZATION
    assert rule.scope == Scope(kind=ScopeKind.NAMESPACE, namespaces=("team-a",))
    assert rule.tag_pattern == "v.*"
    assert rule.notify.method is NotifyMethod.DINGTALK
    assert rule.notify.url.template == (
        "https://oapi.dingtalk.com/robot/send?access_token=${env:CRNOTIFY_TEAM_REPLICATION_ACCESS_TOKEN}"
    )
    assert rule.bus.description == "by hand"
    assert rule.bus.template == MessageTemplate(
        format=TemplateFormat.TEXT,
        text="crnotify: ${repo} replicated",
        variables=(("repo", "$.detail.repository-name"),),
    )
    assert any("CRNOTIFY_TEAM_REPLICATION_ACCESS_TOKEN" in note for note in imported.notes)
