"""Chat channels' rate limits in `crnotify replay` (issue 18 item 2, issue 17 item 3): a Lark burst
replayed through the declared rules says which messages Lark refuses (5 a second, no lock), and the
same burst sent to the local Lark robot (`crnotify emulator robot`) over HTTP gets the same refusals —
both decide with `delivery.ratelimit.admit` on the channel's own windows (`delivery/lark.py`)."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from crnotify.clock import ManualClock
from crnotify.config import load
from crnotify.delivery import lark, ratelimit
from crnotify.delivery.send import HttpSender
from crnotify.emulator.channel_robots import RECEIVED_PATH, ChannelRobots, running
from crnotify.model import EventType
from crnotify.offline import replay
from crnotify.offline.runner import RuleBook, send
from crnotify.offline.samples import acr_event
from support.cli_run import run_cli, user_workdir

INSTANCE = "cri-larkburst01"
T0 = 1_767_225_600.0
SECRETS = {"LARK_HOOK": "lark-hook-burst-0123456789"}
CONFIG = f"""\
version: 1
registries:
  - {{name: prod, provider: alibaba, region: cn-hangzhou, instance_id: {INSTANCE}}}
rules:
  - name: builds
    registry: prod
    event: build
    scope:
      namespaces: [team-b]
    notify:
      lark:
        url: https://open.feishu.cn/open-apis/bot/v2/hook/${{env:LARK_HOOK}}
"""


def burst(count: int = 8, every: float = 0.1) -> list[dict[str, Any]]:
    """`count` build events within one second."""
    return [
        acr_event(EventType.BUILD, instance_id=INSTANCE, namespace="team-b", repository="web", tag=f"v{i}",
                  at=T0 + i * every, event_id=f"evt-{i:02d}")
        for i in range(count)
    ]  # fmt: skip


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return user_workdir(tmp_path, monkeypatch, {"rules.yaml": CONFIG}, SECRETS)


def test_lark_limits_come_from_the_channel_and_refuse_without_a_lock() -> None:
    limits = ratelimit.channel_limits("lark")
    assert limits == ratelimit.channel_limits("feishu")
    assert limits is not None
    assert (limits.windows, limits.lock) == (lark.CHANNEL.windows, None)
    state = ratelimit.RobotState()
    decisions = []
    for i in range(7):
        state, decision = ratelimit.admit(state, T0 + i * 0.1, limits)
        decisions.append(decision)
    assert [d.allowed for d in decisions] == [True] * lark.PER_SECOND + [False] * 2
    assert all(d.locked_until is None for d in decisions)
    assert ratelimit.admit(state, T0 + 1.0, limits)[1].allowed  # a second later: room again


def test_replay_of_a_lark_burst_names_the_refusals_the_local_robot_makes(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = burst()
    loaded = load(["config"])
    assert loaded.config is not None
    routes = replay.routes_of(loaded.config)
    assert [r.method for r in routes] == ["lark"]
    (target,) = replay.replay(events, routes).targets
    predicted = [event_id for _, event_id, _ in target.refused]
    assert predicted == ["evt-05", "evt-06", "evt-07"]  # 5 a second
    assert (target.sent, target.late, target.locks, target.lost) == (8, 3, [], [])  # retried 15 s later

    # The same burst, each message once (its first offer), to the local Lark robot over HTTP.
    clock = ManualClock(start=T0)
    robots = ChannelRobots(clock=clock, kinds=("lark",))
    (prepared,) = RuleBook.of(loaded.config).rules
    sender = HttpSender()
    answers: dict[str, str] = {}
    with running(robots) as server:
        for event in events:
            at = replay.event_time(event)
            assert at is not None
            clock.advance(at - clock.now())
            (sent,) = send(prepared, event, sender=sender, clock=clock, robot=server.url)
            answers[event["id"]] = sent.detail
        with urllib.request.urlopen(server.url + RECEIVED_PATH) as response:
            received = json.loads(response.read())["received"]
    sender.close()
    refused_by_robot = [
        e["id"] for e, r in zip(events, received, strict=True) if r["verdict"] == "rate_limited"
    ]
    assert refused_by_robot == predicted
    assert [r["at"] for r in received if r["verdict"] == "rate_limited"] == [
        at for at, _, _ in target.refused
    ]
    assert {answers[i] for i in predicted} == {f"code {lark.RATE_LIMITED_CODE}: frequency limited"}
    assert all(answers[e["id"]] == "code 0: success" for e in events if e["id"] not in predicted)


def test_replay_command_shows_the_refused_messages(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    history = workdir / "burst.jsonl"
    history.write_text("".join(json.dumps(e) + "\n" for e in burst()))
    code, out, err = run_cli(capsys, SECRETS.values(), "replay", "config", "--history", str(history),
                             "--format", "json")  # fmt: skip
    assert code == 0, err
    (target,) = json.loads(out)["targets"]
    assert target["channel"] == "lark"
    assert [r["event_id"] for r in target["refused"]] == ["evt-05", "evt-06", "evt-07"]
    assert (target["locks"], target["lost"], target["sent_late"]) == ([], [], 3)
    code, out, _ = run_cli(capsys, SECRETS.values(), "replay", "config", "--history", str(history))
    assert "refused when first offered: 3 (evt-05, evt-06, evt-07)" in out
    assert "LOCKED" not in out
