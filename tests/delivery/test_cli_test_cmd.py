"""`crnotify test` as users run it: the examples with their expectations, failures, JSON, --deliver."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from crnotify.cli import main
from crnotify.clock import SystemClock
from crnotify.emulator.dingtalk_server import DingTalkRobots, running
from support.local_receiver import http_receiver, self_signed_certificate

REPO = Path(__file__).resolve().parents[2]
SECRETS = {
    "DINGTALK_RELEASE_TOKEN": "tok-visible-only-to-dingtalk",
    "DINGTALK_RELEASE_SECRET": "SECnever-print-me",
    "AUDIT_HOOK_TOKEN": "audit-secret-value",
    "ECR_HOOK_TOKEN": "ecr-hook-secret",
    "DINGTALK_ECR_TOKEN": "ecr-dingtalk-secret",
    "DEPLOY_HOOK_TOKEN": "deploy-hook-secret",
}


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    rc = main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return rc, out, err


def test_examples_meet_their_expectations_without_showing_secrets(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    rc, out, _ = run(["test", "examples/", "--events", "examples/events/"], capsys)
    assert rc == 0, out
    assert "expectations: 25 passed, 0 failed" in out
    assert "fires  prod-hz/scan-api-release" in out
    assert "access_token=${env:DINGTALK_RELEASE_TOKEN} (signed)" in out
    assert "| ### team-a/api:v1.4.0 scanned" in out
    assert "fires  ecr-use1/ecr-scan-team-a" in out
    for value in SECRETS.values():
        assert value not in out

    rc, out, _ = run(["test", "examples/", "--events", "examples/events/", "--format", "json"], capsys)
    report = json.loads(out)
    assert rc == 0
    assert report["format"] == "crnotify/test"
    assert report["format_version"] == 2
    assert report["summary"]["expectations_failed"] == 0
    assert all(value not in out for value in SECRETS.values())


def test_a_failing_expectation_exits_1_and_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    shutil.copy(REPO / "examples/events/scan-api-snapshot.json", tmp_path / "snapshot.json")
    (tmp_path / "snapshot.expect.yaml").write_text("fires: [scan-api-release]\n")
    rc, out, _ = run(["test", "examples/", "--events", str(tmp_path)], capsys)
    assert rc == 1
    assert (
        "FAIL   expect scan-api-release fires: data.Tag: 'main-3f2d1c0' does not match tags "
        "'v[0-9]+\\..*' (ACR's tag filter)"
    ) in out
    assert "expectations: 0 passed, 1 failed" in out


def test_bad_inputs_are_clear_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    rc, _, err = run(["test", "examples/", "--events", "no/such/dir"], capsys)
    assert (rc, err.strip()) == (1, "Error: no/such/dir: no such file or directory")
    (tmp_path / "e.json").write_text("{}")
    (tmp_path / "e.expect.yaml").write_text("fire: [x]\n")
    rc, _, err = run(["test", "examples/", "--events", str(tmp_path)], capsys)
    assert rc == 1
    assert "e.expect.yaml: unknown key(s) fire" in err
    rc, _, err = run(["test", "examples/invalid/unknown-registry.yaml", "--events", str(tmp_path)], capsys)
    assert rc == 1
    assert "error CRN" in err


CONFIG = """\
version: 1
registries:
  - name: local
    provider: alibaba
    region: cn-hangzhou
    instance_id: cri-localtest
rules:
  - name: build-hook
    registry: local
    event: build
    scope: instance
    notify:
      http:
        url: {url}
        token: ${{env:LOCAL_HOOK_TOKEN}}
  - name: build-ding
    registry: local
    event: build
    scope: instance
    notify:
      dingtalk:
        webhook: https://oapi.dingtalk.com/robot/send?access_token=${{env:LOCAL_DT_TOKEN}}
