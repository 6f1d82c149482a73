"""Recovering from a lock left held (issue 13 item 3), as a user would: `crnotify apply` and
`crnotify unlock` in-process against the emulator over HTTP and moto's server, the leases taken by
`crnotify.lock.ApplyLock` objects that are never released (an apply that was killed, or whose release
failed in an outage).
"""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from crnotify import lock
from crnotify.emulator.server import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, EmulatorServer
from crnotify.errors import ConcurrentApplyError
from crnotify.model import Provider, Registry
from crnotify.providers.alibaba.provider import AlibabaProvider
from support.cli_run import run_cli, user_workdir

SECRETS = {"HOOK_TOKEN": "hook-token-0123"}
REG_A = Registry(name="a", provider=Provider.ALIBABA, region="cn-hangzhou", instance_id="cri-a")
REG_B = Registry(name="b", provider=Provider.ALIBABA, region="cn-hangzhou", instance_id="cri-b")
REGISTRIES = """\
version: 1
registries:
  - name: a
    provider: alibaba
    region: cn-hangzhou
    instance_id: cri-a
  - name: b
    provider: alibaba
    region: cn-hangzhou
    instance_id: cri-b
"""
RULE = """\
  - name: hook-{0}
    registry: {0}
    event: build
    scope:
      namespaces: [team-a]
    notify:
      https:
        url: https://hooks.example.com/{0}
        token: ${{env:HOOK_TOKEN}}
"""
LEASE_A, LEASE_B = "crnotify-lock-cri-a-000001", "crnotify-lock-cri-b-000001"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    files = {
        "registries.yaml": REGISTRIES,
        "rules.yaml": "version: 1\nrules:\n" + RULE.format("a") + RULE.format("b"),
    }
    root = user_workdir(tmp_path, monkeypatch, files, SECRETS, alibaba_keys=True)
    monkeypatch.setenv("CRNOTIFY_LOCK_HOLDER", "me@test")
    return root


@pytest.fixture
def cloud(emulator: EmulatorServer) -> AlibabaProvider:
    return AlibabaProvider(
        endpoints={"*": emulator.endpoint}, access_key=(DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET)
    )


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    return run_cli(capsys, SECRETS.values(), *argv)


def hold(store: Any, holder: str, *registries: Registry) -> None:
    lock.ApplyLock(store, registries, holder=holder).__enter__()  # never released


def states(store: Any, registry: Registry, scope: str) -> list[tuple[str, str, str]]:
    parsed = (lock.parse(r, scope) for r in store.list_leases(registry, lock.PREFIX + scope + "-"))
    return [(x.name, x.holder, x.state) for x in parsed if x is not None]


def test_one_refusal_names_every_lease_in_the_way(
    workdir: Path, emulator: EmulatorServer, cloud: AlibabaProvider, capsys: Any
) -> None:
    hold(cloud, "ci job 7", REG_A, REG_B)
    code, out, err = run(capsys, "apply", "config", "--auto-approve", "--endpoint", emulator.endpoint)
    assert code == 1
    assert "other crnotify applies hold the locks of 2 registries; retry later:\n" in err
    assert f"  registry a: lease {LEASE_A} held by ci job 7 since " in err
    assert f"  registry b: lease {LEASE_B} held by ci job 7 since " in err
    assert f"`crnotify unlock {LEASE_A} {LEASE_B} --holder 'ci job 7'`" in err
    assert "Plan:" not in out  # refused before reading
    assert states(cloud, REG_A, "cri-a") == [(LEASE_A, "ci job 7", "held")]  # nothing of ours left
    assert states(cloud, REG_B, "cri-b") == [(LEASE_B, "ci job 7", "held")]


def test_unlock_needs_the_holder_id_then_the_next_apply_succeeds(
    workdir: Path, emulator: EmulatorServer, cloud: AlibabaProvider, capsys: Any
) -> None:
    hold(cloud, "ci job 7", REG_A, REG_B)
    at = ("--config", "config", "--endpoint", emulator.endpoint)
    code, _, err = run(capsys, "unlock", LEASE_A, LEASE_B, "--holder", "someone", "--force", *at)
    assert code == 1
    assert f"refusing to unlock; nothing was changed:\n  {LEASE_A}: held by ci job 7, not by someone\n" in err
    code, _, err = run(capsys, "unlock", LEASE_A, "crnotify-lock-cri-zzz-000001", "--holder", "ci job 7", *at)
    assert code == 1
    assert "crnotify-lock-cri-zzz-000001: no such lease in the registries of this configuration" in err
    code, _, err = run(capsys, "unlock", LEASE_A, LEASE_B, "--holder", "ci job 7", *at)
    assert code == 1
    assert "standard input is not a terminal" in err  # it asks first, unless --force
    assert [s for _, _, s in states(cloud, REG_A, "cri-a") + states(cloud, REG_B, "cri-b")] == [
        "held",
        "held",
    ]

    code, out, err = run(capsys, "unlock", LEASE_A, LEASE_B, "--holder", "ci job 7", "--force", *at)
    assert code == 0, err
    assert f"a: lease {LEASE_A} held by ci job 7 since " in out
    assert "Released 2 lease(s)." in out
    assert states(cloud, REG_A, "cri-a") == [(LEASE_A, "ci job 7", "released")]
    code, out, err = run(capsys, "apply", "config", "--auto-approve", "--endpoint", emulator.endpoint)
    assert code == 0, err
    assert "Apply complete!" in out
    assert states(cloud, REG_A, "cri-a") == [("crnotify-lock-cri-a-000002", "me@test", "released")]


