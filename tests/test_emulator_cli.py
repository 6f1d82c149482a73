"""`crnotify emulator serve`: loopback by default, clear errors, never prints the secret."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest
from alibabacloud_cr20181201 import models as cr
from alibabacloud_cr20181201.client import Client as CrClient
from alibabacloud_eventbridge20200401 import models as eb
from alibabacloud_eventbridge20200401.client import Client as EventBridgeClient
from alibabacloud_tea_openapi import models as open_api_models

from conftest import sdk_config
from crnotify.cli import main
from crnotify.emulator.server import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET
from test_emulator_hardening import capture, replay

SRC = Path(__file__).resolve().parents[1] / "src"


STRONG_ID = "LTAI" + "k" * 20
STRONG_SECRET = "s" * 30
REMOTE = ["--host", "0.0.0.0", "--allow-remote"]  # each case is refused before anything is bound


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ((DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET), "refuses the documented default key pair"),
        ((STRONG_ID, DEFAULT_ACCESS_KEY_SECRET), "refuses the documented default key pair"),
        ((DEFAULT_ACCESS_KEY_ID, STRONG_SECRET), "refuses the documented default key pair"),
        ((STRONG_ID, "x"), "--access-key-secret of at least 30 characters"),
        ((STRONG_ID, "s" * 29), "--access-key-secret of at least 30 characters"),
        (("LTAIshort", STRONG_SECRET), "--access-key-id of at least 16 characters"),
    ],
)
def test_remote_serving_needs_a_strong_key_pair_of_your_own(
    keys: tuple[str, str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    key_id, secret = keys
    args = ["emulator", "serve", *REMOTE, "--access-key-id", key_id, "--access-key-secret", secret]
    assert main(args) == 1
    output = capsys.readouterr()
    assert message in output.err
    assert secret not in output.out + output.err
    assert "Traceback" not in output.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--host", "0.0.0.0"], "refusing to serve the emulator on 0.0.0.0"),
        (["--host", "0.0.0.0", "--allow-remote"], "--allow-remote needs your own"),
        (["--access-key-id", "LTAIx"], "pass --access-key-id and --access-key-secret together"),
        (["--fault-rate", "1.5"], "1.5 is not in the range"),
    ],
)
def test_serve_refuses_bad_options_without_a_traceback(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["emulator", "serve", *args]) == 1
    output = capsys.readouterr()
    assert message in output.err
    assert "Traceback" not in output.err + output.out


def test_serve_reports_a_bad_instances_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "instances.yaml"
    bad.write_text("instance_id: cri-abc\n")
    assert main(["emulator", "serve", "--instances", str(bad)]) == 1
    assert f"{bad}: expected a list" in capsys.readouterr().err


def test_serve_prints_the_endpoint_and_key_id_but_never_the_secret(tmp_path: Path) -> None:
    secret = "s3cret-value-for-this-test"
    process = subprocess.Popen(
        [sys.executable, "-m", "crnotify", "emulator", "serve", "--access-key-id", "LTAIcli", "--state",
         str(tmp_path / "state.sqlite"), "--replay-checks"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(SRC), "CRNOTIFY_EMULATOR_ACCESS_KEY_SECRET": secret},
    )  # fmt: skip
    assert process.stdout is not None
    first = process.stdout.readline()
    second = process.stdout.readline()
    endpoint = first.rsplit("http://", 1)[1].strip()
    try:
        config = open_api_models.Config(
            access_key_id="LTAIcli", access_key_secret=secret, endpoint=endpoint, protocol="http"
        )
        # Both official clients, configured with nothing but the key pair, endpoint and protocol.
        listed = EventBridgeClient(config).list_rules(eb.ListRulesRequest(event_bus_name="default"))
        assert listed.body.code == "Success"
        names = CrClient(config).list_event_center_rule_name(
            cr.ListEventCenterRuleNameRequest(instance_id="cri-clitest0001")
        )
        assert (names.body.code, names.body.rule_names) == ("success", [])

        # --replay-checks: the SDK's own calls pass (fresh nonces), the same bytes a second time do not.
        def signed_call(at: str) -> None:
            config = sdk_config(at, access_key_id="LTAIcli", access_key_secret=secret)
            EventBridgeClient(config).list_rules(eb.ListRulesRequest(event_bus_name="default"))

        request = capture(signed_call)
        target = SimpleNamespace(endpoint=endpoint)
        assert replay(target, request)[0] == 200  # type: ignore[arg-type]
        assert replay(target, request)[1]["Code"] == "SignatureNonceUsed"  # type: ignore[arg-type]
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0
    assert "access key id LTAIcli" in second
    assert secret not in first + second + out + err
    assert "Stopped." in out


def test_serve_injects_the_faults_it_is_given_and_counts_calls_over_http(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "crnotify", "emulator", "serve", "--fault-rate", "1", "--seed", "5"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(SRC)},
    )
    assert process.stdout is not None
    banner = [process.stdout.readline() for _ in range(4)]
    endpoint = banner[0].rsplit("http://", 1)[1].strip()
    outcomes = set()
    try:
        config = open_api_models.Config(
            access_key_id=DEFAULT_ACCESS_KEY_ID,
            access_key_secret=DEFAULT_ACCESS_KEY_SECRET,
            endpoint=endpoint,
            protocol="http",
            read_timeout=10_000,
        )
        client = EventBridgeClient(config)
        for _ in range(12):
            try:
                client.list_rules(eb.ListRulesRequest(event_bus_name="default"))
                outcomes.add("ok")
            except Exception as exc:  # each fault surfaces as its own SDK exception
                outcomes.add(type(exc).__name__)
        with urllib.request.urlopen(f"http://{endpoint}/_emulator/stats", timeout=10) as response:
            stats = json.loads(response.read())
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)
    assert "latency 0 ms per call  faults 100% of calls (seed 5)" in banner[3]
    # Every call failed, in the ways the SDK recognises: throttled, 503, or a dropped connection.
    assert outcomes == {"ThrottlingException", "ServerException", "UnretryableException"}
    assert stats == {"ListRules": 12}


def test_emulator_help_does_not_import_the_sdks_or_the_server() -> None:
    code = (
        "import sys\n"
        "from crnotify.cli import main\n"
        "rc = main(['emulator', 'serve', '--help'])\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in {'alibabacloud_tea_openapi', "
        "'alibabacloud_cr20181201', 'alibabacloud_eventbridge20200401', 'darabonba'} "
        "or m.startswith('crnotify.emulator.'))\n"
        "print(heavy)\n"
        "sys.exit(rc)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(SRC)},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"
