"""Retries and safe-to-repeat writes of the Alibaba provider, over HTTP against the emulator through
the official SDKs. Faults are the emulator's own: seeded at a rate, or scripted for one call
(`EmulatorServer.inject`) so a test loses exactly the response it means to."""

from __future__ import annotations

import json
import logging
import random
import urllib.request
from dataclasses import replace
from typing import Any

import pytest
from alibabacloud_eventbridge20200401 import models as eb_models

from crnotify.emulator.server import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, EmulatorServer
from crnotify.errors import (
    AlreadyExists,
    AuthError,
    ConfigError,
    NotFound,
    ProviderError,
    QuotaExceeded,
    Throttled,
    TransientError,
)
from crnotify.model import BusCustomization, BusRule, Registry
from crnotify.providers import retry
from crnotify.providers.alibaba.convention import RegistrySpec, customise, default_bus_rule
from crnotify.providers.alibaba.provider import AlibabaProvider
from support.fakecloud import REGISTRY, http, rule

KEYS = (DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET)


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def policy(sleeps: Sleeps, **changes: Any) -> retry.RetryPolicy:
    return replace(retry.RetryPolicy(sleep=sleeps, rng=random.Random(7)), **changes)


def provider(server: EmulatorServer, retry_policy: retry.RetryPolicy, key: tuple[str, str] = KEYS) -> Any:
    return AlibabaProvider(endpoints={"*": server.endpoint}, access_key=key, retry=retry_policy)


def stats(server: EmulatorServer) -> dict[str, int]:
    with urllib.request.urlopen(f"http://{server.endpoint}/_emulator/stats") as response:
        counts: dict[str, int] = json.loads(response.read())
        return counts


SPEC = RegistrySpec.of(rule("scan-api"))


# --- the policy ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", ["throttle", "unavailable", "drop_before", "drop_after"])
def test_each_transient_fault_is_retried_until_the_call_succeeds(
    emulator: EmulatorServer, fault: str
) -> None:
    sleeps = Sleeps()
    cloud = provider(emulator, policy(sleeps))
    emulator.inject("ListEventCenterRuleName", fault, times=3)
    assert cloud.read([REGISTRY]).rules == ()
    assert stats(emulator)["ListEventCenterRuleName"] == 4
    assert len(sleeps) == 3


def test_backoff_is_jittered_exponential_capped_and_honours_retry_after(
    emulator: EmulatorServer, caplog: pytest.LogCaptureFixture
) -> None:
    sleeps = Sleeps()
    cloud = provider(emulator, policy(sleeps, attempts=8, initial=0.4, maximum=3.0))
    emulator.inject("ListRules", "unavailable", times=7)
    with caplog.at_level(logging.INFO, logger="crnotify.providers.retry"):
        cloud.read([REGISTRY])
    windows = [min(3.0, 0.4 * 2**n) for n in range(7)]
    assert all(0 <= wait <= window for wait, window in zip(sleeps, windows, strict=True))
    assert len(set(sleeps)) == len(sleeps)  # jittered: no two waits alike
    assert sum(sleeps) < sum(windows)
    assert "retrying in" in caplog.text
    assert "ListRules on bus default" in caplog.text

    sleeps.clear()
    emulator.inject("ListRules", "throttle", times=2)  # the emulator asks for 100 ms (x-acs-retry-after)
    provider(emulator, policy(sleeps, initial=0.001, maximum=3.0)).read([REGISTRY])
    assert len(sleeps) == 2
    assert all(wait >= 0.1 for wait in sleeps)


