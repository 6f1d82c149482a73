"""The AWS provider reads regions, and each rule's targets and tags, concurrently: same state, same calls.

Against moto's server over HTTP; the calls are recorded with boto3's own event hooks on the clients.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from crnotify.model import Provider, Registry
from crnotify.providers.aws import mapping
from crnotify.providers.aws.provider import AwsProvider
from test_aws_provider import SECRETS, Calls, scan_rule, sync_rule

EU = Registry(name="ecr-eu", provider=Provider.AWS, region="eu-west-1", account="123456789012")
US = Registry(name="ecr-us", provider=Provider.AWS, region="us-east-1", account="123456789012")


def recording(concurrency: int) -> tuple[AwsProvider, Calls]:
    provider, calls = AwsProvider(env=SECRETS, concurrency=concurrency), Calls()
    for region in (EU.region, US.region):
        provider.client(region).meta.events.register("provide-client-params.events.*", calls)
    return provider, calls


def test_concurrent_and_sequential_reads_agree_call_for_call(aws_env: dict[str, str]) -> None:
    writer = AwsProvider(env=SECRETS)
    for registry in (EU, US):
        for rule in (scan_rule(registry=registry.name), replace(sync_rule(), registry=registry.name)):
            writer.put_bus_rule(registry, mapping.desired_bus_rule(rule, registry), None)

    sequential, one_at_a_time = recording(1)
    concurrent, eight_at_once = recording(8)
    assert concurrent.read([EU, US]) == sequential.read([EU, US])
    assert Counter(eight_at_once.names()) == Counter(one_at_a_time.names())
    # Per region: the listing, each rule's targets and tags, crnotify's API destinations, and the
    # connection of each — nothing twice. (DescribeApiDestination too, only because moto's listing
    # leaves out the rate limit that AWS's includes: see AwsProvider._destinations.)
    assert Counter(eight_at_once.names()) == {
        "ListRules": 2,
        "ListTargetsByRule": 4,
        "ListTagsForResource": 4,
        "ListApiDestinations": 2,
        "DescribeApiDestination": 4,
        "DescribeConnection": 4,
    }
