"""The AWS provider against moto's server over HTTP (boto3 unmodified, `AWS_ENDPOINT_URL` → moto).

Where moto differs from AWS (research/aws-facts.md §3.2) the test says so and checks crnotify's
behaviour against what AWS documents, usually by recording the calls crnotify makes.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import boto3
import pytest

from crnotify.errors import AlreadyExists, AuthError, ProviderError
from crnotify.model import (
    BusCustomization,
    EventType,
    MessageTemplate,
    Notify,
    NotifyMethod,
    Rule,
    SecretText,
    TemplateFormat,
)
from crnotify.providers.aws import mapping
from crnotify.providers.aws.provider import AwsProvider
from support.aws_rules import ECR_PROD as REGISTRY
from support.aws_rules import resolved

SECRETS = {
    "DINGTALK_WEBHOOK": "https://oapi.dingtalk.com/robot/send?access_token=tok-0123456789",
    "HOOK_TOKEN": "hook-s3cr3t",
}


def scan_rule(**changes: Any) -> Rule:
    notify = Notify(method=NotifyMethod.DINGTALK, url=SecretText(template="${env:DINGTALK_WEBHOOK}"))
    rule = Rule(name="scan-to-dingtalk", registry="ecr-prod", event_type=EventType.SCAN, notify=notify)
    return resolved(replace(rule, **changes), SECRETS)


def sync_rule() -> Rule:
    notify = Notify(
        method=NotifyMethod.HTTPS,
        url=SecretText(template="https://hooks.example.com/ecr").resolve(SECRETS),
        secret=SecretText(template="${env:HOOK_TOKEN}").resolve(SECRETS),
    )
    return Rule(name="sync-to-hook", registry="ecr-prod", event_type=EventType.SYNCHRONIZATION, notify=notify)


class Calls:
    """Records every EventBridge operation a provider sends (with its parameters)."""

    def __init__(self) -> None:
        self.made: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self.made.append((model.name, params))

    def names(self) -> list[str]:
        return [name for name, _ in self.made]


def provider_with_calls() -> tuple[AwsProvider, Calls]:
    provider = AwsProvider(env=SECRETS)
    calls = Calls()
    provider.client("eu-west-1").meta.events.register("provide-client-params.events.*", calls)
    return provider, calls


def events() -> Any:
    return boto3.client("events", region_name="eu-west-1")


def test_a_rule_reads_back_exactly_as_written(aws_env: dict[str, str]) -> None:
    provider = AwsProvider(env=SECRETS)
    desired = [mapping.desired_bus_rule(r, REGISTRY) for r in (scan_rule(), sync_rule())]
    for bus in desired:
        provider.put_bus_rule(REGISTRY, bus, None)
    state = provider.read([REGISTRY])
    assert sorted((r.registry, r.name) for r in state.rules) == [
        ("ecr-prod", "scan-to-dingtalk"),
        ("ecr-prod", "sync-to-hook"),
    ]
    for bus in desired:
        live = state.get("ecr-prod", bus.name)
        assert live is not None
        assert live.bus == bus
        assert not mapping.edited_outside(live.bus)


def test_secrets_are_stored_only_in_the_connection(aws_env: dict[str, str]) -> None:
    provider = AwsProvider(env=SECRETS)
    provider.put_bus_rule(REGISTRY, mapping.desired_bus_rule(scan_rule(), REGISTRY), None)
    client = events()
    destination = client.describe_api_destination(Name="crnotify-scan-to-dingtalk")
    assert destination["InvocationEndpoint"] == "https://oapi.dingtalk.com/robot/send"
    assert destination["InvocationRateLimitPerSecond"] == 1
    connection = client.describe_connection(Name="crnotify-scan-to-dingtalk")
    assert "tok-0123456789" not in connection["Description"]
    query = connection["AuthParameters"]["InvocationHttpParameters"]["QueryStringParameters"]
    # AWS never returns secret values from DescribeConnection; moto does. crnotify reads keys only.
    assert [(q["Key"], q["IsValueSecret"]) for q in query] == [("access_token", True)]
    [target] = client.list_targets_by_rule(Rule="scan-to-dingtalk")["Targets"]
    assert target["Arn"] == destination["ApiDestinationArn"]
    assert target["RoleArn"] == "arn:aws:iam::123456789012:role/crnotify-eventbridge-invoke"
    assert "<repository>" in target["InputTransformer"]["InputTemplate"]
    assert "tok-0123456789" not in json.dumps(target)


def test_an_unchanged_rule_costs_no_write(aws_env: dict[str, str]) -> None:
    desired = mapping.desired_bus_rule(scan_rule(), REGISTRY)
    AwsProvider(env=SECRETS).put_bus_rule(REGISTRY, desired, None)
    provider, calls = provider_with_calls()
    live = provider.read([REGISTRY]).get("ecr-prod", desired.name)
    assert live is not None
    calls.made.clear()
    provider.put_bus_rule(REGISTRY, desired, live.bus)
    assert calls.names() == []


def test_an_update_sends_full_state_and_retags_with_tag_resource(aws_env: dict[str, str]) -> None:
    """AWS ignores `Tags` when PutRule updates a rule (moto applies them: aws-facts §3.2 item 8).

    So the new spec digest must reach the rule through TagResource, whatever moto would accept.
    """
    before = mapping.desired_bus_rule(scan_rule(), REGISTRY)
    AwsProvider(env=SECRETS).put_bus_rule(REGISTRY, before, None)
    template = MessageTemplate(
        format=TemplateFormat.MARKDOWN,
        title="crnotify scan",
        text="crnotify: ${repo} scanned",
        variables=(("repo", "$.detail.repository-name"),),
    )
    after = mapping.desired_bus_rule(
        scan_rule(bus=BusCustomization(template=template, description="Scans", enabled=False)), REGISTRY
    )
    provider, calls = provider_with_calls()
    live = provider.read([REGISTRY]).get("ecr-prod", before.name)
    assert live is not None
    calls.made.clear()
    provider.put_bus_rule(REGISTRY, after, live.bus)
    made = dict(calls.made)
    assert "Tags" not in made["PutRule"]
    assert made["PutRule"]["State"] == "DISABLED"
    assert made["PutRule"]["Description"] == "Scans"
    assert json.loads(made["PutRule"]["EventPattern"]) == after.pattern
    assert {t["Key"]: t["Value"] for t in made["TagResource"]["Tags"]}[
        "crnotify:spec"
    ] == mapping.content_digest(after)
    [entry] = made["PutTargets"]["Targets"]
    assert set(entry) == {"Id", "Arn", "RoleArn", "InputTransformer"}  # the whole target, every time
    assert provider.read([REGISTRY]).get("ecr-prod", before.name).bus == after  # type: ignore[union-attr]


def test_an_edit_made_with_boto3_is_seen_as_edited_outside(aws_env: dict[str, str]) -> None:
    desired = mapping.desired_bus_rule(scan_rule(), REGISTRY)
    provider = AwsProvider(env=SECRETS)
    provider.put_bus_rule(REGISTRY, desired, None)
    client = events()
    [target] = client.list_targets_by_rule(Rule=desired.name)["Targets"]
    target["InputTransformer"]["InputTemplate"] = '{"msgtype": "text", "text": {"content": "edited"}}'
    client.put_targets(Rule=desired.name, Targets=[target])
    live = provider.read([REGISTRY]).get("ecr-prod", desired.name)
    assert live is not None
    assert live.bus != desired
    assert mapping.edited_outside(live.bus)
    provider.put_bus_rule(REGISTRY, desired, live.bus)  # converges back
    assert provider.read([REGISTRY]).get("ecr-prod", desired.name).bus == desired  # type: ignore[union-attr]


def test_unmanaged_rules_are_read_but_never_changed(aws_env: dict[str, str]) -> None:
    client = events()
    pattern = json.dumps({"source": ["aws.ecr"], "detail-type": ["ECR Image Action"]})
    client.put_rule(Name="scan-to-dingtalk", EventPattern=pattern, Description="hand made")
    client.put_rule(Name="nightly", ScheduleExpression="rate(1 day)")
    client.put_rule(Name="ec2", EventPattern=json.dumps({"source": ["aws.ec2"]}))
    provider = AwsProvider(env=SECRETS)
    state = provider.read([REGISTRY])
    assert [r.name for r in state.rules] == ["scan-to-dingtalk"]  # only ECR rules are read
    [unmanaged] = state.rules
    assert unmanaged.bus is not None
    assert mapping.owner(unmanaged.bus) is None
    with pytest.raises(AlreadyExists, match="does not manage it"):
        provider.put_bus_rule(REGISTRY, mapping.desired_bus_rule(scan_rule(), REGISTRY), None)
    with pytest.raises(ProviderError, match="refusing to delete"):
        provider.delete_bus_rule(REGISTRY, "scan-to-dingtalk")
    rule = client.describe_rule(Name="scan-to-dingtalk")
    assert (rule["Description"], json.loads(rule["EventPattern"])) == ("hand made", json.loads(pattern))
    assert client.list_connections()["Connections"] == []


def test_foreign_connection_with_our_name_is_refused(aws_env: dict[str, str]) -> None:
    """moto lets CreateConnection overwrite an existing name silently (aws-facts §3.2 item 10; AWS
    raises ResourceAlreadyExistsException); crnotify describes first and never writes over it."""
    client = events()
    client.create_connection(
        Name="crnotify-scan-to-dingtalk",
        AuthorizationType="API_KEY",
        AuthParameters={"ApiKeyAuthParameters": {"ApiKeyName": "x", "ApiKeyValue": "y"}},
    )
    with pytest.raises(AlreadyExists, match="did not create it"):
        AwsProvider(env=SECRETS).put_bus_rule(REGISTRY, mapping.desired_bus_rule(scan_rule(), REGISTRY), None)
    assert "Description" not in client.describe_connection(Name="crnotify-scan-to-dingtalk")


def test_delete_removes_targets_then_rule_destination_and_connection(aws_env: dict[str, str]) -> None:
    provider, calls = provider_with_calls()
    desired = mapping.desired_bus_rule(sync_rule(), REGISTRY)
    provider.put_bus_rule(REGISTRY, desired, None)
    calls.made.clear()
    provider.delete_bus_rule(REGISTRY, desired.name)
    writes = [n for n in calls.names() if not n.startswith(("Describe", "List"))]
    assert writes == ["RemoveTargets", "DeleteRule", "DeleteApiDestination", "DeleteConnection"]
    assert provider.read([REGISTRY]).rules == ()
    provider.delete_bus_rule(REGISTRY, desired.name)  # deleting again is a no-op, like DeleteRule


def test_referenced_foreign_api_destinations_are_described_by_name(aws_env: dict[str, str]) -> None:
    """moto ignores NamePrefix on ListApiDestinations (aws-facts §3.2 item 7): filter it ourselves."""
    client = events()
    connection = client.create_connection(
        Name="team-hook",
        AuthorizationType="API_KEY",
        AuthParameters={"ApiKeyAuthParameters": {"ApiKeyName": "x", "ApiKeyValue": "y"}},
    )
    destination = client.create_api_destination(
        Name="crnotifyXhook",  # not our prefix, although a regex reading of "crnotify-" would not care
        ConnectionArn=connection["ConnectionArn"],
        InvocationEndpoint="https://team.example.com/hook",
        HttpMethod="PUT",
    )
    client.put_rule(Name="team-scan", EventPattern=json.dumps({"source": ["aws.ecr"]}))
    client.put_targets(Rule="team-scan", Targets=[{"Id": "hook", "Arn": destination["ApiDestinationArn"]}])
    [rule] = AwsProvider(env=SECRETS).read([REGISTRY]).rules
    assert rule.bus is not None
    [target] = rule.bus.targets
    assert (target.type, target.endpoint) == ("api-destination", "https://team.example.com/hook")
    method = target.param("HttpMethod")
    assert method is not None
    assert method.value == "PUT"


def test_rules_of_two_registries_in_one_region_are_told_apart_by_tag(aws_env: dict[str, str]) -> None:
    staging = replace(REGISTRY, name="ecr-staging")
    provider = AwsProvider(env=SECRETS)
    provider.put_bus_rule(REGISTRY, mapping.desired_bus_rule(scan_rule(), REGISTRY), None)
    provider.put_bus_rule(staging, mapping.desired_bus_rule(sync_rule(), staging), None)
    state = provider.read([REGISTRY, staging])
    assert sorted((r.registry, r.name) for r in state.rules) == [
        ("ecr-prod", "scan-to-dingtalk"),
        ("ecr-staging", "sync-to-hook"),
    ]
    # A rule managed for a registry this config does not declare is left out entirely.
    assert [r.name for r in provider.read([REGISTRY]).rules] == ["scan-to-dingtalk"]


def test_credentials_for_another_account_are_refused(aws_env: dict[str, str]) -> None:
    other = replace(REGISTRY, account="999999999999")
    with pytest.raises(AuthError, match="123456789012"):
        AwsProvider(env=SECRETS).read([other])


def test_missing_credentials_are_an_auth_error(
    aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(AuthError, match="credentials"):
        AwsProvider(env=SECRETS).read([REGISTRY])


def test_a_changed_secret_after_the_plan_is_refused(aws_env: dict[str, str]) -> None:
    desired = mapping.desired_bus_rule(sync_rule(), REGISTRY)
    provider = AwsProvider(env={**SECRETS, "HOOK_TOKEN": "rotated-meanwhile"})
    with pytest.raises(Exception, match="changed since the plan"):
        provider.put_bus_rule(REGISTRY, desired, None)
    assert events().list_rules()["Rules"] == []