def test_attempts_run_out_with_the_last_error(emulator: EmulatorServer) -> None:
    sleeps = Sleeps()
    emulator.inject("ListRules", "throttle", times=4)
    with pytest.raises(Throttled) as caught:
        provider(emulator, policy(sleeps, attempts=4)).read([REGISTRY])
    assert "ListRules" in str(caught.value)
    assert caught.value.hint == (
        "still failing after 4 tries with backoff; run again later, with a lower --concurrency "
        "(CRNOTIFY_CONCURRENCY), or allow more tries with CRNOTIFY_MAX_ATTEMPTS (up to 20)"
    )
    assert stats(emulator)["ListRules"] == 4
    assert len(sleeps) == 3
    emulator.inject("ListRules", "drop_before", times=2)
    with pytest.raises(TransientError):
        provider(emulator, policy(sleeps, attempts=2)).read([REGISTRY])
    emulator.inject("ListRules", "unavailable", times=2)
    with pytest.raises(TransientError) as failing:
        provider(emulator, policy(sleeps, attempts=2)).read([REGISTRY])
    assert failing.value.hint == (
        "still failing after 2 tries with backoff; run again later, "
        "or allow more tries with CRNOTIFY_MAX_ATTEMPTS (up to 20)"
    )


def test_non_retryable_errors_fail_at_once(emulator: EmulatorServer) -> None:
    sleeps = Sleeps()
    with pytest.raises(AuthError):
        provider(emulator, policy(sleeps), key=(DEFAULT_ACCESS_KEY_ID, "wrong-secret")).read([REGISTRY])
    cloud = provider(emulator, policy(sleeps))
    bad_name = BusRule(name="no spaces allowed", pattern={"source": ["acs.cr"]}, description="", enabled=True)
    with pytest.raises(ProviderError) as caught:
        cloud.put_bus_rule(REGISTRY, bad_name, None)
    assert not caught.value.retryable
    assert stats(emulator).get("CreateRule") == 1
    with pytest.raises(NotFound):
        cloud.update_registry_rule(REGISTRY, "crecr-missing", SPEC)
    assert stats(emulator).get("UpdateEventCenterRule") == 1
    assert sleeps == []


def test_a_bad_attempts_setting_is_a_clear_error() -> None:
    assert retry.configured({"CRNOTIFY_MAX_ATTEMPTS": "1"}).attempts == 1
    assert retry.configured({}) is retry.DEFAULT
    with pytest.raises(ConfigError, match="CRNOTIFY_MAX_ATTEMPTS='0'"):
        retry.configured({"CRNOTIFY_MAX_ATTEMPTS": "0"})


# --- every write is safe to repeat after its response was lost -------------------------------------


def created(cloud: Any) -> str:
    rule_id: str = cloud.create_registry_rule(REGISTRY, SPEC)
    return rule_id


def live_ids(cloud: Any) -> dict[str, str | None]:
    return {r.name: r.rule_id for r in cloud.read([REGISTRY]).rules}


def test_create_registry_rule_whose_response_was_lost(emulator: EmulatorServer) -> None:
    cloud = provider(emulator, policy(Sleeps()))
    emulator.inject("CreateEventCenterRule", "drop_after")
    rule_id = created(cloud)
    assert stats(emulator)["CreateEventCenterRule"] == 2  # the repeat found it already there
    assert live_ids(cloud) == {"scan-api": rule_id}


def test_create_registry_rule_over_a_different_rule_of_that_name_fails(emulator: EmulatorServer) -> None:
    cloud = provider(emulator, policy(Sleeps()))
    other = RegistrySpec.of(rule("scan-api", notify=http()))
    cloud.create_registry_rule(REGISTRY, other)
    with pytest.raises(AlreadyExists):
        created(cloud)
    elsewhere = Registry(
        name="other", provider=REGISTRY.provider, region=REGISTRY.region, instance_id="cri-b"
    )
    cloud.create_registry_rule(elsewhere, RegistrySpec.of(rule("twin", registry="other")))
    with pytest.raises(AlreadyExists):  # names are unique per region: another instance's rule is not ours
        cloud.create_registry_rule(REGISTRY, RegistrySpec.of(rule("twin")))


def test_update_registry_rule_whose_response_was_lost(emulator: EmulatorServer) -> None:
    cloud = provider(emulator, policy(Sleeps()))
    rule_id = created(cloud)
    changed = RegistrySpec.of(rule("scan-api", notify=http()))
    emulator.inject("UpdateEventCenterRule", "drop_after")
    cloud.update_registry_rule(REGISTRY, rule_id, changed)
    bus = cloud.read_bus_rule(REGISTRY, "scan-api")
    assert bus == cloud.read([REGISTRY]).rules[0].bus
    assert bus.targets[0].endpoint == changed.url


