"""Scoped runs (`--registry`, `--rule`; issue 15 item 6), against the emulator over HTTP with the
official SDKs: a scoped apply reads and writes only its scope (the emulator's call log), a scoped
`--rule` never deletes an owned rule outside it, and a registry whose cloud has no credentials does not
stop a run scoped elsewhere."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crnotify.emulator.server import EmulatorServer
from crnotify.model import Config, LiveRule, LiveState, Provider, Registry
from crnotify.planner.scope import Scope
from support.call_log import RecordingEmulator
from support.cli_run import run_cli, user_workdir

SECRETS = {"DT_TOKEN": "dt-token-scope-0123456"}
A, B = "cri-scopea0001", "cri-scopeb0001"
REGISTRIES = f"""\
version: 1
registries:
  - name: hz-a
    provider: alibaba
    region: cn-hangzhou
    instance_id: {A}
  - name: hz-b
    provider: alibaba
    region: cn-hangzhou
    instance_id: {B}
"""


def rule(name: str, registry: str) -> str:
    return f"""\
  - name: {name}
    registry: {registry}
    event: build
    scope: instance
    notify:
      dingtalk:
        webhook: https://oapi.dingtalk.com/robot/send?access_token=${{env:DT_TOKEN}}
"""


def rules(*pairs: tuple[str, str]) -> str:
    return "version: 1\nrules:\n" + "".join(rule(name, registry) for name, registry in pairs)


@pytest.fixture
def server() -> Iterator[RecordingEmulator]:
    with RecordingEmulator() as emulator:
        yield emulator


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    return run_cli(capsys, SECRETS.values(), *argv)


def live_names(capsys: pytest.CaptureFixture[str], server: EmulatorServer) -> dict[str, set[str]]:
    """Every rule an unscoped drift sees, by kind (`unmanaged`, `missing`, …)."""
    code, out, err = run(capsys, "drift", "config", "--format", "json", "--endpoint", server.endpoint)
    assert code in (0, 2), err
    seen: dict[str, set[str]] = {}
    for item in json.loads(out)["drift"]:
        seen.setdefault(item["kind"], set()).add(item["rule"])
    return seen


def test_a_scoped_apply_touches_only_its_registry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any, server: RecordingEmulator
) -> None:
    files = {"registries.yaml": REGISTRIES, "rules.yaml": rules(("a-build", "hz-a"), ("b-build", "hz-b"))}
    user_workdir(tmp_path, monkeypatch, files, SECRETS, alibaba_keys=True)
    at = ("--endpoint", server.endpoint)

    code, out, err = run(capsys, "apply", "config", "--registry", "hz-a", "--auto-approve", *at)
    assert code == 0, err
    assert "Scoped to registries hz-a" in err
    assert "a-build" in out
    assert "b-build" not in out
    assert server.calls_naming("a-build")  # it did write hz-a's rule
    assert server.calls_naming(B) == []  # and never read or wrote anything of hz-b's instance
    assert server.calls_naming("b-build") == []
    assert live_names(capsys, server) == {"missing": {"b-build"}}

    # The scope rides in a saved plan: `apply --plan` applies within it, and refuses another one.
    code, _, err = run(capsys, "plan", "config", "--registry", "hz-b", "--out", "b.plan", *at)
    assert code == 0, err
    assert json.loads(Path("b.plan").read_text())["scope"] == {"registries": ["hz-b"], "rules": []}
    code, _, err = run(capsys, "apply", "--plan", "b.plan", "--registry", "hz-a", *at)
    assert code == 1
    assert "drop --registry/--rule" in err
    server.clear_calls()
    code, _, err = run(capsys, "apply", "--plan", "b.plan", *at)
    assert code == 0, err
    assert server.calls_naming("b-build")
    assert server.calls_naming(A) == []
    assert live_names(capsys, server) == {}


def test_a_scoped_rule_never_deletes_an_owned_rule_outside_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any, server: RecordingEmulator
) -> None:
    files = {"registries.yaml": REGISTRIES, "rules.yaml": rules(("ci-1", "hz-a"), ("old", "hz-a"))}
    user_workdir(tmp_path, monkeypatch, files, SECRETS, alibaba_keys=True)
    at = ("--endpoint", server.endpoint)
    code, _, err = run(capsys, "apply", "config", "--auto-approve", *at)
    assert code == 0, err
    # `old` leaves the YAML: an unscoped plan deletes it, a plan scoped to `ci-*` does not know it.
    Path("config/rules.yaml").write_text(rules(("ci-1", "hz-a"), ("ci-2", "hz-a")))
    code, out, _ = run(capsys, "plan", "config", "--format", "json", *at)
    assert ("delete", "old") in {(c["action"], c["rule"]) for c in json.loads(out)["changes"]}

    server.clear_calls()
    code, out, err = run(capsys, "apply", "config", "--rule", "ci-*", "--auto-approve", *at)
    assert code == 0, err
    assert "old" not in out
    deletes = [c for c in server.calls if c.action.startswith("Delete") and not c.names("crnotify-lock")]
    assert deletes == []
    assert server.calls_naming("ci-2")  # created
    code, out, _ = run(capsys, "drift", "config", "--rule", "ci-*", "--format", "json", *at)
    assert code == 0, out
    assert live_names(capsys, server) == {"pending": {"old"}}  # still there, for an unscoped apply


def test_a_registry_without_credentials_does_not_stop_a_run_scoped_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any, server: RecordingEmulator, moto_url: str
) -> None:
    aws = """\
version: 1
registries:
  - {name: ecr, provider: aws, region: us-east-1, account: '123456789012'}
"""
    ecr_rule = """\
version: 1
rules:
  - name: ecr-push
    registry: ecr
    event: push
    scope: instance
    notify:
      https: {url: "https://hooks.example.com/ecr", token: "${env:DT_TOKEN}"}
"""
    files = {
        "registries.yaml": REGISTRIES,
        "aws.yaml": aws,
        "rules.yaml": rules(("a-build", "hz-a")),
        "ecr.yaml": ecr_rule,
    }
    user_workdir(tmp_path, monkeypatch, files, SECRETS, alibaba_keys=True)
    # AWS calls would go to moto, but there are no AWS credentials at all.
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    at = ("--endpoint", server.endpoint)

    code, _, err = run(capsys, "plan", "config", *at)
    assert code == 1
    assert "credentials" in err.lower()
    code, out, err = run(capsys, "plan", "config", "--registry", "hz-*", *at)
    assert code == 0, err
    assert "a-build" in out
    assert "ecr" not in out
    code, _, err = run(capsys, "drift", "config", "--registry", "nope", *at)
    assert code == 1
    assert "no declared registry matches --registry nope (declared: ecr, hz-a, hz-b)" in err


def test_the_scope_narrows_config_and_live_alike() -> None:
    a = Registry(name="hz-a", provider=Provider.ALIBABA, region="cn-hangzhou", instance_id=A)
    b = Registry(name="hz-b", provider=Provider.ALIBABA, region="cn-hangzhou", instance_id=B)
    config = Config(registries=(a, b))
    live = LiveState(
        rules=tuple(LiveRule(registry=r, name=n) for r in ("hz-a", "hz-b") for n in ("ci-1", "x"))
    )
    scope = Scope(registries=("hz-a",), rules=("ci-*",))
    assert scope.narrow_config(config).registries == (a,)
    assert [(r.registry, r.name) for r in scope.narrow_live(live).rules] == [("hz-a", "ci-1")]
    assert scope.options() == ["--registry", "hz-a", "--rule", "ci-*"]
    assert Scope().narrow_live(live) is live
