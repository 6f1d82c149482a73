"""`crnotify test` for aws registries: the rule the AWS provider writes, matched in the aws dialect."""

from __future__ import annotations

import json

from crnotify.clock import ManualClock
from crnotify.delivery.send import HttpSender
from crnotify.model import (
    BusCustomization,
    Config,
    EventType,
    MessageTemplate,
    Notify,
    NotifyMethod,
    Provider,
    Registry,
    Rule,
    Scope,
    ScopeKind,
    SecretText,
    TemplateFormat,
)
from crnotify.offline.runner import RuleBook, prepare, send
from crnotify.offline.samples import ecr_image_action, ecr_image_scan
from support.local_receiver import http_receiver

ENV = {"ECR_TOKEN": "ecr-token-value", "DT": "dingtalk-token-value"}
ECR = Registry(name="ecr", provider=Provider.AWS, region="us-east-1", account="123456789012")


def text(template: str) -> SecretText:
    return SecretText(template=template).resolve(ENV)


SCAN_HOOK = Rule(
    name="scan-hook",
    registry="ecr",
    event_type=EventType.SCAN,
    scope=Scope(kind=ScopeKind.REPO, namespaces=("team-a",), repositories=("api",)),
    tag_pattern="v.*",
    notify=Notify(
        method=NotifyMethod.HTTPS, url=text("https://hooks.example.com/scan"), secret=text("${env:ECR_TOKEN}")
    ),
)
SCAN_ROOM = Rule(
    name="scan-room",
    registry="ecr",
    event_type=EventType.SCAN,
    scope=Scope(kind=ScopeKind.NAMESPACE, namespaces=("team-a",)),
    notify=Notify(
        method=NotifyMethod.DINGTALK, url=text("https://oapi.dingtalk.com/robot/send?access_token=${env:DT}")
    ),
    bus=BusCustomization(
        template=MessageTemplate(
            format=TemplateFormat.TEXT,
            text='crnotify: ${repo} "critical" ${critical}',
            variables=(
                ("critical", "$.detail.finding-severity-counts.CRITICAL"),
                ("repo", "$.detail.repository-name"),
            ),
        )
    ),
)
CONFIG = Config(registries=(ECR,), rules=(SCAN_HOOK, SCAN_ROOM))


def scan(tag: str, repository: str = "team-a/api") -> dict:
    return ecr_image_scan(
        repository=repository, tags=(tag,), severity_counts={"CRITICAL": 2}, at=0, event_id="e"
    )


def test_scan_rules_fire_with_the_whole_event_or_the_transformed_message() -> None:
    verdicts = {v.rule: v for v in RuleBook.of(CONFIG).evaluate(scan("v1.0"))}
    assert verdicts["scan-hook"].fires
    (hook,) = verdicts["scan-hook"].messages
    assert json.loads(hook.body) == scan("v1.0")
    assert dict(hook.headers)["x-eventbridge-signature-token"] == "${env:ECR_TOKEN}"
    (room,) = verdicts["scan-room"].messages
    assert room.kind == "dingtalk"
    assert room.endpoint == "https://oapi.dingtalk.com/robot/send?access_token=${env:DT}"
    assert json.loads(room.body) == {
        "msgtype": "text",
        "text": {"content": 'crnotify: team-a/api "critical" 2'},
    }
    for value in ENV.values():
        assert value not in room.body + room.endpoint + hook.endpoint + json.dumps(hook.headers)


def test_tag_filter_and_scope_are_in_the_aws_pattern() -> None:
    verdicts = {v.rule: v for v in RuleBook.of(CONFIG).evaluate(scan("latest"))}
    assert not verdicts["scan-hook"].fires
    assert "detail.image-tags" in verdicts["scan-hook"].reason
    assert verdicts["scan-room"].fires
    other = {v.rule: v for v in RuleBook.of(CONFIG).evaluate(scan("v1", repository="team-b/api"))}
    assert not any(v.fires for v in other.values())
    push = ecr_image_action(repository="team-a/api", tag="v1", at=0)
    assert not any(v.fires for v in RuleBook.of(CONFIG).evaluate(push))


def test_send_posts_like_an_api_destination_with_the_token_header() -> None:
    with http_receiver() as receiver:
        rule = Rule(
            name="local-hook", registry="ecr", event_type=EventType.SCAN,
            notify=Notify(method=NotifyMethod.HTTPS, url=text(receiver.url + "/ecr?k=1"),
                          secret=text("${env:ECR_TOKEN}")),
        )  # fmt: skip
        (sent,) = send(prepare(ECR, rule), scan("v1"), sender=HttpSender(), clock=ManualClock())
    assert sent.ok, sent
    (request,) = receiver.requests
    assert request.path == "/ecr?k=1"
    assert request.headers["x-eventbridge-signature-token"] == "ecr-token-value"
    assert json.loads(request.body) == scan("v1")