"""


def test_deliver_sends_to_loopback_endpoints_and_refuses_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    event = json.loads((REPO / "examples/events/build-team-a-failed.json").read_text())
    event["data"]["InstanceId"] = "cri-localtest"
    (tmp_path / "events").mkdir()
    (tmp_path / "events" / "build.json").write_text(json.dumps(event))
    monkeypatch.setenv("LOCAL_HOOK_TOKEN", "hook-token-value")
    monkeypatch.setenv("LOCAL_DT_TOKEN", "dingtalk-token-value")
    with http_receiver() as receiver:
        (tmp_path / "config.yaml").write_text(CONFIG.format(url=receiver.url + "/build"))
        rc, out, _ = run(["test", str(tmp_path / "config.yaml"), "--events", str(tmp_path / "events"),
                          "--deliver"], capsys)  # fmt: skip
    assert rc == 1, out
    (request,) = receiver.requests
    assert json.loads(request.body) == event
    assert request.headers["x-eventbridge-signature-token"] == "hook-token-value"
    assert "sent   local/build-hook → acr-notify" in out
    assert "FAILED local/build-ding → acr-notify https://oapi.dingtalk.com/robot/send?access_token=***" in out
    assert "only loopback hosts" in out
    assert "hook-token-value" not in out
    assert "dingtalk-token-value" not in out
    assert rc == 1


def test_deliver_over_https_trusts_a_local_certificate_given_by_ssl_cert_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    event = json.loads((REPO / "examples/events/build-team-a-failed.json").read_text())
    event["data"]["InstanceId"] = "cri-localtest"
    (tmp_path / "events").mkdir()
    (tmp_path / "events" / "build.json").write_text(json.dumps(event))
    monkeypatch.setenv("LOCAL_HOOK_TOKEN", "hook-token-value")
    cert, key = self_signed_certificate(tmp_path)
    config = CONFIG.split("  - name: build-ding", maxsplit=1)[0].replace("      http:", "      https:")
    argv = ["test", str(tmp_path / "config.yaml"), "--events", str(tmp_path / "events"), "--deliver"]
    with http_receiver(tls=(cert, key)) as receiver:
        (tmp_path / "config.yaml").write_text(config.format(url=receiver.url + "/build"))
        rc, out, _ = run(argv, capsys)
        assert rc == 1  # the system's CAs do not know a self-signed certificate
        assert "CERTIFICATE_VERIFY_FAILED" in out
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # OpenSSL's way to trust another CA
        rc, out, _ = run(argv, capsys)
    assert rc == 0, out
    assert "sent   local/build-hook → acr-notify" in out
    (request,) = receiver.requests
    assert json.loads(request.body) == event
    assert request.headers["x-eventbridge-signature-token"] == "hook-token-value"


def test_deliver_sends_dingtalk_messages_to_a_local_robot_signed_and_with_their_token(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A dingtalk rule's webhook must be oapi.dingtalk.com (validate says so); --dingtalk-robot sends
    its messages to `crnotify emulator dingtalk` instead, which checks the signature and keyword."""
    event = json.loads((REPO / "examples/events/build-team-a-failed.json").read_text())
    event["data"]["InstanceId"] = "cri-localtest"
    (tmp_path / "events").mkdir()
    (tmp_path / "events" / "build.json").write_text(json.dumps(event))
    (tmp_path / "config.yaml").write_text(CONFIG.format(url="http://127.0.0.1:9/unused"))
    (tmp_path / "config.yaml").write_text(
        (tmp_path / "config.yaml").read_text() + "        secret: ${env:LOCAL_DT_SECRET}\n"
    )
    monkeypatch.setenv("LOCAL_HOOK_TOKEN", "hook-token-value")
    monkeypatch.setenv("LOCAL_DT_TOKEN", "dingtalk-token-value")
    monkeypatch.setenv("LOCAL_DT_SECRET", "SEClocal-robot")
    argv = ["test", str(tmp_path / "config.yaml"), "--events", str(tmp_path / "events"), "--deliver"]
    robots = DingTalkRobots(clock=SystemClock(), secret="SEClocal-robot", keywords=("Build",))
    with running(robots) as robot:
        _, out, _ = run([*argv, "--dingtalk-robot", robot.url], capsys)
    assert f"sent   local/build-ding → acr-notify {robot.url}/robot/send?access_token=***" in out
    assert "dingtalk-token-value" not in out
    (received,) = robots.received()
    assert (received.access_token, received.errcode) == ("dingtalk-token-value", 0)
    assert received.message is not None
    assert received.message["msgtype"] == "markdown"

    rc, _, err = run([*argv[:-1], "--dingtalk-robot", robot.url], capsys)
    assert (rc, err.strip()) == (1, "Error: --dingtalk-robot needs --deliver")
    rc, _, err = run([*argv, "--dingtalk-robot", "127.0.0.1:8090"], capsys)
    assert (rc, err.strip()) == (1, "Error: --dingtalk-robot '127.0.0.1:8090' is not an http(s) URL")
