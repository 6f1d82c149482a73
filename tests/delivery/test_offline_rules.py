"""Declared rules evaluated offline: which fire for an event, why the others do not, what is sent."""

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
    ScanStatus,
    Scope,
    ScopeKind,
    SecretText,
    TemplateFormat,
)
from crnotify.offline.expectations import EventCase
from crnotify.offline.runner import RuleBook, prepare, send
from crnotify.offline.samples import acr_event
from crnotify.offline.verdicts import EventResult
from crnotify.providers import cloud
from crnotify.render import test_json, test_text
from support.local_receiver import http_receiver

ENV = {"DT_TOKEN": "tok-secret-123", "DT_SECRET": "SECsecret456", "HOOK_TOKEN": "hook-secret-789"}
PROD = Registry(name="prod", provider=Provider.ALIBABA, region="cn-hangzhou", instance_id="cri-prod")


def text(template: str) -> SecretText:
    return SecretText(template=template).resolve(ENV)


RULES = (
    Rule(
        name="scan-api",
        registry="prod",
        event_type=EventType.SCAN,
        scope=Scope(kind=ScopeKind.REPO, namespaces=("team-a",), repositories=("api",)),
        tag_pattern="v.*",
        scan_status=(ScanStatus.COMPLETE,),
        notify=Notify(
            method=NotifyMethod.DINGTALK,
            url=text("https://oapi.dingtalk.com/robot/send?access_token=${env:DT_TOKEN}"),
            secret=text("${env:DT_SECRET}"),
        ),
        bus=BusCustomization(
            template=MessageTemplate(
                format=TemplateFormat.MARKDOWN,
                title="Scan done",
                text="#### ${repo}:${tag}\n- high: ${high}",
                variables=(
                    ("high", "$.data.HighSeverity"),
                    ("repo", "$.data.RepoName"),
                    ("tag", "$.data.Tag"),
                ),
            )
        ),
    ),
    Rule(
        name="build-all",
        registry="prod",
        event_type=EventType.BUILD,
        notify=Notify(
            method=NotifyMethod.HTTPS,
            url=text("https://127.0.0.1:8443/hook"),
            secret=text("${env:HOOK_TOKEN}"),
        ),
    ),
    Rule(
        name="scan-quiet",
        registry="prod",
        event_type=EventType.SCAN,
        notify=Notify(method=NotifyMethod.HTTP, url=text("http://127.0.0.1:9/x")),
        bus=BusCustomization(enabled=False),
    ),
    Rule(
        name="ecr-push",
        registry="aws",
        event_type=EventType.SCAN,
        notify=Notify(method=NotifyMethod.HTTP, url=text("http://127.0.0.1:9/x")),
    ),
)
CONFIG = Config(
    registries=(
        PROD,
        Registry(name="aws", provider=Provider.AWS, region="us-east-1", account="123456789012"),
    ),
    rules=RULES,
)


def scan(tag: str, *, namespace: str = "team-a", status: str = "COMPLETE") -> dict:
    return acr_event(
        EventType.SCAN, instance_id="cri-prod", namespace=namespace, repository="api", tag=tag, status=status,
        at=1_767_225_600, event_id="evt-1", severities={"HighSeverity": 2},
    )  # fmt: skip


def verdicts(event: dict) -> dict:
    return {v.rule: v for v in RuleBook.of(CONFIG).evaluate(event)}


def test_matching_rule_fires_with_the_customised_dingtalk_message() -> None:
    result = verdicts(scan("v1.2"))
    scan_api = result["scan-api"]
    assert scan_api.fires
    (message,) = scan_api.messages
    assert message.kind == "dingtalk"
    assert message.signed
    assert message.endpoint == "https://oapi.dingtalk.com/robot/send?access_token=${env:DT_TOKEN}"
    assert json.loads(message.body) == {
        "msgtype": "markdown",
        "markdown": {"title": "Scan done", "text": "#### api:v1.2\n- high: 2"},
    }


