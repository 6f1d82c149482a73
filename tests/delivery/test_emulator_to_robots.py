"""Deliveries from the emulator to the local chat robots (issue 18 item 3): `emulator serve --robot URL`
(or CRNOTIFY_ROBOT) and `emulator publish --local` with CRNOTIFY_ROBOT send a channel rule's messages to
`crnotify emulator robot` on the channel's real webhook path — never to the channel's host — and the
traces `crnotify health` reads carry the robot's own answer."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from crnotify.clock import SystemClock
from crnotify.delivery import channels, wecom
from crnotify.emulator.channel_robots import ChannelRobots, running
from support.cli_run import run_cli, user_workdir

SRC = str(Path(__file__).resolve().parents[2] / "src")
INSTANCE = "cri-robotroute01"
KNOWN, STRANGER = "robot-key-known-0123456789", "robot-key-stranger-0123456789"
SECRETS = {"KNOWN_KEY": KNOWN, "STRANGER_KEY": STRANGER}


def rule(name: str, namespace: str, kind: str, url: str) -> str:
    return f"""\
  - name: {name}
    registry: prod
    event: build
    scope:
      namespaces: [{namespace}]
    notify:
      {kind}:
        url: "{url}"
"""


REGISTRY = f"{{name: prod, provider: alibaba, region: cn-hangzhou, instance_id: {INSTANCE}}}"
CONFIG = (
    f"version: 1\nregistries:\n  - {REGISTRY}\nrules:\n"
    + rule("known", "team-a", "wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${env:KNOWN_KEY}")
    + rule("stranger", "team-b", "wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${env:STRANGER_KEY}")
    + rule("lark", "team-c", "lark", "https://open.feishu.cn/open-apis/bot/v2/hook/${env:KNOWN_KEY}")
)  # fmt: skip


def publish(capsys: pytest.CaptureFixture[str], *argv: str) -> None:
    code, out, err = run_cli(capsys, SECRETS.values(), "emulator", "publish", "config", "--registry", "prod",
                             "--type", "build", *argv)  # fmt: skip
    assert code == 0, err
    assert "published 1 of 1" in out


def health_of(capsys: pytest.CaptureFixture[str], *at: str) -> dict[str, dict[str, object]]:
    _, out, _ = run_cli(capsys, SECRETS.values(), "health", "config", "--format", "json", *at)
    return {r["rule"]: r for r in json.loads(out)["rules"]}


@pytest.mark.slow
def test_serve_delivers_channel_messages_to_the_robot_named_in_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    robots = ChannelRobots(clock=SystemClock(), kinds=("wecom", "lark"), hooks={KNOWN})
    user_workdir(tmp_path, monkeypatch, {"rules.yaml": CONFIG}, SECRETS, alibaba_keys=True)
    with running(robots) as robot:
        process = subprocess.Popen(
            [sys.executable, "-m", "crnotify", "emulator", "serve"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": SRC, "CRNOTIFY_ROBOT": robot.url},
        )
        try:
            assert process.stdout is not None
            endpoint = process.stdout.readline().rsplit("http://", 1)[1].strip()
            at = ("--endpoint", endpoint)
            code, _, err = run_cli(capsys, SECRETS.values(), "apply", "config", "--auto-approve", *at)
            assert code == 0, err
            publish(capsys, *at, "--repo", "team-a/api")
            publish(capsys, *at, "--repo", "team-b/api")
            for _ in range(300):  # delivery (and its trace) runs in the server's background thread
                by_rule = health_of(capsys, *at)
                if by_rule["stranger"]["failed"] and by_rule["known"]["delivered"]:
                    break
                threading.Event().wait(0.1)
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=30) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    known, stranger = robots.received()
    assert (known.kind, known.hook, known.verdict) == ("wecom", KNOWN, "ok")
    assert json.loads(known.body)["msgtype"] == "markdown"  # the channel's body, on its real path
    assert (stranger.hook, stranger.verdict) == (STRANGER, "unknown_hook")
    assert by_rule["known"]["status"] == "healthy"
    assert by_rule["stranger"]["status"] == "failing"
    # The trace carries the robot's own answer (WeCom's errcode 93000), read as a bad token.
    unknown = wecom.CHANNEL.answers[channels.Verdict.UNKNOWN_HOOK]
    assert by_rule["stranger"]["answers"] == [
        {"kind": "bad-token", "answer": f"errcode 93000: {json.loads(unknown.body)['errmsg']}", "count": 1}
    ]


def test_publish_local_delivers_to_the_robot_and_never_to_the_channel_host(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    robots = ChannelRobots(clock=SystemClock(), hooks={KNOWN})
    user_workdir(tmp_path, monkeypatch, {"rules.yaml": CONFIG}, SECRETS, alibaba_keys=True)
    code, _, err = run_cli(capsys, SECRETS.values(), "apply", "config", "--auto-approve", "--local")
    assert code == 0, err
    with running(robots) as robot:
        # Without a robot the Lark message is not sent to open.feishu.cn: refused, and traced so.
        publish(capsys, "--local", "--repo", "team-c/api")
        assert robots.received() == []
        (answer,) = health_of(capsys, "--local")["lark"]["answers"]
        assert answer["kind"] == "refused"
        assert "open.feishu.cn" in str(answer["answer"])

        monkeypatch.setenv("CRNOTIFY_ROBOT", robot.url)
        publish(capsys, "--local", "--repo", "team-c/api")
        (received,) = robots.received()
        assert (received.kind, received.hook, received.verdict) == ("lark", KNOWN, "ok")

        command = ("emulator", "publish", "config", "--registry", "prod", "--type", "build", "--repo", "t/a")
        code, _, err = run_cli(capsys, (), *command, "--endpoint", "127.0.0.1:1", "--robot", robot.url)
        assert (code, "--robot is for --local" in err) == (1, True)
        code, _, err = run_cli(capsys, (), *command, "--local", "--robot", "127.0.0.1:8091")
        assert (code, "is not an http(s) URL" in err, "Traceback" in err) == (1, True, False)


def test_serve_refuses_a_robot_that_is_not_a_url(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, (), "emulator", "serve", "--robot", "127.0.0.1:8091")
    assert (code, "--robot '127.0.0.1:8091' is not an http(s) URL" in err) == (1, True)