def test_an_apply_takes_back_its_own_stale_lease(
    workdir: Path, emulator: EmulatorServer, cloud: AlibabaProvider, capsys: Any
) -> None:
    hold(cloud, "me@test", REG_A, REG_B)  # our own apply, whose release failed
    code, out, err = run(capsys, "apply", "config", "--auto-approve", "--endpoint", emulator.endpoint)
    assert code == 0, err
    assert "Apply complete!" in out
    assert states(cloud, REG_B, "cri-b") == [("crnotify-lock-cri-b-000002", "me@test", "released")]


def test_the_same_holder_still_running_here_is_not_taken_over(cloud: AlibabaProvider) -> None:
    now = datetime.now(UTC)
    running = lock.Lease(
        name=LEASE_A,
        generation=1,
        state="held",
        holder="me@test",
        host=socket.gethostname(),
        pid=os.getppid(),  # a live process other than this one: another apply in another terminal
        token="t",
        since=now,
        until=now + timedelta(minutes=15),
    )
    cloud.create_lease(REG_A, LEASE_A, lock.describe(running))
    with pytest.raises(ConcurrentApplyError, match=f"lease {LEASE_A} held by me@test"):
        hold(cloud, "me@test", REG_A)
    gone = lock.Lease(**{**{f: getattr(running, f) for f in running.__slots__}, "pid": 2**22 + 1})
    cloud.update_lease(REG_A, LEASE_A, lock.describe(gone))  # the pid of no running process
    hold(cloud, "me@test", REG_A)
    assert states(cloud, REG_A, "cri-a") == [("crnotify-lock-cri-a-000002", "me@test", "held")]


def test_the_default_holder_is_stable_across_runs() -> None:
    assert lock.default_holder({"CRNOTIFY_LOCK_HOLDER": "deploy; bot=1"}) == "deploy_ bot_1"
    github = {"GITHUB_RUN_ID": "42", "GITHUB_REPOSITORY": "acme/infra", "GITHUB_JOB": "apply"}
    assert lock.default_holder(github) == "github acme/infra run 42 job apply"
    gitlab = {
        "GITLAB_CI": "true",
        "CI_PIPELINE_ID": "9",
        "CI_PROJECT_PATH": "acme/infra",
        "CI_JOB_NAME": "apply",
    }
    assert lock.default_holder(gitlab) == "gitlab acme/infra pipeline 9 job apply"
    local = lock.default_holder({})
    assert local.endswith("@" + lock.clean_holder(socket.gethostname()))
    assert str(os.getpid()) not in local  # the same user on the same machine, whichever process


# --- AWS: leases are event buses per account and region (moto's server over HTTP) ---------------

AWS_REGISTRIES = """\
version: 1
registries:
  - name: ecr-eu
    provider: aws
    region: eu-west-1
    account: "123456789012"
  - name: ecr-us
    provider: aws
    region: us-east-1
    account: "123456789012"
"""
AWS_RULES = """\
version: 1
rules:
  - name: ecr-push
    registry: ecr-eu
    event: push
    scope: instance
    notify:
      https:
        url: https://hooks.example.com/ecr
        token: ${env:HOOK_TOKEN}
"""
AWS_LEASE = "crnotify-lock-123456789012-000001"


def test_aws_refusal_unlock_and_own_lease(
    tmp_path: Path, aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    from crnotify.providers.aws.provider import AwsProvider  # noqa: PLC0415

    user_workdir(tmp_path, monkeypatch, {"registries.yaml": AWS_REGISTRIES, "rules.yaml": AWS_RULES}, SECRETS)
    monkeypatch.setenv("CRNOTIFY_LOCK_HOLDER", "me@test")
    eu = Registry(name="ecr-eu", provider=Provider.AWS, region="eu-west-1", account="123456789012")
    us = Registry(name="ecr-us", provider=Provider.AWS, region="us-east-1", account="123456789012")
    aws = AwsProvider(env=aws_env)
    hold(aws, "ci job 7", eu, us)

    code, _, err = run(capsys, "apply", "config", "--auto-approve")
    assert code == 1
    assert "other crnotify applies hold the locks of 2 registries" in err
    assert f"registry ecr-eu: lease {AWS_LEASE} held by ci job 7" in err
    assert f"registry ecr-us: lease {AWS_LEASE} held by ci job 7" in err

    code, _, err = run(capsys, "unlock", AWS_LEASE, "--holder", "me@test", "--force", "--config", "config")
    assert code == 1
    assert f"{AWS_LEASE}: held by ci job 7, not by me@test" in err
    code, out, err = run(capsys, "unlock", AWS_LEASE, "--holder", "ci job 7", "--force", "--config", "config")
    assert code == 0, err
    assert "Released 2 lease(s)." in out  # the lease of each region

    hold(aws, "me@test", eu, us)  # then our own apply dies holding them
    code, out, err = run(capsys, "apply", "config", "--auto-approve")
    assert code == 0, err
    assert "Apply complete!" in out
    assert states(aws, eu, "123456789012") == [("crnotify-lock-123456789012-000003", "me@test", "released")]
