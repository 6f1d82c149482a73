"""`crnotify emulator dingtalk` as a user runs it: a real process, a signed POST, a clean Ctrl-C."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from crnotify.cli import main
from crnotify.delivery.dingtalk import signed_url

SRC = str(Path(__file__).resolve().parents[2] / "src")


def test_robot_process_verifies_and_records_then_stops_on_ctrl_c() -> None:
    env = {**os.environ, "PYTHONPATH": SRC, "CRNOTIFY_DINGTALK_SECRET": "SECcli"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "crnotify", "emulator", "dingtalk", "--port", "0", "--keyword", "release"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        # No --access-token: the robot made one up, and only that one names a robot.
        match = re.search(r"(http://127\.0\.0\.1:\d+)/robot/send\?access_token=([0-9a-f]{64}) ", line)
        assert match, line
        assert "SECcli" not in line
        base, token = match.groups()
        message = {"msgtype": "text", "text": {"content": "release 1.0"}}
        for candidate, answer in (("abc", {"errcode": 300001, "errmsg": "token is not exist"}),
                                  (token, {"errcode": 0, "errmsg": "ok"})):  # fmt: skip
            url = signed_url(f"{base}/robot/send?access_token={candidate}", "SECcli", int(time.time() * 1000))
            request = urllib.request.Request(url, data=json.dumps(message).encode(), method="POST")
            with urllib.request.urlopen(request, timeout=10) as response:
                assert json.loads(response.read()) == answer
        with urllib.request.urlopen(f"{base}/_received", timeout=10) as response:
            received = json.loads(response.read())["received"]
        assert [(r["access_token"], r["message"]) for r in received] == [("abc", None), (token, message)]
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_port_that_cannot_be_used_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["emulator", "dingtalk", "--port", "99999"]) == 1
    assert "99999 is not in the range 0<=x<=65535" in capsys.readouterr().err
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["emulator", "dingtalk", "--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert f"Error: cannot listen on 127.0.0.1:{port}: Address already in use" in err
    assert "unexpected" not in err


def test_a_non_loopback_address_needs_allow_remote(capsys: pytest.CaptureFixture[str]) -> None:
    # Refused before any socket is bound, so the test never listens beyond loopback.
    assert main(["emulator", "dingtalk", "--host", "0.0.0.0"]) == 1
    err = capsys.readouterr().err
    assert "refusing to serve the DingTalk robot on 0.0.0.0" in err
    assert "--allow-remote" in err
    assert "Traceback" not in err
