"""One emulator for several regions (issue 16 item 2): `emulator serve --regions` listens on one port per
region over one state, and `--endpoint HOST:PORT` sends each region's calls to the port that serves it.

Without it, EventBridge calls (which carry no RegionId) all landed in the server's default region: the
same rule name on a cn-hangzhou and a cn-shanghai instance collided, and quotas were shared.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crnotify.emulator.server import EmulatorServer
from crnotify.providers.alibaba.limits import is_internal
from support.cli_run import run_cli, user_workdir

REGIONS = ("cn-hangzhou", "cn-shanghai")
REGISTRIES = """\
version: 1
registries:
  - name: prod-hz
    provider: alibaba
    region: cn-hangzhou
    instance_id: cri-regionhz01
  - name: prod-sh
    provider: alibaba
    region: cn-shanghai
    instance_id: cri-regionsh01
"""


def _rules(count: int, registries: tuple[str, ...] = ("prod-hz", "prod-sh")) -> str:
    lines = ["version: 1", "rules:"]
    for registry in registries:
        for n in range(count):
            lines += [
                f"  - name: scan-{n:02d}",  # the same names in both regions
                f"    registry: {registry}",
                "    event: scan",
                f"    scope: {{namespaces: [team-{n:02d}]}}",
                "    notify:",
                "      https: {url: https://hooks.example.com/acr}",
            ]
    return "\n".join(lines) + "\n"


@pytest.fixture
def two_regions() -> Iterator[EmulatorServer]:
    server = EmulatorServer(regions=REGIONS)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rules: str) -> Path:
    return user_workdir(
        tmp_path, monkeypatch, {"registries.yaml": REGISTRIES, "rules.yaml": rules}, {}, alibaba_keys=True
    )


def test_a_multi_region_server_has_one_port_per_region_and_says_what_to_export(
    two_regions: EmulatorServer,
) -> None:
    endpoints = two_regions.endpoints
    assert list(endpoints) == list(REGIONS)
    assert len(set(endpoints.values())) == 2
    assert two_regions.endpoint_setting() == ",".join(f"{r}={a}" for r, a in endpoints.items())


@pytest.mark.slow
@pytest.mark.parametrize("how", ["single", "map"])
def test_two_regions_plan_apply_converge_and_do_not_share_quotas(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any, two_regions: EmulatorServer, how: str
) -> None:
    # 2 regions × 10 rules: with every bus call in one region this ran into its quota.
    _workdir(tmp_path, monkeypatch, _rules(10))
    endpoint = two_regions.endpoint if how == "single" else two_regions.endpoint_setting()
    at = ("--endpoint", endpoint)
    code, out, err = run_cli(capsys, (), "apply", "config", "--auto-approve", *at)
    assert code == 0, out + err
    code, out, err = run_cli(capsys, (), "plan", "config", "--detailed-exitcode", *at)
    assert code == 0, out + err
    code, out, err = run_cli(capsys, (), "drift", "config", *at)
    assert code == 0, out + err
    hz = two_regions.state.all_rules(two_regions.account_id, "cn-hangzhou", bus="default")
    sh = two_regions.state.all_rules(two_regions.account_id, "cn-shanghai", bus="default")
    # Each region holds its own 10 generated rules (a lock rule of crnotify's may sit beside them).
    assert len([r for r in hz if not is_internal(r.name)]) == 10  # but the lock's and the record's
    assert len([r for r in sh if not is_internal(r.name)]) == 10
    assert {r.region for r in hz} == {"cn-hangzhou"}
    assert {r.region for r in sh} == {"cn-shanghai"}


def test_an_unserved_region_is_refused_before_any_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    with EmulatorServer(region="cn-hangzhou") as server:
        _workdir(tmp_path, monkeypatch, _rules(1))
        code, _, err = run_cli(capsys, (), "apply", "config", "--auto-approve", "--endpoint", server.endpoint)
        assert code != 0
        assert "cn-shanghai" in err
        assert "--regions cn-hangzhou,cn-shanghai" in err
        assert "Traceback" not in err
        assert server.stats() == {}  # refused before any call