def test_delete_registry_rule_whose_response_was_lost_or_already_gone(
    emulator: EmulatorServer, tmp_path: Any
) -> None:
    cloud = provider(emulator, policy(Sleeps()))
    rule_id = created(cloud)
    emulator.inject("DeleteEventCenterRule", "drop_after")
    cloud.delete_registry_rule(REGISTRY, rule_id)
    assert live_ids(cloud) == {}
    cloud.delete_registry_rule(REGISTRY, rule_id)  # already gone: nothing to do
    assert stats(emulator)["DeleteEventCenterRule"] == 3

    instances = tmp_path / "instances.yaml"
    instances.write_text("- {instance_id: cri-prod, region: cn-hangzhou}\n")
    # A rule of a missing *instance* is not "already deleted".
    with EmulatorServer(instances_file=str(instances)) as strict, pytest.raises(NotFound):
        provider(strict, policy(Sleeps())).delete_registry_rule(
            replace(REGISTRY, instance_id="cri-nowhere"), rule_id
        )


def customised() -> BusRule:
    generated = default_bus_rule(SPEC, "cri-prod")
    return customise(generated, BusCustomization(description="Release scans", enabled=False), digest="d" * 12)


def test_bus_writes_whose_responses_were_lost(emulator: EmulatorServer) -> None:
    cloud = provider(emulator, policy(Sleeps()))
    want = customised()
    emulator.inject("CreateRule", "drop_after")
    cloud.put_bus_rule(REGISTRY, want, None)
    assert cloud.read_bus_rule(REGISTRY, want.name) == want
    assert stats(emulator)["CreateRule"] == 2 + 1  # the dropped one, its retry; the ownership record

    live = cloud.read_bus_rule(REGISTRY, want.name)
    extra = replace(live.targets[0], id="second")
    second = replace(want, description="Other", enabled=True, targets=(*want.targets, extra))
    for action in ("UpdateRule", "PutTargets", "EnableRule"):
        emulator.inject(action, "drop_after")
    cloud.put_bus_rule(REGISTRY, second, live)
    assert cloud.read_bus_rule(REGISTRY, want.name) == second

    emulator.inject("DeleteTargets", "drop_after")
    emulator.inject("DisableRule", "drop_after")
    cloud.put_bus_rule(REGISTRY, want, second)  # drops target "second" and disables
    assert cloud.read_bus_rule(REGISTRY, want.name) == want

    emulator.inject("DeleteTargets", "drop_after")
    emulator.inject("DeleteRule", "drop_after")
    cloud.delete_bus_rule(REGISTRY, want.name)
    assert cloud.read_bus_rule(REGISTRY, want.name) is None
    cloud.delete_bus_rule(REGISTRY, want.name)


def test_create_bus_rule_over_a_different_rule_of_that_name_fails(
    emulator: EmulatorServer, eventbridge_client: Any
) -> None:
    eventbridge_client.create_rule(
        eb_models.CreateRuleRequest(
            event_bus_name="default", rule_name="scan-api", filter_pattern='{"source":["acs.cr"]}'
        )
    )
    cloud = provider(emulator, policy(Sleeps()))
    with pytest.raises(AlreadyExists):
        cloud.put_bus_rule(REGISTRY, customised(), None)


def test_target_errors_other_than_already_gone_still_fail(emulator: EmulatorServer) -> None:
    cloud = provider(emulator, policy(Sleeps()))
    want = customised()
    cloud.put_bus_rule(REGISTRY, want, None)
    six = tuple(replace(want.targets[0], id=f"t{n}") for n in range(6))
    with pytest.raises(QuotaExceeded):  # a PutTargets error entry is not swallowed
        cloud.put_bus_rule(REGISTRY, replace(want, targets=six), want)
