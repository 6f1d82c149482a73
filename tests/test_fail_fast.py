"""Credentials and connections fail fast and cleanly (issue 16 item 5).

- A refused connection to an emulator or any explicit endpoint is not transient: one try, and one
  whole message naming the address (a stopped emulator used to take 10–12 s of retries and end in a
  message cut mid-word). A refusal at a cloud's own endpoint names stays retryable.
- Without `-v` nothing from a library reaches stderr: the Alibaba credential chain's WARNING/ERROR
  tracebacks used to come before crnotify's error, which names the chain's sources in their order.

The time itself is measured by bench/refused_connection.py, not asserted here: these tests count
the retry policy's waits instead. The credential tests run the CLI in a subprocess because the
credentials library reads its variables once, at import; its one failing source there is
ALIBABA_CLOUD_CREDENTIALS_URI pointing at a closed port on 127.0.0.1 (metadata probes stay disabled,
tests/conftest.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from crnotify.emulator.server import EmulatorServer
from crnotify.providers import retry
from crnotify.providers.alibaba.errors import CLOUD_DOMAINS, CREDENTIAL_SOURCES
from support.cli_run import run_cli, user_workdir

ALIBABA = """\
version: 1
registries:
  - {name: prod-hz, provider: alibaba, region: cn-hangzhou, instance_id: cri-failfast01}
rules:
  - name: acr-scan
    registry: prod-hz
    event: scan
    scope: {namespaces: [team-a]}
    notify:
      https: {url: https://hooks.example.com/acr}
"""
AWS = """\
version: 1
registries:
  - {name: ecr-prod, provider: aws, region: us-east-1, account: "123456789012"}
rules:
  - name: ecr-sync
    registry: ecr-prod
    event: synchronization
    scope: {namespace: team-a, repositories: [api]}
    notify:
      https: {url: https://hooks.example.com/ecr}
"""


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every backoff wait the providers' retry policy takes (none is taken for real)."""
    taken: list[float] = []
    monkeypatch.setattr(retry, "DEFAULT", retry.RetryPolicy(initial=0.001, maximum=0.005, sleep=taken.append))
    return taken


def stopped_emulator_port() -> int:
    """A port an emulator listened on a moment ago: nothing listens there now."""
    server = EmulatorServer().start()
    port = int(server.endpoint.rpartition(":")[2])
    server.stop()
    return port


def test_a_stopped_emulator_fails_at_once_with_the_whole_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any, waits: list[float]
) -> None:
    user_workdir(tmp_path, monkeypatch, {"c.yaml": ALIBABA}, {}, alibaba_keys=True)
    port = stopped_emulator_port()
    code, out, err = run_cli(capsys, (), "plan", "config", "--endpoint", f"127.0.0.1:{port}")
    assert code == 1
    assert out == ""
    message, hint = err.rstrip("\n").split("\n")
    assert message.startswith(f"Error: nothing listens at 127.0.0.1:{port} (connection refused): ")
    assert message.endswith(" in cn-hangzhou failed")
    assert hint == (
        "  hint: start the emulator (`crnotify emulator serve`, or use --local), or fix "
        "--endpoint/CRNOTIFY_ENDPOINT"
    )
    assert waits == []  # not retried


def test_a_stopped_aws_endpoint_fails_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any, waits: list[float]
) -> None:
    user_workdir(tmp_path, monkeypatch, {"c.yaml": AWS}, {})
    port = stopped_emulator_port()
    for name, value in {
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_CONFIG_FILE": str(tmp_path / "aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "aws-credentials"),
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    code, _, err = run_cli(capsys, (), "plan", "config")
    assert code == 1
    assert err.startswith(f"Error: nothing listens at http://127.0.0.1:{port}/ (connection refused)\n")
    assert waits == []


def test_only_explicit_endpoints_count_as_not_transient() -> None:
    assert retry.is_loopback_or_explicit("127.0.0.1", CLOUD_DOMAINS)
    assert retry.is_loopback_or_explicit("emulator.internal", CLOUD_DOMAINS)
    assert not retry.is_loopback_or_explicit("cr.cn-hangzhou.aliyuncs.com", CLOUD_DOMAINS)
    assert not retry.is_loopback_or_explicit("eventbridge-console.cn-hangzhou.aliyuncs.com.", CLOUD_DOMAINS)


def crnotify(tmp_path: Path, *options: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "c.yaml").write_text(ALIBABA)
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("ALIBABA_CLOUD_", "CRNOTIFY_"))
    }
    port = stopped_emulator_port()
    environment |= {
        "HOME": str(tmp_path),  # no ~/.aliyun or ~/.alibabacloud profile
        "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
        "ALIBABA_CLOUD_CREDENTIALS_URI": f"http://127.0.0.1:{port}/credentials",
        "CRNOTIFY_MAX_ATTEMPTS": "1",
        "NO_COLOR": "1",
    }
    return subprocess.run(
        [sys.executable, "-m", "crnotify", *options, "plan", str(tmp_path / "c.yaml")],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_without_credentials_stderr_holds_only_crnotify_s_error_naming_the_chain_in_order(
    tmp_path: Path,
) -> None:
    result = crnotify(tmp_path)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith("Error: no usable Alibaba Cloud credentials for ")
    assert lines[1].startswith(
        "  hint: crnotify uses the Alibaba Cloud default credential chain, which tries"
    )
    assert len(lines) == 2, result.stderr
    positions = [lines[1].index(f"{n}. {source}") for n, source in enumerate(CREDENTIAL_SOURCES, 1)]
    assert positions == sorted(positions)
    assert "ALIBABA_CLOUD_ACCESS_KEY_ID" in CREDENTIAL_SOURCES[0]
    assert "ALIBABA_CLOUD_CREDENTIALS_URI" in CREDENTIAL_SOURCES[-1]


def test_with_v_the_library_s_records_are_shown(tmp_path: Path) -> None:
    result = crnotify(tmp_path, "-v")
    assert result.returncode == 1
    assert "credentials:" in result.stderr  # the credentials library's logger, through crnotify's handler
    assert result.stderr.rstrip().splitlines()[-2].startswith("Error: no usable Alibaba Cloud credentials")
