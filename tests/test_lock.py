"""The apply lock (`crnotify.lock`): leases on the emulator's default bus, through the official SDKs.

Races are staged with `Interleaving`, a lease store that runs a competing acquisition at the worst
moment — between our read and our create — against the same real emulator.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from alibabacloud_eventbridge20200401 import models as eb_models

from crnotify import lock
from crnotify.apply import StepStatus, apply, read_live
from crnotify.emulator.server import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, EmulatorServer
from crnotify.errors import ConcurrentApplyError
from crnotify.model import Config, Registry
from crnotify.model import Provider as ProviderKind
from crnotify.planner import plan
from crnotify.providers.alibaba.provider import LEASE_ENDPOINT, AlibabaProvider
from support.fakecloud import REGISTRY, rule

KEYS = (DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET)
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SCOPE = "cri-prod"


class Clock:
    def __init__(self, at: datetime = T0) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def cloud(emulator: EmulatorServer) -> AlibabaProvider:
    return AlibabaProvider(endpoints={"*": emulator.endpoint}, access_key=KEYS)


def leases(cloud: AlibabaProvider) -> dict[str, lock.Lease]:
    records = cloud.list_leases(REGISTRY, lock.PREFIX)
    parsed = (lock.parse(record, SCOPE) for record in records)
    return {lease.name: lease for lease in parsed if lease is not None}


def taken(
    cloud: Any, holder: str, clock: Clock | None = None, registry: Registry = REGISTRY
) -> lock.ApplyLock:
    held = lock.ApplyLock(cloud, [registry], holder=holder, now=clock or Clock())
    return held.__enter__()  # and never exited: a process that was killed


def test_take_and_release_leave_one_released_lease(cloud: AlibabaProvider) -> None:
    with lock.ApplyLock(cloud, [REGISTRY], holder="alice@ci pid 1", now=Clock()):
        (held,) = leases(cloud).values()
        assert (held.name, held.state, held.holder) == (
            "crnotify-lock-cri-prod-000001",
            "held",
            "alice@ci pid 1",
        )
        assert held.until == T0 + lock.DEFAULT_TTL
    (released,) = leases(cloud).values()
    assert released.state == "released"
    with lock.ApplyLock(cloud, [REGISTRY], holder="bob", now=Clock()):
        assert [(lease.name, lease.state) for lease in leases(cloud).values()] == [
            ("crnotify-lock-cri-prod-000002", "held")
        ]
    assert [lease.generation for lease in leases(cloud).values()] == [2]
    bus = cloud.read_bus_rule(REGISTRY, "crnotify-lock-cri-prod-000002")
    assert bus is not None
    # One inert target (CreateRule may require one: variant lock-rule-targets), never pushed to.
    assert (bus.enabled, dict(bus.pattern)) == (False, {"source": ["crnotify.lock"]})
    assert [t.endpoint for t in bus.targets] == [LEASE_ENDPOINT]
    assert read_live(Config(registries=(REGISTRY,)), cloud).rules == ()  # never mistaken for a rule


def test_a_held_lock_stops_the_second_apply_with_who_and_since(cloud: AlibabaProvider) -> None:
    taken(cloud, "alice@ci-7 pid 4242")
    with pytest.raises(ConcurrentApplyError) as caught:
        taken(cloud, "bob", Clock(T0 + timedelta(minutes=5)))
    assert caught.value.message == (
        "another crnotify apply holds the lock of registry prod; retry later:\n"
        "  registry prod: lease crnotify-lock-cri-prod-000001 held by alice@ci-7 pid 4242 since "
        "2026-03-01T12:00:00Z, until 2026-03-01T12:15:00Z "
        "(the EventBridge rule crnotify-lock-cri-prod-000001 on the default bus in cn-hangzhou)"
    )
    assert "`crnotify unlock crnotify-lock-cri-prod-000001 --holder 'alice@ci-7 pid 4242'`" in (
        caught.value.hint or ""
    )
    assert list(leases(cloud)) == ["crnotify-lock-cri-prod-000001"]


def test_an_expired_lease_is_taken_over(cloud: AlibabaProvider) -> None:
    taken(cloud, "killed")
    later = Clock(T0 + lock.DEFAULT_TTL + timedelta(seconds=1))
    with lock.ApplyLock(cloud, [REGISTRY], holder="next", now=later):
        assert [(lease.generation, lease.holder) for lease in leases(cloud).values()] == [(2, "next")]


def test_a_lease_crnotify_did_not_write_blocks_with_a_hint(
    cloud: AlibabaProvider, eventbridge_client: Any
) -> None:
    eventbridge_client.create_rule(
        eb_models.CreateRuleRequest(
            event_bus_name="default",
            rule_name="crnotify-lock-cri-prod-000001",
            filter_pattern='{"source":["x"]}',
            description="made by hand",
        )
    )
    with pytest.raises(ConcurrentApplyError, match="held by an object crnotify did not write") as caught:
        taken(cloud, "me")
    assert "delete crnotify-lock-cri-prod-000001 by hand" in str(caught.value)


def test_the_create_is_the_compare_and_swap(cloud: AlibabaProvider) -> None:
    """Two applies read the same state; both try generation 1; only one gets it."""

    class Interleaving:
        def __init__(self, inner: AlibabaProvider, competitor: Callable[[], None]) -> None:
            self.inner, self.competitor = inner, competitor

        def __getattr__(self, name: str) -> Any:
            return getattr(self.inner, name)

        def create_lease(self, registry: Any, name: str, description: str) -> None:
            competitor, self.competitor = self.competitor, lambda: None
            competitor()
            self.inner.create_lease(registry, name, description)

    store = Interleaving(cloud, lambda: taken(cloud, "fast"))
    assert isinstance(store, lock.LeaseStore)
    with pytest.raises(ConcurrentApplyError, match="holder fast"):
        taken(store, "slow")
    assert [(lease.generation, lease.holder) for lease in leases(cloud).values()] == [(1, "fast")]

    # The slower reader saw generation 1 released; meanwhile others took 2, released it, and took 3
    # (removing 2). Creating 2 now succeeds — and the listing after it shows 3 above: the slow one
    # removes its lease and stops.
    for lease in leases(cloud).values():
        cloud.update_lease(REGISTRY, lease.name, lock.describe(replace(lease, state="released")))

    def two_more() -> None:
        with lock.ApplyLock(cloud, [REGISTRY], holder="second", now=Clock()):
            pass
        taken(cloud, "third")

    with pytest.raises(ConcurrentApplyError, match="holder third"):
        taken(Interleaving(cloud, two_more), "slow")
    assert [(lease.generation, lease.holder) for lease in leases(cloud).values()] == [(3, "third")]


def test_a_lost_create_response_is_still_our_lease(emulator: EmulatorServer, cloud: AlibabaProvider) -> None:
    emulator.inject("CreateRule", "drop_after")
    with lock.ApplyLock(cloud, [REGISTRY], holder="me", now=Clock()):
        assert [lease.holder for lease in leases(cloud).values()] == ["me"]
    emulator.inject("CreateRule", "drop_after")  # made, but never heard back: released all the same
    emulator.inject("CreateRule", "drop_before", times=10)
    with pytest.raises(Exception, match="could not reach"):
        taken(cloud, "me again")
    assert [(lease.holder, lease.state) for lease in leases(cloud).values()] == [
        ("me", "released"),
        ("me again", "released"),  # the next apply removes the older one
    ]


def test_every_registry_or_none(cloud: AlibabaProvider) -> None:
    other = replace(REGISTRY, name="other", instance_id="cri-zzz")  # taken after cri-prod
    held = lock.ApplyLock(cloud, [other], holder="them", now=Clock()).__enter__()
    with pytest.raises(ConcurrentApplyError, match="registry other"):
        lock.ApplyLock(cloud, [REGISTRY, other], now=Clock()).__enter__()
    assert leases(cloud)["crnotify-lock-cri-prod-000001"].state == "released"  # given back
    held.release()


def test_apply_stops_writing_when_its_lease_has_expired(cloud: AlibabaProvider) -> None:
    cfg = Config(registries=(REGISTRY,), rules=(rule("one"), rule("two")))
    clock = Clock()
    with lock.ApplyLock(cloud, [REGISTRY], now=clock) as held:
        steps: list[Any] = []

        def expire_after_first(step: Any) -> None:
            steps.append(step)
            clock.at = T0 + lock.DEFAULT_TTL

        result = apply(
            plan(cfg, read_live(cfg, cloud)),
            cloud,
            cfg,
            on_step=expire_after_first,
            guard=held.check,
            concurrency=1,
        )
    assert [s.status for s in result.steps] == [StepStatus.APPLIED] + [StepStatus.SKIPPED] * 3
    assert "the apply lock for registry prod expired" in (result.steps[1].error or "")
    assert not result.converged


# --- AWS: leases are custom event buses (moto's server over HTTP, boto3 unmodified) ----------------

AWS_REGISTRY = Registry(
    name="ecr-prod", provider=ProviderKind.AWS, region="eu-west-1", account="123456789012"
)
AWS_SCOPE = "123456789012"


def aws_leases(store: Any) -> list[lock.Lease]:
    parsed = (lock.parse(r, AWS_SCOPE) for r in store.list_leases(AWS_REGISTRY, lock.PREFIX))
    return [lease for lease in parsed if lease is not None]


def test_aws_lock_is_a_lease_bus_taken_released_and_contended(aws_env: dict[str, str]) -> None:
    from crnotify.providers.aws.provider import AwsProvider  # noqa: PLC0415

    aws = AwsProvider(env=aws_env)
    with lock.ApplyLock(aws, [AWS_REGISTRY], holder="alice", now=Clock()):
        assert [(x.name, x.state, x.holder) for x in aws_leases(aws)] == [
            ("crnotify-lock-123456789012-000001", "held", "alice")
        ]
        with pytest.raises(ConcurrentApplyError) as caught:
            taken(AwsProvider(env=aws_env), "bob", registry=AWS_REGISTRY)  # another process's clients
        assert "registry ecr-prod: lease crnotify-lock-123456789012-000001 held by alice since " in str(
            caught.value
        )
        assert "the EventBridge event bus crnotify-lock-123456789012-000001 in eu-west-1" in str(caught.value)
    assert [x.state for x in aws_leases(aws)] == ["released"]
    with lock.ApplyLock(aws, [AWS_REGISTRY], holder="carol", now=Clock()):
        pass
    assert [(x.generation, x.holder, x.state) for x in aws_leases(aws)] == [(2, "carol", "released")]

    taken(aws, "killed", registry=AWS_REGISTRY)
    later = Clock(T0 + lock.DEFAULT_TTL + timedelta(minutes=1))
    with lock.ApplyLock(aws, [AWS_REGISTRY], holder="next", now=later):
        assert [(x.generation, x.holder) for x in aws_leases(aws)] == [(4, "next")]
    buses = boto3.client("events", region_name="eu-west-1").list_event_buses()["EventBuses"]
    assert sorted(b["Name"] for b in buses) == ["crnotify-lock-123456789012-000004", "default"]


def test_one_lock_over_both_clouds(aws_env: dict[str, str], cloud: AlibabaProvider) -> None:
    from crnotify.providers.aws.provider import AwsProvider  # noqa: PLC0415
    from crnotify.providers.by_kind import ByRegistryKind  # noqa: PLC0415

    both = ByRegistryKind({ProviderKind.ALIBABA: cloud, ProviderKind.AWS: AwsProvider(env=aws_env)})
    with lock.hold(both, [REGISTRY, AWS_REGISTRY]) as check:
        check()
        assert [x.state for x in leases(cloud).values()] == ["held"]
        assert [x.state for x in aws_leases(both)] == ["held"]
    assert [x.state for x in leases(cloud).values()] == ["released"]
    assert [x.state for x in aws_leases(both)] == ["released"]
