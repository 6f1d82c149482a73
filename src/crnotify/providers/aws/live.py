"""EventBridge objects as boto3 returns them → the normalised `BusRule`. Pure.

A freshly applied rule must read back equal to `mapping.desired_bus_rule`, so every field crnotify
writes is read into the same `Param` shape, and every field it does not write (RetryPolicy,
DeadLetterConfig, HttpParameters, another target) is kept as a param too, so that an edit made
outside crnotify shows up as a difference instead of being ignored.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from crnotify import normalise
from crnotify.model import JSON, BusRule, Param, ParamForm, Target
from crnotify.providers.aws import mapping, targets

_WRITTEN_KEYS = {"Id", "Arn", "RoleArn", "Input", "InputPath", "InputTransformer"}


def parse_pattern(text: str | None) -> dict[str, JSON]:
    """A rule's EventPattern; `{}` for schedule rules and for text that is not a JSON object."""
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def own_tags(tags: Sequence[Mapping[str, str]]) -> tuple[tuple[str, str], ...]:
    """The `crnotify:*` tags of a resource, sorted; other tags belong to the user and are ignored."""
    return tuple(
        sorted((t["Key"], t["Value"]) for t in tags if str(t.get("Key", "")).startswith(mapping.TAG_PREFIX))
    )


def destination_name(arn: str) -> str | None:
    """`arn:aws:events:<region>:<account>:api-destination/<name>/<uuid>` → `<name>`."""
    resource = arn.split(":", 5)[-1]
    kind, _, rest = resource.partition("/")
    if kind != "api-destination" or not rest:
        return None
    return rest.split("/", 1)[0]


def connection_name(arn: str) -> str | None:
    """`arn:aws:events:<region>:<account>:connection/<name>/<uuid>` → `<name>`."""
    resource = arn.split(":", 5)[-1]
    kind, _, rest = resource.partition("/")
    return rest.split("/", 1)[0] if kind == "connection" and rest else None


def auth_summary(connection: Mapping[str, Any] | None) -> targets.AuthSummary:
    """What a connection shows: its API-key header and query keys from AWS, templates from our marker."""
    if connection is None:
        return targets.AuthSummary(url=None, token=None, header=None, query=(), fp=None)
    auth = connection.get("AuthParameters") or {}
    header = (auth.get("ApiKeyAuthParameters") or {}).get("ApiKeyName")
    http = auth.get("InvocationHttpParameters") or {}
    query = tuple(sorted({str(p["Key"]) for p in http.get("QueryStringParameters") or ()}))
    marker = targets.parse_description(connection.get("Description")) or {}
    return targets.AuthSummary(
        url=marker.get("url"),
        token=marker.get("token"),
        header=None if header is None else str(header),
        query=query,
        fp=marker.get("fp"),
    )


def body_param(target: Mapping[str, Any]) -> Param:
    """The message a target sends, in the same shape as `targets.body_param`."""
    transformer = target.get("InputTransformer")
    if transformer is not None:
        paths = dict(transformer.get("InputPathsMap") or {})
        return Param(
            resource_key="Body",
            form=ParamForm.TEMPLATE,
            value=json.dumps(paths, sort_keys=True, ensure_ascii=False),
            template=str(transformer.get("InputTemplate", "")),
        )
    if "Input" in target:
        return Param(resource_key="Body", form=ParamForm.CONSTANT, value=str(target["Input"]))
    if "InputPath" in target:
        return Param(resource_key="Body", form=ParamForm.JSONPATH, value=str(target["InputPath"]))
    return Param(resource_key="Body", form=ParamForm.ORIGINAL)


def target(
    aws_target: Mapping[str, Any],
    destinations: Mapping[str, Mapping[str, Any]],
    connections: Mapping[str, Mapping[str, Any]],
) -> Target:
    """One target of `list_targets_by_rule`, with its API destination and connection when it has one.

    `destinations` is keyed by API-destination ARN, `connections` by connection ARN.
    """
    arn = str(aws_target["Arn"])
    params = [body_param(aws_target)]
    if aws_target.get("RoleArn"):
        params.append(
            Param(resource_key="RoleArn", form=ParamForm.CONSTANT, value=str(aws_target["RoleArn"]))
        )
    for key in sorted(set(aws_target) - _WRITTEN_KEYS):
        value = normalise.canonical_json(aws_target[key])
        params.append(Param(resource_key=key, form=ParamForm.CONSTANT, value=value))
    destination = destinations.get(arn)
    if destination is None:
        return _target(aws_target, arn.split(":", 3)[2] if arn.count(":") >= 3 else arn, arn, params)
    rate = destination.get("InvocationRateLimitPerSecond") or targets.DEFAULT_RATE_PER_SECOND
    params += [
        auth_summary(connections.get(str(destination.get("ConnectionArn")))).to_param(),
        Param(resource_key="HttpMethod", form=ParamForm.CONSTANT, value=str(destination.get("HttpMethod"))),
        Param(resource_key="RateLimitPerSecond", form=ParamForm.CONSTANT, value=str(rate)),
    ]
    return _target(aws_target, targets.TARGET_TYPE, str(destination.get("InvocationEndpoint", "")), params)


def _target(aws_target: Mapping[str, Any], kind: str, endpoint: str, params: list[Param]) -> Target:
    return Target(
        id=str(aws_target["Id"]),
        type=kind,
        endpoint=endpoint,
        params=tuple(sorted(params, key=lambda p: p.resource_key)),
    )


def bus_rule(
    rule: Mapping[str, Any],
    aws_targets: Sequence[Mapping[str, Any]],
    tags: Sequence[Mapping[str, str]],
    destinations: Mapping[str, Mapping[str, Any]],
    connections: Mapping[str, Mapping[str, Any]],
) -> BusRule:
    """A rule of `list_rules` with its targets and tags, normalised like a desired rule."""
    normalised = BusRule(
        name=str(rule["Name"]),
        pattern=parse_pattern(rule.get("EventPattern")),
        description=str(rule.get("Description") or ""),
        enabled=rule.get("State") != "DISABLED",
        targets=tuple(
            sorted((target(t, destinations, connections) for t in aws_targets), key=lambda t: t.id)
        ),
        tags=own_tags(tags),
    )
    return normalise.bus_rule(normalised)
