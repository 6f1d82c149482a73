"""The fewest API calls, made concurrently within the bound: counted by the emulator, per action.

Three registries in two regions, one emulator per region on one state file (as `--local` runs), the
official SDKs over HTTP. The emulator's request counter (`GET /_emulator/stats`) and its in-flight
high-water mark (`GET /_emulator/concurrency`) are the witnesses.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_eventbridge20200401 import models as eb_models

from crnotify.apply import StepStatus, apply, read_live
from crnotify.emulator.server import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, EmulatorServer
from crnotify.model import Config, Provider, Registry
from crnotify.planner import Action, plan
from crnotify.providers.alibaba.provider import AlibabaProvider
from support.fakecloud import http, rule

KEYS = (DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET)
HZ, SH = "cn-hangzhou", "cn-shanghai"
REGISTRIES = (
    Registry(name="hz-a", provider=Provider.ALIBABA, region=HZ, instance_id="cri-hza"),
    Registry(name="hz-b", provider=Provider.ALIBABA, region=HZ, instance_id="cri-hzb"),
    Registry(name="sh", provider=Provider.ALIBABA, region=SH, instance_id="cri-sh"),
)
# Rule names are unique per region: an ACR rule's bus rule is named after it, on the region's bus.
RULES = {"hz-a": ("a1", "a2", "a3"), "hz-b": ("b1", "b2"), "sh": ("s1", "s2", "s3", "s4")}


def config() -> Config:
    rules = [
        rule(name, registry=registry, notify=http()) for registry, names in RULES.items() for name in names
    ]
    return Config(registries=REGISTRIES, rules=tuple(rules))


@pytest.fixture
def regions(tmp_path: Path) -> Iterator[dict[str, EmulatorServer]]:
    state = str(tmp_path / "state.sqlite3")
    servers = {region: EmulatorServer(state_path=state, region=region).start() for region in (HZ, SH)}
    try:
        yield servers
    finally:
        for server in servers.values():
            server.stop()


def provider_for(servers: dict[str, EmulatorServer], concurrency: int) -> AlibabaProvider:
    endpoints = {region: server.endpoint for region, server in servers.items()}
    return AlibabaProvider(endpoints=endpoints, access_key=KEYS, concurrency=concurrency)


def admin(server: EmulatorServer, what: str) -> dict[str, int]:
    with urllib.request.urlopen(f"{server.url}/_emulator/{what}", timeout=10) as response:
        answer: dict[str, int] = json.loads(response.read())
        return answer


def reset(*servers: EmulatorServer) -> None:
    for server in servers:
        request = urllib.request.Request(f"{server.url}/_emulator/reset-stats", method="POST")
        urllib.request.urlopen(request, timeout=10).read()


def converge(cfg: Config, provider: AlibabaProvider) -> None:
    result = apply(plan(cfg, read_live(cfg, provider)), provider, cfg, concurrency=provider.concurrency)
    assert result.converged, result


def an_unrelated_bus_rule(server: EmulatorServer, eventbridge_client_factory: Any) -> None:
    """A rule on the bus that selects none of the instances: ListRules shows it, GetRule must not be spent."""
    client = eventbridge_client_factory(server)
    request = eb_models.CreateRuleRequest(
        event_bus_name="default", rule_name="billing", filter_pattern='{"source":["acs.billing"]}'
    )
    assert client.create_rule(request).body.code == "Success"


@pytest.mark.parametrize("concurrency", [1, 8])
def test_a_plan_reads_each_thing_once(
    regions: dict[str, EmulatorServer], eventbridge_client_factory: Any, concurrency: int
) -> None:
    cfg = config()
    provider = provider_for(regions, concurrency)
    converge(cfg, provider)
    an_unrelated_bus_rule(regions[HZ], eventbridge_client_factory)
    reset(*regions.values())

    live = read_live(cfg, provider)

    # One ListRules per region (shared by hz-a and hz-b), one ListEventCenterRuleName per instance,
    # one GetRule per declared rule, none for `billing`; nothing else.
    assert admin(regions[HZ], "stats") == {"GetRule": 5, "ListEventCenterRuleName": 2, "ListRules": 1}
    assert admin(regions[SH], "stats") == {"GetRule": 4, "ListEventCenterRuleName": 1, "ListRules": 1}
    assert plan(cfg, live).is_empty
    assert [(r.registry, r.name) for r in live.rules] == [
        (registry, name) for registry, names in RULES.items() for name in names
    ]


def test_concurrent_and_sequential_reads_see_the_same_state(regions: dict[str, EmulatorServer]) -> None:
    cfg = config()
    converge(cfg, provider_for(regions, 8))
    assert read_live(cfg, provider_for(regions, 8)) == read_live(cfg, provider_for(regions, 1))


def test_an_instance_named_by_two_registries_is_listed_once(regions: dict[str, EmulatorServer]) -> None:
    twin = Registry(name="hz-a-again", provider=Provider.ALIBABA, region=HZ, instance_id="cri-hza")
    cfg = config()
    converge(cfg, provider_for(regions, 8))
    reset(*regions.values())
    with_twin = Config(registries=(*REGISTRIES, twin), rules=cfg.rules)
    live = read_live(with_twin, provider_for(regions, 8))
    assert admin(regions[HZ], "stats") == {"GetRule": 5, "ListEventCenterRuleName": 2, "ListRules": 1}
    assert [r.name for r in live.of("hz-a-again")] == ["a1", "a2", "a3"]


def test_apply_calls_per_rule_and_the_bound_holds(tmp_path: Path) -> None:
    """Creating a rule costs its registry write, one GetRule of what ACR generated, one UpdateRule
    writing the marker, and one write of its instance's ownership record (`ownership`: CreateRule for
    the instance's first rule, UpdateRule after); rules run concurrently, never more calls at once
    than the bound."""
    state = str(tmp_path / "state.sqlite3")
    with (
        EmulatorServer(state_path=state, region=HZ, latency_ms=40) as hz,
        EmulatorServer(state_path=state, region=SH, latency_ms=40) as sh,
    ):
        cfg = config()
        provider = provider_for({HZ: hz, SH: sh}, concurrency=3)
        first = plan(cfg, read_live(cfg, provider))
        reset(hz, sh)
        result = apply(first, provider, cfg, concurrency=3)
        assert {step.status for step in result.steps} == {StepStatus.APPLIED}
        assert [(s.change.rule, s.change.action) for s in result.steps] == [
            (c.rule, c.action)
            for name in sorted(n for names in RULES.values() for n in names)
            for c in first.changes
            if c.rule == name
        ]
        assert {c.action for c in first.changes} == {Action.CREATE, Action.REAPPLY_BUS}
        # Writes for 5 and 4 rules, then apply's verifying read (as a plan's, above). The ownership
        # record of each instance (hz: cri-hza with 3 rules, cri-hzb with 2; sh: cri-sh with 4) is
        # created with its first rule and updated with each next one; three entries fill a record's
        # description (`limits.DESCRIPTION_MAX`), so cri-sh's fourth rule starts a second record. The
        # records are read with ListRules: no call is added to a read.
        assert admin(hz, "stats") == {
            "CreateEventCenterRule": 5,
            "GetRule": 5 + 5,
            "UpdateRule": 5 + (2 + 1),
            "CreateRule": 2,
            "ListEventCenterRuleName": 2,
            "ListRules": 1,
        }
        assert admin(sh, "stats") == {
            "CreateEventCenterRule": 4,
            "GetRule": 4 + 4,
            "UpdateRule": 4 + 2,
            "CreateRule": 2,
            "ListEventCenterRuleName": 1,
            "ListRules": 1,
        }
        assert result.converged
        # Each server saw at most 3 calls at once, and they overlapped: 18 calls of 40 ms, 3 at a time.
        peaks = [admin(server, "concurrency")["max_in_flight"] for server in (hz, sh)]
        assert all(peak <= 3 for peak in peaks)
        assert max(peaks) >= 2


def test_the_read_bound_holds_across_regions(tmp_path: Path) -> None:
    """One server for both regions (`--endpoint HOST:PORT`) sees every call: never more than the bound."""
    with EmulatorServer(latency_ms=40) as server:
        cfg = config()
        provider = AlibabaProvider(endpoints={"*": server.endpoint}, access_key=KEYS, concurrency=2)
        read_live(cfg, provider)  # an empty cloud: 2 ListRules and 3 ListEventCenterRuleName
        assert admin(server, "stats") == {"ListEventCenterRuleName": 3, "ListRules": 2}
        assert admin(server, "concurrency") == {"in_flight": 0, "max_in_flight": 2}


def test_the_default_credential_chain_serves_concurrent_reads(regions: dict[str, EmulatorServer]) -> None:
    """Without a key pair the provider shares one default-chain credential client (behind a lock) among
    all regions' clients and threads. `alibabacloud_credentials` reads its environment when imported, so
    this runs in a fresh interpreter whose environment holds the emulator's key pair from the start
    (and disables the ECS metadata provider: nothing may reach for 100.100.100.200)."""
    endpoints = {region: server.endpoint for region, server in regions.items()}
    code = (
        "from crnotify.apply import read_live\n"
        "from crnotify.model import Config, Provider, Registry\n"
        "from crnotify.providers.alibaba.provider import AlibabaProvider\n"
        f"registries = tuple(Registry(name=n, provider=Provider.ALIBABA, region=r, instance_id=i) "
        f"for n, r, i in {[(r.name, r.region, r.instance_id) for r in REGISTRIES]!r})\n"
        f"provider = AlibabaProvider(endpoints={endpoints!r}, concurrency=8)\n"
        "print(read_live(Config(registries=registries), provider).rules)\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent / "src"),
        "ALIBABA_CLOUD_ACCESS_KEY_ID": DEFAULT_ACCESS_KEY_ID,
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": DEFAULT_ACCESS_KEY_SECRET,
        "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "()"
    assert admin(regions[HZ], "stats") == {"ListEventCenterRuleName": 2, "ListRules": 1}
    assert admin(regions[SH], "stats") == {"ListEventCenterRuleName": 1, "ListRules": 1}
