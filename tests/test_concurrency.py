"""Two `crnotify apply` processes at once against one registry (one emulator): the cloud ends in the
declared state with no duplicate rule, and the apply that has to stop says who holds the lock.

The emulator adds latency to every call so that an apply holds the lock for seconds: the second
process, started at the same moment, meets it whichever of them creates the lease first.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alibabacloud_eventbridge20200401 import models as eb_models
from alibabacloud_eventbridge20200401.client import Client as EventBridgeClient

from conftest import sdk_config
from crnotify.emulator.server import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, EmulatorServer
from test_faults import AFTER, BEFORE, REGISTRIES, SECRETS, snapshot

REPO = Path(__file__).resolve().parent.parent


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRNOTIFY_")}
    env.update(SECRETS)
    env.update(
        PYTHONPATH=str(REPO / "src"),
        ALIBABA_CLOUD_ACCESS_KEY_ID=DEFAULT_ACCESS_KEY_ID,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET=DEFAULT_ACCESS_KEY_SECRET,
        NO_COLOR="1",
    )
    return env


def start(workdir: Path, *argv: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "crnotify", *argv],
        cwd=workdir,
        env=environment(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=120)
    for value in SECRETS.values():
        assert value not in out + err
    return process.returncode, out, err


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "registries.yaml").write_text(REGISTRIES)
    (tmp_path / "config" / "rules.yaml").write_text(BEFORE)
    return tmp_path


@pytest.mark.slow
def test_two_applies_at_once_one_stops_and_the_cloud_is_as_declared(workdir: Path) -> None:
    with EmulatorServer(latency_ms=100) as server:
        apply = ("apply", "config", "--auto-approve", "--endpoint", server.endpoint)
        for rules in (BEFORE, AFTER):
            (workdir / "config" / "rules.yaml").write_text(rules)
            first, second = start(workdir, *apply), start(workdir, *apply)
            results = sorted([finish(first), finish(second)])
            (ok_code, ok_out, ok_err), (stop_code, _, stop_err) = results
            assert (ok_code, stop_code) == (0, 1), results
            assert "Apply complete!" in ok_out, ok_err
            assert "Error: another crnotify apply holds the lock of registry prod; retry later:\n" in stop_err
            assert "  registry prod: lease crnotify-lock-cri-faults01-" in stop_err
            assert " held by " in stop_err  # the same user@host: the other process still runs
            assert "Traceback" not in stop_err

            code, out, err = finish(
                start(workdir, "plan", "config", "--detailed-exitcode", "--endpoint", server.endpoint)
            )
            assert code == 0, out + err
            acr, bus = snapshot(server)  # asserts no name twice
            declared = {"keep", "change", "drop"} if rules is BEFORE else {"keep", "change", "add"}
            assert set(acr) == declared
            leases = sorted(name for name in bus if name.startswith("crnotify-lock-"))
            records = {name for name in bus if name.startswith("crnotify-owned-")}  # the ownership record
            assert set(bus) - set(leases) - records == declared
            assert records == {"crnotify-owned-cri-faults01-1"}
            assert len(leases) == 1
            assert "state=released" in bus[leases[0]]["Description"]


def test_a_lease_left_by_a_killed_apply_is_taken_over_once_expired(
    workdir: Path, emulator: EmulatorServer
) -> None:
    client = EventBridgeClient(sdk_config(emulator))
    client.create_rule(
        eb_models.CreateRuleRequest(
            event_bus_name="default",
            rule_name="crnotify-lock-cri-faults01-000041",
            filter_pattern='{"source":["crnotify.lock"]}',
            status="DISABLE",
            description="crnotify apply lock; state=held; holder=ci-runner-3 pid 77; token=0123456789abcdef; "
            "since=2020-01-01T00:00:00Z; until=2020-01-01T00:15:00Z",
        )
    )
    code, _, err = finish(
        start(workdir, "apply", "config", "--auto-approve", "--endpoint", emulator.endpoint)
    )
    assert code == 0, err
    _, bus = snapshot(emulator)
    assert [name for name in bus if name.startswith("crnotify-lock-")] == [
        "crnotify-lock-cri-faults01-000042"
    ]


@pytest.mark.slow
def test_two_aws_applies_at_once_one_stops_and_the_rules_are_as_declared(
    tmp_path: Path, aws_env: dict[str, str], moto_url: str
) -> None:
    """The same on AWS: moto behind a proxy that adds latency (and no faults), the lock a lease bus."""
    import boto3  # noqa: PLC0415 (only this test needs it)

    from support.faultproxy import FaultProxy  # noqa: PLC0415
    from test_aws_cli import REGISTRIES as AWS_REGISTRIES  # noqa: PLC0415
    from test_aws_cli import SCAN, SIGNING, SYNC, rules  # noqa: PLC0415
    from test_aws_cli import SECRETS as AWS_SECRETS  # noqa: PLC0415

    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "registries.yaml").write_text(AWS_REGISTRIES)
    (tmp_path / "config" / "rules.yaml").write_text(rules(SCAN, SYNC, SIGNING))
    with FaultProxy(moto_url, rate=0.0, seed=0, latency_ms=100) as proxy:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CRNOTIFY_")}
        env.update(AWS_SECRETS, PYTHONPATH=str(REPO / "src"), NO_COLOR="1", AWS_ENDPOINT_URL=proxy.url)
        argv = [sys.executable, "-m", "crnotify", "apply", "config", "--auto-approve"]
        processes = [
            subprocess.Popen(
                argv, cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, text=True,
            )
            for _ in range(2)
        ]  # fmt: skip
        outputs = [p.communicate(timeout=120) for p in processes]
        results = sorted((p.returncode, out, err) for p, (out, err) in zip(processes, outputs, strict=True))
    for _, out, err in results:
        for value in AWS_SECRETS.values():
            assert value not in out + err
    (ok_code, ok_out, ok_err), (stop_code, _, stop_err) = results
    assert (ok_code, stop_code) == (0, 1), results
    assert "Apply complete!" in ok_out, ok_err
    assert "Error: another crnotify apply holds the lock of registry ecr-prod; retry later:\n" in stop_err
    assert "Traceback" not in stop_err
    names = [r["Name"] for r in boto3.client("events", region_name="eu-west-1").list_rules()["Rules"]]
    assert sorted(names) == ["ecr-replication", "ecr-scan-team-a", "ecr-signatures"]  # once each
    plan = subprocess.run(
        [sys.executable, "-m", "crnotify", "plan", "config", "--detailed-exitcode"],
        cwd=tmp_path, env={**env, "AWS_ENDPOINT_URL": moto_url}, capture_output=True, text=True,
        check=False, timeout=120,
    )  # fmt: skip
    assert plan.returncode == 0, plan.stdout + plan.stderr
