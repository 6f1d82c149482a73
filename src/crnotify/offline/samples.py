"""Event generators: the five ACR artifact events (CloudEvents) and the ECR events of Amazon EventBridge.

ACR events follow the one full sample Alibaba Cloud publishes, `cr:Artifact:BuildCompleted`
(research/acr-events.md §2.1, https://www.alibabacloud.com/help/en/eventbridge/user-guide/container-registry-events):
a CloudEvents envelope with `source: acs.cr`, `time` at +08:00, `aliyun*` extensions, and PascalCase
`data`. The `data` field names come from the ACR convention (COMMON_FIELDS + TYPE_FIELDS), the same
names the default message template binds, so a generated event always renders.

Only BuildCompleted is a real sample. ScanCompleted's field list is documented (acr-events.md §2.2);
the **SynchronizationCompleted, DeliveryChainCompleted and SigningCompleted events are synthetic**: the
common fields plus a per-type status field whose name and values Alibaba Cloud does not document.

ECR events follow the samples of the ECR user guide (research/aws-facts.md §1.2).
"""

from __future__ import annotations

import hashlib
import random
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from crnotify.model import EventType

ACR_SOURCE = "acs.cr"
ACR_BUS = "default"
CHINA_TIME = timezone(timedelta(hours=8))  # the sample's `time` offset; ImageUpdate is local time too

# Status values per type. Scan and build values are documented; the others are [inferred] from the
# trigger conditions in the ACR docs ("succeeds, fails, is canceled or is denied").
STATUS_FIELD: Mapping[EventType, str] = {
    EventType.SCAN: "Status",
    EventType.BUILD: "BuildStatus",
    EventType.SYNCHRONIZATION: "SyncStatus",
    EventType.DELIVERY_CHAIN: "DeliveryChainStatus",
    EventType.SIGNING: "SigningStatus",
}
STATUS_VALUES: Mapping[EventType, tuple[str, ...]] = {
    EventType.SCAN: ("COMPLETE", "FAILED"),
    EventType.BUILD: ("SUCCESS", "FAILED", "CANCELED"),
    EventType.SYNCHRONIZATION: ("SUCCESS", "FAILED", "CANCELED"),
    EventType.DELIVERY_CHAIN: ("SUCCESS", "FAILED", "CANCELED", "DENIED"),
    EventType.SIGNING: ("SUCCESS", "FAILED"),
}
SEVERITIES = ("HighSeverity", "MediumSeverity", "LowSeverity", "UnknownSeverity")

Event = dict[str, Any]


def new_event_id(rng: random.Random | None = None) -> str:
    """A UUID; deterministic when given a seeded `rng`."""
    if rng is None:
        return str(uuid.uuid4())
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _short_id(prefix: str, *parts: str) -> str:
    digest = hashlib.sha256("/".join(parts).encode()).hexdigest()
    return f"{prefix}-{digest[:16]}"


def acr_event(
    event_type: EventType,
    *,
    instance_id: str,
    namespace: str,
    repository: str,
    tag: str,
    status: str | None = None,
    at: float,
    region: str = "cn-hangzhou",
    account_id: str = "1234567890123456",
    instance_name: str | None = None,
    event_id: str | None = None,
    rng: random.Random | None = None,
    severities: Mapping[str, int] | None = None,
    build_type: str = "AUTO_BUILD",
) -> Event:
    """One ACR artifact event as EventBridge delivers it on the bus `default`.

    `at` is the event time in seconds since the epoch (use the emulator clock). `status` defaults to
    the first of STATUS_VALUES[event_type]. `severities` (scan only) maps HighSeverity/MediumSeverity/
    LowSeverity/UnknownSeverity to counts; TotalSeverity is their sum.
    """
    if event_type not in STATUS_VALUES:
        raise ValueError(
            f"{event_type.value}: no ACR event rule can select it and no sample of it is published "
            "(research/acr-events.md §1); generate ECR events for push on aws"
        )
    status = STATUS_VALUES[event_type][0] if status is None else status
    moment = datetime.fromtimestamp(at, CHINA_TIME)
    repo_id = _short_id("crr", instance_id, namespace, repository)
    data: dict[str, Any] = {
        "RegionId": region,
        "InstanceId": instance_id,
        "InstanceName": instance_name or instance_id,
        "RepoNamespaceName": namespace,
        "RepoName": repository,
        "RepoId": repo_id,
        "Tag": tag,
        "ImageUpdate": moment.strftime("%Y-%m-%d %H:%M:%S"),
    }
    data.update(_type_data(event_type, status, severities or {}, build_type))
    return {
        "id": event_id or new_event_id(rng),
        "source": ACR_SOURCE,
        "specversion": "1.0",
        "subject": f"{ACR_SOURCE}:{region}:{account_id}:{repo_id}",
        "time": moment.isoformat(timespec="seconds"),
        "type": event_type.value,
        "aliyunaccountid": account_id,
        "aliyunpublishtime": _utc(at),
        "aliyuneventbusname": ACR_BUS,
        "aliyunregionid": region,
        "aliyunpublishaddr": "127.0.0.1",
        "data": data,
    }


def _type_data(
    event_type: EventType, status: str, severities: Mapping[str, int], build_type: str
) -> dict[str, Any]:
    if event_type is EventType.SCAN:
        unknown = set(severities) - set(SEVERITIES)
        if unknown:
            raise ValueError(f"unknown severity field(s) {sorted(unknown)}; expected {SEVERITIES}")
        counts = {name: int(severities.get(name, 0)) for name in SEVERITIES}
        return {"Status": status, **counts, "TotalSeverity": sum(counts.values())}
    if event_type is EventType.BUILD:
        return {"RepoBuildType": build_type, "BuildStatus": status}
    return {STATUS_FIELD[event_type]: status}


