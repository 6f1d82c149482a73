"""Generated ACR and ECR events have the documented shapes."""

from __future__ import annotations

import random
from datetime import datetime

import pytest

from crnotify.model import EventType, NotifyMethod, ScanStatus, Scope, ScopeKind
from crnotify.offline import samples as events
from crnotify.providers.alibaba.convention import COMMON_FIELDS, TYPE_FIELDS, RegistrySpec, default_pattern

AT = 1_605_791_081.0  # 2020-11-19T21:04:41+08:00, the time of Alibaba's BuildCompleted sample


def test_build_event_has_the_shape_of_alibabas_sample() -> None:
    event = events.acr_event(
        EventType.BUILD,
        instance_id="cri-4jga79lyszik0000",
        instance_name="sirong-tongbu-hangzhou",
        namespace="scan",
        repository="mix-vuls",
        tag="mix-vuls",
        at=AT,
        event_id="45ef4dewdwe1-7c35-447a-bd93-fab0000",
    )
    sample_keys = [
        "id", "source", "specversion", "subject", "time", "type", "aliyunaccountid", "aliyunpublishtime",
        "aliyuneventbusname", "aliyunregionid", "aliyunpublishaddr", "data",
    ]  # fmt: skip
    assert list(event) == sample_keys
    assert event["time"] == "2020-11-19T21:04:41+08:00"
    assert event["aliyunpublishtime"] == "2020-11-19T13:04:41Z"
    assert (event["id"], event["source"], event["specversion"]) == (
        "45ef4dewdwe1-7c35-447a-bd93-fab0000",
        "acs.cr",
        "1.0",
    )
    assert (event["type"], event["aliyunregionid"]) == ("cr:Artifact:BuildCompleted", "cn-hangzhou")
    assert event["aliyuneventbusname"] == "default"
    assert event["aliyunaccountid"].isdigit()
    assert event["subject"].startswith("acs.cr:cn-hangzhou:")
    data = event["data"]
    assert set(data) == {*COMMON_FIELDS, "RepoBuildType", "BuildStatus"}
    assert data["ImageUpdate"] == "2020-11-19 21:04:41"
    assert (data["RepoBuildType"], data["BuildStatus"]) == ("AUTO_BUILD", "SUCCESS")
    assert data["RepoId"].startswith("crr-")


@pytest.mark.parametrize("event_type", EventType.acr_rule_types())
def test_every_type_carries_the_convention_fields_and_its_status(event_type: EventType) -> None:
    for status in events.STATUS_VALUES[event_type]:
        event = events.acr_event(
            event_type, instance_id="cri-1", namespace="ns", repository="repo", tag="v1", status=status, at=AT
        )
        assert tuple(event["data"]) == COMMON_FIELDS + TYPE_FIELDS[event_type]
        assert event["data"][events.STATUS_FIELD[event_type]] == status
        assert event["type"] == event_type.value
        datetime.fromisoformat(event["time"])


def test_scan_severities_add_up_and_unknown_levels_are_rejected() -> None:
    event = events.acr_event(
        EventType.SCAN,
        instance_id="cri-1",
        namespace="ns",
        repository="repo",
        tag="v1",
        status="FAILED",
        at=AT,
        severities={"HighSeverity": 2, "LowSeverity": 5},
    )
    assert event["data"]["TotalSeverity"] == 7
    assert event["data"]["MediumSeverity"] == 0
    with pytest.raises(ValueError, match="CriticalSeverity"):
        events.acr_event(
            EventType.SCAN, instance_id="c", namespace="n", repository="r", tag="t", at=AT,
            severities={"CriticalSeverity": 1},
        )  # fmt: skip


def test_generated_events_match_acrs_default_pattern_fields() -> None:
    spec = RegistrySpec(
        rule_name="r",
        event_type=EventType.SCAN,
        scope=Scope(kind=ScopeKind.REPO, namespaces=("ns",), repositories=("repo",)),
        tag_pattern=".*",
        method=NotifyMethod.HTTP,
        url="http://127.0.0.1/",
        scan_status=(ScanStatus.COMPLETE,),
    )
    pattern = default_pattern(spec, "cri-1")
    event = events.acr_event(
        EventType.SCAN, instance_id="cri-1", namespace="ns", repository="repo", tag="v", at=AT
    )
    assert event["source"] in pattern["source"]  # type: ignore[operator]
    for key, allowed in pattern["data"].items():  # type: ignore[attr-defined]
        assert event["data"][key] in allowed


def test_seeded_ids_are_reproducible() -> None:
    a = events.acr_event(EventType.SIGNING, instance_id="c", namespace="n", repository="r", tag="t", at=AT,
                         rng=random.Random(7))  # fmt: skip
    b = events.acr_event(EventType.SIGNING, instance_id="c", namespace="n", repository="r", tag="t", at=AT,
                         rng=random.Random(7))  # fmt: skip
    assert a["id"] == b["id"]
    assert events.new_event_id() != events.new_event_id()


def test_ecr_events_follow_the_ecr_guide_samples() -> None:
    push = events.ecr_image_action(repository="team-a/api", tag="v1", at=1_573_869_274)
    assert (push["source"], push["detail-type"], push["time"]) == (
        "aws.ecr",
        "ECR Image Action",
        "2019-11-16T01:54:34Z",
    )
    assert push["resources"] == []
    assert push["detail"]["image-tag"] == "v1"
    assert push["detail"]["image-digest"].startswith("sha256:")
    deleted = events.ecr_image_action(repository="team-a/api", tag="v1", action="DELETE", at=0)
    assert deleted["detail"]["action-type"] == "DELETE"
    with pytest.raises(ValueError, match="PUSH or DELETE"):
        events.ecr_image_action(repository="r", tag="t", action="PULL", at=0)

    scan = events.ecr_image_scan(
        repository="api", tags=("v1",), severity_counts={"CRITICAL": 10, "HIGH": 0}, at=0
    )
    assert scan["detail"]["finding-severity-counts"] == {"CRITICAL": 10}
    assert scan["detail"]["image-tags"] == ["v1"]
    assert scan["resources"] == ["arn:aws:ecr:us-east-1:123456789012:repository/api"]

    replication = events.ecr_replication_action(
        repository="api", tag="v1", source_account="111122223333", source_region="eu-west-1", at=0
    )
    assert replication["detail"]["action-type"] == "REPLICATE"
    assert replication["detail"]["source-region"] == "eu-west-1"

    inspector = events.inspector2_scan(
        repository="api", tags=("v1",), severity_counts={"CRITICAL": 7, "HIGH": 61}, at=0
    )
    assert inspector["source"] == "aws.inspector2"
    assert inspector["detail"]["repository-name"] == inspector["resources"][0]
    assert inspector["detail"]["finding-severity-counts"] == {"CRITICAL": 7, "HIGH": 61, "TOTAL": 68}


def test_push_completed_is_not_generated_for_acr() -> None:
    with pytest.raises(ValueError, match="no ACR event rule can select it"):
        events.acr_event(EventType.PUSH, instance_id="c", namespace="n", repository="r", tag="t", at=AT)
