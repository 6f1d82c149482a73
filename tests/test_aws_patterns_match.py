"""The patterns crnotify writes for ECR, run through crnotify's AWS pattern engine on ECR's sample events.

moto cannot check this: its TestEventPattern is not implemented and its matcher accepts invalid
patterns (research/aws-facts.md §3.2 items 1 and 4). The events are the samples of the ECR guide
(`ecr-eventbridge.html`, `image-scanning-enhanced.html`, research/aws-facts.md §1.2), varied per case.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from crnotify.model import (
    EventType,
    Notify,
    NotifyMethod,
    Provider,
    Registry,
    Rule,
    ScanStatus,
    Scope,
    ScopeKind,
    SecretText,
)
from crnotify.patterns import compile_pattern
from crnotify.providers.aws import mapping

REGISTRY = Registry(name="ecr", provider=Provider.AWS, region="us-east-2", account="123456789012")
NOTIFY = Notify(method=NotifyMethod.HTTPS, url=SecretText(template="https://hooks.example.com/x"))

SCAN = {
    "version": "0",
    "id": "85fc3613-e913-7fc4-a80c-a3753e4aa9ae",
    "detail-type": "ECR Image Scan",
    "source": "aws.ecr",
    "account": "123456789012",
    "time": "2019-10-29T02:36:48Z",
    "region": "us-east-2",
    "resources": ["arn:aws:ecr:us-east-2:123456789012:repository/team-a/api"],
    "detail": {
        "scan-status": "COMPLETE",
        "repository-name": "team-a/api",
        "finding-severity-counts": {"CRITICAL": 10, "MEDIUM": 9},
        "image-digest": "sha256:7f5b2640fe6fb4f46592dfd3410c4a79dac4f89e4782432e0378abcd1234",
        "image-tags": ["v1.2.0", "latest"],
    },
}
INSPECTOR = {
    "version": "0",
    "id": "739c0d3c-4f02-85c7-5a88-94a9EXAMPLE",
    "detail-type": "Inspector2 Scan",
    "source": "aws.inspector2",
    "account": "123456789012",
    "time": "2021-12-03T18:03:16Z",
    "region": "us-east-2",
    "resources": ["arn:aws:ecr:us-east-2:123456789012:repository/team-a/api"],
    "detail": {
        "scan-status": "INITIAL_SCAN_COMPLETE",
        "repository-name": "arn:aws:ecr:us-east-2:123456789012:repository/team-a/api",
        "finding-severity-counts": {"CRITICAL": 7, "HIGH": 61, "MEDIUM": 62, "TOTAL": 158},
        "image-digest": "sha256:36c7b282d4b0b2c1c1b0e1c3d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8EXAMPLE",
        "image-tags": ["v1.2.0"],
    },
}
REPLICATION = {
    "version": "0",
    "id": "c8b133b1-6029-ee73-e2a1-4f466b8ba999",
    "detail-type": "ECR Replication Action",
    "source": "aws.ecr",
    "account": "123456789012",
    "time": "2021-04-29T14:53:06Z",
    "region": "us-east-2",
    "resources": ["arn:aws:ecr:us-east-2:123456789012:repository/team-a/api"],
    "detail": {
        "result": "SUCCESS",
        "repository-name": "team-a/api",
        "image-digest": "sha256:7f5b2640fe6fb4f46592dfd3410c4a79dac4f89e4782432e0378abcd1234",
        "source-account": "210987654321",
        "image-tag": "release-7",
        "source-region": "us-west-2",
        "action-type": "REPLICATE",
    },
}
REFERRER = {
    "version": "0",
    "id": "1f7b9a5d-5d32-4c5e-b0a1-64a7d1c6e001",
    "detail-type": "ECR Referrer Action",
    "source": "aws.ecr",
    "account": "123456789012",
    "time": "2024-05-01T10:00:00Z",
    "region": "us-east-2",
    "resources": [],
    "detail": {
        "action-type": "PUSH",
        "repository-name": "team-a/api",
        "image-digest": "sha256:7f5b2640fe6fb4f46592dfd3410c4a79dac4f89e4782432e0378abcd1234",
        "image-tag": "v1.2.0",
        "result": "SUCCESS",
        "artifact-media-type": "application/vnd.cncf.notary.signature",
    },
}
PUSH = {  # "Event for a completed image push" of the ECR guide
    "version": "0",
    "id": "13cde686-328b-6117-af20-0e5566167482",
    "detail-type": "ECR Image Action",
    "source": "aws.ecr",
    "account": "123456789012",
    "time": "2019-11-16T01:54:34Z",
    "region": "us-east-2",
    "resources": [],
    "detail": {
        "result": "SUCCESS",
        "repository-name": "team-a/api",
        "image-digest": "sha256:7f5b2640fe6fb4f46592dfd3410c4a79dac4f89e4782432e0378abcd1234",
        "action-type": "PUSH",
        "image-tag": "v1.2.0",
    },
}


def rule(event_type: EventType, **fields: Any) -> Rule:
    return Rule(name="r", registry="ecr", event_type=event_type, notify=NOTIFY, **fields)


def varied(event: dict[str, Any], **detail: Any) -> dict[str, Any]:
    copied = copy.deepcopy(event)
    copied["detail"].update(detail)
    return copied


API = Scope(kind=ScopeKind.REPO, namespaces=("team-a",), repositories=("api",))
TEAM_B = Scope(kind=ScopeKind.NAMESPACE, namespaces=("team-b",))
CASES = [
    # (declared rule, event, expected)
    (rule(EventType.SCAN), SCAN, True),
    (rule(EventType.SCAN), INSPECTOR, True),
    (rule(EventType.SCAN), REPLICATION, False),
    (rule(EventType.SCAN, scope=API, tag_pattern="v.*", scan_status=(ScanStatus.COMPLETE,)), SCAN, True),
    (rule(EventType.SCAN, scope=API, tag_pattern="v.*", scan_status=(ScanStatus.COMPLETE,)), INSPECTOR, True),
    (rule(EventType.SCAN, scope=TEAM_B), SCAN, False),
    (rule(EventType.SCAN, scope=TEAM_B), INSPECTOR, False),
    (rule(EventType.SCAN, tag_pattern="latest"), SCAN, True),  # one of the image's tags
    (rule(EventType.SCAN, tag_pattern="latest"), varied(SCAN, **{"image-tags": []}), False),
    (rule(EventType.SCAN, scan_status=(ScanStatus.FAILED,)), SCAN, False),
    (rule(EventType.SCAN, scan_status=(ScanStatus.FAILED,)), varied(SCAN, **{"scan-status": "FAILED"}), True),
    (rule(EventType.SCAN, scan_status=(ScanStatus.FAILED,)), INSPECTOR, False),
    (rule(EventType.SYNCHRONIZATION), REPLICATION, True),
    (rule(EventType.SYNCHRONIZATION, tag_pattern="release-.*|latest"), REPLICATION, True),
    (rule(EventType.SYNCHRONIZATION, tag_pattern="v.*"), REPLICATION, False),
    (rule(EventType.SYNCHRONIZATION, tag_pattern="release-.*", scope=API), REPLICATION, True),
    (
        rule(EventType.SYNCHRONIZATION, tag_pattern=".*-7"),
        varied(REPLICATION, **{"repository-name": "team-a/api-v2"}),
        True,
    ),
    (rule(EventType.SYNCHRONIZATION, tag_pattern="rel.*-7"), REPLICATION, True),
    (
        rule(EventType.SYNCHRONIZATION, scope=API),
        varied(REPLICATION, **{"repository-name": "team-a/web"}),
        False,
    ),
    (rule(EventType.SIGNING, tag_pattern=r"v1\.2\.0"), REFERRER, True),
    (rule(EventType.SIGNING, tag_pattern=r"v1\.2\.0"), varied(REFERRER, **{"image-tag": "v1x2x0"}), False),
    (rule(EventType.SIGNING, scope=TEAM_B), REFERRER, False),
    (rule(EventType.PUSH), PUSH, True),
    (rule(EventType.PUSH, scope=API, tag_pattern="v.*|latest"), PUSH, True),
    (rule(EventType.PUSH, tag_pattern="latest"), PUSH, False),
    (rule(EventType.PUSH, scope=TEAM_B), PUSH, False),
    (rule(EventType.PUSH), varied(PUSH, **{"action-type": "DELETE"}), False),  # a deletion
    (rule(EventType.PUSH), varied(PUSH, result="FAILURE"), False),
    (rule(EventType.PUSH), REFERRER, False),  # a referrer push is another detail-type
    (rule(EventType.PUSH), REPLICATION, False),
    (rule(EventType.SIGNING), PUSH, False),
]


@pytest.mark.parametrize(("declared", "event", "expected"), CASES)
def test_written_patterns_are_valid_and_match_ecr_events(
    declared: Rule, event: dict[str, Any], expected: bool
) -> None:
    compiled = compile_pattern(mapping.desired_pattern(declared, REGISTRY), dialect="aws")
    assert compiled.matches(event) is expected, compiled.explain(event)
