"""`crnotify emulator robot` as a user runs it: a real process, the printed webhooks, the channels'
own answers, a clean Ctrl-C."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

SRC = str(Path(__file__).resolve().parents[2] / "src")


def post(url: str, body: object) -> tuple[int, str]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_robot_process_answers_as_each_channel_then_stops_on_ctrl_c() -> None:
    argv = ["emulator", "robot", "--port", "0", "--kind", "lark", "--kind", "slack", "--keyword", "release"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "crnotify", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": SRC},
    )
    try:
        assert proc.stdout is not None
        assert "listening on http://127.0.0.1:" in proc.stdout.readline()
        urls = dict(re.findall(r"^  (\w+): (\S+)$", proc.stdout.readline() + proc.stdout.readline(), re.M))
        assert sorted(urls) == ["lark", "slack"]
        base = urls["lark"].split("/open-apis/")[0]
        # No --hook: the robots made one credential up, and only that one names a robot.
        text = {"msg_type": "text", "content": {"text": "release 1.0"}}
        assert json.loads(post(urls["lark"], text)[1])["code"] == 0
        assert (
            json.loads(post(urls["lark"], {"msg_type": "text", "content": {"text": "1.0"}})[1])["code"]
            == 19024
        )
        assert json.loads(post(f"{base}/open-apis/bot/v2/hook/other", text)[1])["code"] == 19001
        assert post(urls["slack"], {"blocks": "nope"}) == (400, "invalid_payload")
        assert post(urls["slack"], {"text": "release 1.0"}) == (200, "ok")
        assert post(f"{base}/cgi-bin/webhook/send?key=x", {"msgtype": "text"})[0] == 404  # not served
        with urllib.request.urlopen(f"{base}/_received", timeout=10) as response:
            received = json.loads(response.read())["received"]
        assert [(r["kind"], r["verdict"]) for r in received] == [
            ("lark", "ok"),
            ("lark", "keyword"),
            ("lark", "unknown_hook"),
            ("slack", "bad_body"),
            ("slack", "ok"),
        ]
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
