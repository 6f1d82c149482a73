"""Every AWS create is safe to repeat (issue 7 item 1): "already exists" after a lost reply is success
when the live object is crnotify's, and a clear refusal when it is not.

moto cannot produce this reply: it silently overwrites a connection or API destination created twice
under one name (research/aws-facts.md §3.2 item 10), where AWS answers ResourceAlreadyExistsException.
So one botocore hook on the provider's own client (`provide-client-params`, before anything is sent)
stands in for the network and for AWS on the create call only: the first attempt really creates the
object in moto through another client and then loses the reply (the connection closes), the retry
gets the ResourceAlreadyExistsException AWS would send. Every other call — describe, update, the
rule and its targets, the verifying read — goes to moto unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, ConnectionClosedError

from crnotify.apply import ApplyResult, apply, read_live
from crnotify.model import Config
from crnotify.planner import plan
from crnotify.providers.aws.provider import AwsProvider
from support.aws_rules import ECR_PROD as REGISTRY
from test_aws_provider import SECRETS, scan_rule

NAME = "crnotify-scan-to-dingtalk"
OPERATIONS = {"connection": "CreateConnection", "api_destination": "CreateApiDestination"}


def events() -> Any:
    return boto3.client("events", region_name="eu-west-1")


def already_exists(operation: str) -> ClientError:
    """What AWS answers a create of a name that exists (moto never does, see the module docstring)."""
    response: Any = {
        "Error": {"Code": "ResourceAlreadyExistsException", "Message": f"{NAME} already exists."},
        "ResponseMetadata": {"HTTPStatusCode": 400},
    }
    return ClientError(response, operation)


def intercept(
    provider: AwsProvider, kind: str, first: Callable[[dict[str, Any]], None], *, lose_reply: bool = True
) -> list[str]:
    """On the provider's create of `kind`: attempt 1 runs `first` (with the call's parameters), then
    loses the reply (`lose_reply`) or is answered ResourceAlreadyExistsException; every later attempt
    is answered ResourceAlreadyExistsException. Returns the attempts seen."""
    operation = OPERATIONS[kind]
    attempts: list[str] = []

    def handler(params: dict[str, Any], **_: Any) -> None:
        attempts.append(operation)
        if len(attempts) == 1:
            first(params)
            if lose_reply:
                raise ConnectionClosedError(endpoint_url="http://127.0.0.1/")
        raise already_exists(operation)

    provider.client("eu-west-1").meta.events.register(f"provide-client-params.events.{operation}", handler)
    return attempts


def apply_once(provider: AwsProvider) -> tuple[Config, ApplyResult]:
    config = Config(registries=(REGISTRY,), rules=(scan_rule(),))
    return config, apply(plan(config, read_live(config, provider)), provider, config)


def one_named(listing: list[dict[str, Any]]) -> dict[str, Any]:
    [item] = [i for i in listing if i["Name"].startswith("crnotify-")]
    return item


@pytest.mark.parametrize("kind", ["connection", "api_destination"])
def test_a_lost_create_reply_converges_in_one_apply(aws_env: dict[str, str], kind: str) -> None:
    provider = AwsProvider(env=SECRETS)
    other = events()
    attempts = intercept(provider, kind, lambda params: getattr(other, f"create_{kind}")(**params))
    config, result = apply_once(provider)
    assert len(attempts) == 2  # the lost create, then the retry AWS refuses
    assert not result.failed, [step.error for step in result.failed]
    assert result.converged
    connection = one_named(other.list_connections()["Connections"])
    destination = one_named(other.list_api_destinations()["ApiDestinations"])
    assert destination["ConnectionArn"] == connection["ConnectionArn"]
    [target] = other.list_targets_by_rule(Rule="scan-to-dingtalk")["Targets"]
    assert target["Arn"] == destination["ApiDestinationArn"]
    assert plan(config, read_live(config, AwsProvider(env=SECRETS))).is_empty


def _foreign(other: Any, kind: str, seen: list[dict[str, Any]]) -> Callable[[dict[str, Any]], None]:
    """Creates someone else's object (no crnotify marker) under the name crnotify is creating."""

    def create(params: dict[str, Any]) -> None:
        if kind == "connection":
            other.create_connection(
                Name=params["Name"],
                AuthorizationType="API_KEY",
                AuthParameters={"ApiKeyAuthParameters": {"ApiKeyName": "x-theirs", "ApiKeyValue": "theirs"}},
            )
        else:
            other.create_api_destination(
                Name=params["Name"],
                ConnectionArn=params["ConnectionArn"],
                InvocationEndpoint="https://theirs.example.com/hook",
                HttpMethod="PUT",
            )
        seen.append(described(other, kind))

    return create


def described(client: Any, kind: str) -> dict[str, Any]:
    result: dict[str, Any] = getattr(client, f"describe_{kind}")(Name=NAME)
    result.pop("ResponseMetadata")
    return result


@pytest.mark.parametrize("kind", ["connection", "api_destination"])
def test_a_foreign_object_taking_the_name_meanwhile_is_refused_and_untouched(
    aws_env: dict[str, str], kind: str
) -> None:
    """Someone else creates the name between crnotify's describe and its create, so AWS answers the
    create "already exists": the object has no crnotify marker, so it is refused and left as it is."""
    provider = AwsProvider(env=SECRETS)
    other = events()
    before: list[dict[str, Any]] = []
    attempts = intercept(provider, kind, _foreign(other, kind, before), lose_reply=False)
    _, result = apply_once(provider)
    assert len(attempts) == 1  # "already exists" is not retried
    [failed] = result.failed
    assert failed.error is not None
    assert f"{NAME} exists and crnotify did not create it" in failed.error
    assert described(other, kind) == before[0]
    assert "Description" not in before[0]
    assert other.list_rules(NamePrefix="scan-to-dingtalk")["Rules"] == []
