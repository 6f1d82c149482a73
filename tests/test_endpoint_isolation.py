"""An emulator session never reaches a real cloud (issue 16 item 1).

With `--endpoint` (an Alibaba emulator) and an `aws` registry but no `AWS_ENDPOINT_URL`, the aws
registry is skipped by every command — listed in text and JSON — and no connection leaves the machine.
"Leaves the machine" is checked, not assumed: `HTTPS_PROXY` points at a proxy on 127.0.0.1 that records
each request line (a `CONNECT sts.us-east-1.amazonaws.com:443`, say) and refuses it. Every real cloud
endpoint (AWS's, Alibaba's) is HTTPS, so each of their calls goes through it; the emulator is plain HTTP
and is reached directly (the Alibaba SDK ignores `NO_PROXY`, so `HTTP_PROXY` would capture it too).
The control case — the same config without `--endpoint` — shows that the proxy does see the calls
boto3 would make to AWS.
"""

from __future__ import annotations

import json
import socketserver
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crnotify.emulator.server import EmulatorServer
from support.cli_run import run_cli, user_workdir

REGISTRIES = """\
version: 1
registries:
  - name: ecr-prod
    provider: aws
    region: us-east-1
    account: "123456789012"
  - name: prod-hz
    provider: alibaba
    region: cn-hangzhou
    instance_id: cri-isolated01
"""
RULES = """\
version: 1
rules:
  - name: ecr-sync
    registry: ecr-prod
    event: synchronization
    scope: {namespace: team-a, repositories: [api]}
    notify:
      https: {url: https://hooks.example.com/ecr}
  - name: acr-scan
    registry: prod-hz
    event: scan
    scope: {namespaces: [team-a]}
    notify:
      https: {url: https://hooks.example.com/acr}
"""
SKIPPED = "Skipped, neither read nor written"


class _Recorder(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        line = self.rfile.readline(4096).decode("latin-1").strip()
        self.server.seen.append(line)  # type: ignore[attr-defined]
        self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


@pytest.fixture
def recording_proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """A proxy on 127.0.0.1 that records every request line it is sent and refuses it."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Recorder)
    server.daemon_threads = True
    server.seen = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    for name in ("HTTPS_PROXY", "https_proxy"):
        monkeypatch.setenv(name, url)
    for name in ("HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    try:
        yield server.seen  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, recording_proxy: list[str]) -> Path:
    root = user_workdir(
        tmp_path, monkeypatch, {"registries.yaml": REGISTRIES, "rules.yaml": RULES}, {}, alibaba_keys=True
    )
    # Credentials a real AWS account would accept, as a user's shell has them: nothing stops boto3
    # from using them but crnotify's decision to skip.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE00")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example-secret-access-key-0000000000000")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_EVENTBRIDGE", "AWS_ENDPOINT_URL_STS", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    return root


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    return run_cli(capsys, (), *argv)


def test_every_command_skips_and_lists_the_aws_registry_and_nothing_leaves_the_machine(
    workdir: Path, capsys: Any, emulator: EmulatorServer, recording_proxy: list[str]
) -> None:
    at = ("--endpoint", emulator.endpoint)
    code, out, err = run(capsys, "plan", "config", *at)
    assert code == 0, err
    assert "+ create prod-hz/acr-scan" in out
    assert f"{SKIPPED} (" in out
    assert "ecr-prod" in out.split(SKIPPED, 1)[1]
    code, out, err = run(capsys, "plan", "config", "--format", "json", *at)
    assert code == 0, err
    assert json.loads(out)["skipped_registries"] == ["ecr-prod"]
    code, out, err = run(capsys, "plan", "config", "--format", "markdown", *at)
    assert "`ecr-prod`" in out.split(SKIPPED, 1)[1]

    code, out, err = run(capsys, "apply", "config", "--auto-approve", *at)
    assert code == 0, err
    assert "ecr-prod" in out.split(SKIPPED, 1)[1]
    assert "Apply complete" in out

    code, out, err = run(capsys, "plan", "config", *at)
    assert code == 0, err
    assert "The cloud matches" not in out
    assert "No changes to the registries read" in out
    assert "ecr-prod" in out.split(SKIPPED, 1)[1]

    code, out, err = run(capsys, "drift", "config", *at)
    assert code == 0, err
    assert "No drift." not in out
    assert "matches" not in out
    assert out.startswith("No drift in the registries read.\n" + SKIPPED)
    assert "ecr-prod" in out
    code, out, err = run(capsys, "drift", "config", "--format", "json", *at)
    assert json.loads(out)["skipped_registries"] == ["ecr-prod"]
    code, out, err = run(capsys, "drift", "config", "--format", "markdown", *at)
    assert "matches" not in out
    assert "`ecr-prod`" in out

    code, out, err = run(capsys, "import", "config", "--registry", "ecr-prod", *at)
    assert code == 1
    assert "registry ecr-prod was skipped, neither read nor written" in err
    code, out, err = run(capsys, "import", "config", "--registry", "prod-hz", *at)
    assert code == 0, err
    assert "ecr-prod" not in err  # import connects to its one registry only (a scoped run)

    code, out, err = run(capsys, "trace", "no-such-event", "config", *at)
    assert code == 1  # no region knows the event; only the Alibaba emulator was asked
    assert "Traceback" not in err

    code, out, err = run(capsys, "doctor", "config", "--format", "json", *at)
    assert [r["registry"] for r in json.loads(out)["registries"]] == ["prod-hz"], err
    assert "ecr-prod" in err
    code, out, err = run(capsys, "health", "config", "--format", "json", *at)
    assert json.loads(out)["skipped_registries"] == ["ecr-prod"], err
    code, out, err = run(capsys, "health", "config", *at)
    assert "ecr-prod" in out + err

    assert recording_proxy == []


def test_local_skips_the_aws_registry_too(workdir: Path, capsys: Any, recording_proxy: list[str]) -> None:
    code, out, err = run(capsys, "drift", "config", "--local")
    assert code == 2, err  # acr-scan is missing from the fresh embedded cloud
    assert "prod-hz/acr-scan" in out
    assert "ecr-prod" in out.split(SKIPPED, 1)[1]
    assert recording_proxy == []


def test_the_proxy_sees_what_boto3_would_send_to_aws(
    workdir: Path, capsys: Any, recording_proxy: list[str]
) -> None:
    """The control: without --endpoint the aws registry is real AWS, and its calls reach the proxy."""
    (workdir / "config" / "registries.yaml").write_text(REGISTRIES.split("  - name: prod-hz", maxsplit=1)[0])
    (workdir / "config" / "rules.yaml").write_text(RULES.split("  - name: acr-scan", maxsplit=1)[0])
    code, _, _err = run(capsys, "plan", "config")
    assert code == 1
    assert any("amazonaws.com" in line for line in recording_proxy), recording_proxy
