"""Region ids are checked (issue 16 item 6): an unknown one is a located CRN225 with did-you-mean.

The lists live once per cloud (`providers/<cloud>/limits.py: REGIONS`) and are asked through
`Cloud.known_regions()`. AWS's is checked against the EventBridge regions botocore's endpoint data
knows, so that a region AWS opens is noticed when botocore is upgraded.
"""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest

from crnotify.config import load
from crnotify.model import Provider
from crnotify.providers import cloud
from crnotify.providers.alibaba import limits as alibaba_limits

EXAMPLES = Path(__file__).parent.parent / "examples"


def registry(tmp_path: Path, provider: str, region: str) -> Path:
    config = tmp_path / "registries.yaml"
    identity = "instance_id: cri-abc" if provider == "alibaba" else "account: '123456789012'"
    config.write_text(
        "version: 1\nregistries:\n"
        f"  - name: the-registry\n    provider: {provider}\n    region: {region}\n    {identity}\n"
    )
    return config


def test_a_misspelt_region_is_a_located_error_naming_the_region_meant(tmp_path: Path) -> None:
    config = registry(tmp_path, "alibaba", "cn-hangzou")
    result = load([str(config)])
    assert result.config is None
    [problem] = [d for d in result.diagnostics if d.is_error]
    assert problem.code == "CRN225"
    assert problem.location == f"{config}:5:13"
    assert "'cn-hangzou' is not a region of Alibaba Cloud" in problem.message
    assert problem.hint == "did you mean 'cn-hangzhou'?"


@pytest.mark.parametrize(
    ("provider", "region", "hint"),
    [
        ("aws", "us-eastt-2", "did you mean 'us-east-2'?"),
        ("aws", "cn-hangzhou", "'cn-hangzhou' is a region of Alibaba Cloud: is `provider: aws` right?"),
        ("alibaba", "us-east-2", "'us-east-2' is a region of AWS: is `provider: alibaba` right?"),
    ],
)
def test_each_cloud_checks_its_own_regions(tmp_path: Path, provider: str, region: str, hint: str) -> None:
    result = load([str(registry(tmp_path, provider, region))])
    [problem] = [d for d in result.diagnostics if d.is_error]
    assert (problem.code, problem.hint) == ("CRN225", hint)


def test_a_region_nothing_resembles_lists_the_cloud_s_regions(tmp_path: Path) -> None:
    [problem] = list(load([str(registry(tmp_path, "alibaba", "xx-nowhere-9"))]).diagnostics)
    assert problem.code == "CRN225"
    assert problem.hint is not None
    assert problem.hint.startswith("Alibaba Cloud regions: ap-northeast-1, ")
    assert "cn-hangzhou" in problem.hint


def test_known_regions_validate_and_unavailable_ones_keep_their_own_error(tmp_path: Path) -> None:
    for region in ("cn-hangzhou", "ap-southeast-1", "eu-central-1"):
        assert load([str(registry(tmp_path, "alibaba", region))]).config is not None
    for region in ("us-east-1", "eu-west-1", "cn-north-1", "us-gov-west-1"):
        assert load([str(registry(tmp_path, "aws", region))]).config is not None
    assert set(alibaba_limits.UNAVAILABLE_REGIONS) <= cloud(Provider.ALIBABA).known_regions()
    codes = [d.code for d in load([str(registry(tmp_path, "alibaba", "eu-west-1"))]).diagnostics]
    assert codes == ["CRN204"]


def test_the_aws_list_has_every_eventbridge_region_botocore_knows() -> None:
    session = boto3.session.Session()
    served = {
        region
        for partition in ("aws", "aws-cn", "aws-us-gov")
        for region in session.get_available_regions("events", partition_name=partition)
    }
    assert served <= cloud(Provider.AWS).known_regions(), sorted(served - cloud(Provider.AWS).known_regions())


def test_the_examples_still_validate() -> None:
    result = load([str(EXAMPLES)])
    assert result.config is not None, [d.message for d in result.diagnostics if d.is_error]