def test_non_matching_rules_say_why() -> None:
    result = verdicts(scan("v1.2", namespace="team-b"))
    assert not result["scan-api"].fires
    assert "data.RepoNamespaceName" in result["scan-api"].reason
    assert "team-b" in result["scan-api"].reason
    assert "type" in result["build-all"].reason
    assert result["scan-quiet"].reason == "the bus rule is disabled (bus.enabled: false)"
    assert not result["ecr-push"].fires  # an ECR rule, in the aws dialect: the ACR event is not its source
    assert "source: 'acs.cr' did not match 'aws.ecr'" in result["ecr-push"].reason


def test_tag_pattern_is_applied_by_acr_and_must_match_the_whole_tag() -> None:
    assert (
        verdicts(scan("latest"))["scan-api"].reason
        == "data.Tag: 'latest' does not match tags 'v.*' (ACR's tag filter)"
    )
    assert not verdicts(scan("xv1"))["scan-api"].fires  # fullmatch, not search
    assert not verdicts(scan("v1", status="FAILED"))["scan-api"].fires  # scan_status filter


def test_http_target_shows_the_token_reference_not_its_value() -> None:
    build = acr_event(EventType.BUILD, instance_id="cri-prod", namespace="n", repository="r", tag="t", at=0)
    (message,) = verdicts(build)["build-all"].messages
    assert message.kind == "http"
    assert dict(message.headers)["x-eventbridge-signature-token"] == "${env:HOOK_TOKEN}"
    assert json.loads(message.body) == build


def test_reports_never_contain_secret_values() -> None:
    results = [
        EventResult(
            case=EventCase(path="e.json", event=event, expectations=None),
            verdicts=tuple(RuleBook.of(CONFIG).evaluate(event)),
        )
        for event in (
            scan("v1.2"),
            acr_event(EventType.BUILD, instance_id="cri-prod", namespace="n", repository="r", tag="t", at=0),
        )
    ]
    text_report, json_report = test_text.render(results), test_json.render(results)
    for secret in ENV.values():
        assert secret not in text_report
        assert secret not in json_report
    assert "fires  prod/scan-api" in text_report
    assert "| #### api:v1.2" in text_report
    assert json.loads(json_report)["summary"]["firings"] == 2


def test_delivery_resolves_secrets_or_names_the_missing_variable() -> None:
    resolved = cloud(PROD.provider).offline_bus_rule(PROD, RULES[0], resolved=True)
    assert "SECsecret456" in str(resolved.targets)
    shown = cloud(PROD.provider).offline_bus_rule(PROD, RULES[0], resolved=False)
    assert "SECsecret456" not in str(shown.targets)
    unresolved = Rule(
        name="x", registry="prod", event_type=EventType.SCAN,
        notify=Notify(method=NotifyMethod.DINGTALK, url=SecretText(template="${env:NOPE}")),
    )  # fmt: skip
    (failed,) = send(prepare(PROD, unresolved), scan("v1"), sender=HttpSender(), clock=ManualClock())
    assert not failed.ok
    assert "NOPE" in failed.detail


def test_send_delivers_once_with_resolved_secrets_and_reports_failures() -> None:
    event = scan("v1.2")
    with http_receiver() as receiver:
        receiver.statuses[:] = [503]
        notify = Notify(
            method=NotifyMethod.HTTP, url=text(receiver.url + "/h"), secret=text("${env:HOOK_TOKEN}")
        )
        rule = Rule(name="hook", registry="prod", event_type=EventType.SCAN, notify=notify)
        first = send(prepare(PROD, rule), event, sender=HttpSender(), clock=ManualClock())
        second = send(prepare(PROD, rule), event, sender=HttpSender(), clock=ManualClock())
    assert [(s.ok, s.detail) for s in first + second] == [(False, "HTTP 503"), (True, "HTTP 200")]
    assert len(receiver.requests) == 2  # no retries when testing
    assert receiver.requests[1].headers["x-eventbridge-signature-token"] == "hook-secret-789"
    (remote,) = send(prepare(PROD, RULES[0]), event, sender=HttpSender(), clock=ManualClock())
    assert not remote.ok
    assert "only loopback hosts" in remote.detail
    assert "tok-secret-123" not in remote.endpoint + remote.detail