def _utc(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- Amazon ECR (source aws.ecr) and Amazon Inspector (aws.inspector2) -------------------------------


def _aws_envelope(
    *,
    detail_type: str,
    source: str,
    account: str,
    region: str,
    at: float,
    resources: list[str],
    detail: dict[str, Any],
    event_id: str | None,
    rng: random.Random | None,
) -> Event:
    return {
        "version": "0",
        "id": event_id or new_event_id(rng),
        "detail-type": detail_type,
        "source": source,
        "account": account,
        "time": _utc(at),
        "region": region,
        "resources": resources,
        "detail": detail,
    }


def repository_arn(account: str, region: str, repository: str) -> str:
    return f"arn:aws:ecr:{region}:{account}:repository/{repository}"


def image_digest(repository: str, tag: str) -> str:
    """A stable fake digest, so the same image always has the same digest across generated events."""
    return "sha256:" + hashlib.sha256(f"{repository}:{tag}".encode()).hexdigest()


def ecr_image_action(
    *,
    repository: str,
    tag: str,
    action: str = "PUSH",
    result: str = "SUCCESS",
    digest: str | None = None,
    at: float,
    account: str = "123456789012",
    region: str = "us-east-1",
    event_id: str | None = None,
    rng: random.Random | None = None,
) -> Event:
    """`ECR Image Action` (PUSH or DELETE): `image-tag` is a string and `resources` is empty."""
    if action not in ("PUSH", "DELETE"):
        raise ValueError(f"action must be PUSH or DELETE, not {action!r}")
    detail = {
        "result": result,
        "repository-name": repository,
        "image-digest": digest or image_digest(repository, tag),
        "action-type": action,
        "image-tag": tag,
    }
    return _aws_envelope(
        detail_type="ECR Image Action",
        source="aws.ecr",
        account=account,
        region=region,
        at=at,
        resources=[],
        detail=detail,
        event_id=event_id,
        rng=rng,
    )


def _severity_counts(counts: Mapping[str, int], *, total: bool) -> dict[str, int]:
    """Only non-zero levels appear (absent means zero); Inspector adds TOTAL."""
    present = {level: int(n) for level, n in counts.items() if int(n) != 0}
    if total:
        present["TOTAL"] = sum(present.values())
    return present


def ecr_image_scan(
    *,
    repository: str,
    tags: tuple[str, ...],
    severity_counts: Mapping[str, int] | None = None,
    status: str = "COMPLETE",
    digest: str | None = None,
    at: float,
    account: str = "123456789012",
    region: str = "us-east-1",
    event_id: str | None = None,
    rng: random.Random | None = None,
) -> Event:
    """`ECR Image Scan` (basic scanning): `image-tags` is an array."""
    detail = {
        "scan-status": status,
        "repository-name": repository,
        "finding-severity-counts": _severity_counts(severity_counts or {}, total=False),
        "image-digest": digest or image_digest(repository, tags[0] if tags else ""),
        "image-tags": list(tags),
    }
    return _aws_envelope(
        detail_type="ECR Image Scan",
        source="aws.ecr",
        account=account,
        region=region,
        at=at,
        resources=[repository_arn(account, region, repository)],
        detail=detail,
        event_id=event_id,
        rng=rng,
    )


def ecr_replication_action(
    *,
    repository: str,
    tag: str,
    source_account: str,
    source_region: str,
    result: str = "SUCCESS",
    digest: str | None = None,
    at: float,
    account: str = "123456789012",
    region: str = "us-east-1",
    event_id: str | None = None,
    rng: random.Random | None = None,
) -> Event:
    """`ECR Replication Action`, as seen in the destination account and region."""
    detail = {
        "result": result,
        "repository-name": repository,
        "image-digest": digest or image_digest(repository, tag),
        "source-account": source_account,
        "action-type": "REPLICATE",
        "source-region": source_region,
        "image-tag": tag,
    }
    return _aws_envelope(
        detail_type="ECR Replication Action",
        source="aws.ecr",
        account=account,
        region=region,
        at=at,
        resources=[repository_arn(account, region, repository)],
        detail=detail,
        event_id=event_id,
        rng=rng,
    )


def inspector2_scan(
    *,
    repository: str,
    tags: tuple[str, ...],
    severity_counts: Mapping[str, int] | None = None,
    status: str = "INITIAL_SCAN_COMPLETE",
    digest: str | None = None,
    at: float,
    account: str = "123456789012",
    region: str = "us-east-1",
    event_id: str | None = None,
    rng: random.Random | None = None,
) -> Event:
    """`Inspector2 Scan` (enhanced scanning). As in the documented sample, `repository-name` holds the
    repository ARN, not the bare name, and the counts include `TOTAL`."""
    arn = repository_arn(account, region, repository)
    detail = {
        "scan-status": status,
        "repository-name": arn,
        "finding-severity-counts": _severity_counts(severity_counts or {}, total=True),
        "image-digest": digest or image_digest(repository, tags[0] if tags else ""),
        "image-tags": list(tags),
    }
    return _aws_envelope(
        detail_type="Inspector2 Scan",
        source="aws.inspector2",
        account=account,
        region=region,
        at=at,
        resources=[arn],
        detail=detail,
        event_id=event_id,
        rng=rng,
    )
