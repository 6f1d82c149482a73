"""`crnotify replay` and `plan --history`: a recorded burst replayed through the declared rules predicts
the DingTalk robot's lock and the lost messages — and matches what publishing the same burst into the
emulator does to a local robot, over HTTP through the official SDKs."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from crnotify.cli.emulator_publish import post_events
from crnotify.clock import ManualClock
from crnotify.config import load
from crnotify.emulator.delivery_hook import DeliveryHook
from crnotify.emulator.dingtalk_server import DingTalkRobots, running
from crnotify.emulator.server import EmulatorServer
from crnotify.model import (
    Config,
    EventType,
    Notify,
    NotifyMethod,
    Registry,
    Rule,
    Scope,
    ScopeKind,
    SecretText,
)
from crnotify.model import Provider as Kind
from crnotify.offline import replay
from crnotify.offline.samples import acr_event
from crnotify.render import replay_json, replay_text
from support.cli_run import run_cli, user_workdir
from test_render import check

SECRETS = {"DT_TOKEN": "dt-token-replay-0123"}
INSTANCE = "cri-replaytest01"
T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z: goldens name times
REGISTRIES = f"""\
version: 1
registries:
  - name: prod
    provider: alibaba
    region: cn-hangzhou
    instance_id: {INSTANCE}
"""


def rules(namespaces: str = "[team-b]") -> str:
    return f"""\
version: 1
rules:
  - name: builds
    registry: prod
    event: build
    scope:
      namespaces: {namespaces}
    notify:
      dingtalk:
        webhook: https://oapi.dingtalk.com/robot/send?access_token=${{env:DT_TOKEN}}
"""


def burst(count: int = 30, every: float = 2.0, namespace: str = "team-b") -> list[dict[str, Any]]:
    return [
        acr_event(EventType.BUILD, instance_id=INSTANCE, namespace=namespace, repository="web", tag=f"v{i}",
                  at=T0 + i * every, event_id=f"evt-{namespace}-{i:02d}")
        for i in range(count)
    ]  # fmt: skip


def write(path: Path, events: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in events))
    return path


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return user_workdir(
        tmp_path, monkeypatch, {"r.yaml": REGISTRIES, "rules.yaml": rules()}, SECRETS, alibaba_keys=True
    )


def test_replay_predicts_what_the_emulator_does_to_the_robot(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = burst()
    loaded = load(["config"])
    assert loaded.config is not None
    predicted = replay.replay(events, replay.routes_of(loaded.config))
    (robot_report,) = predicted.targets
    assert (robot_report.offered, robot_report.sent, robot_report.peak_per_minute) == (30, 20, 30)
    (lock,) = robot_report.locks
    assert (lock.at, lock.until) == (T0 + 40, T0 + 40 + 600)  # the 21st message, at 2 s apart
    predicted_lost = [event_id for _, event_id, _ in robot_report.lost]
    assert predicted_lost == [f"evt-team-b-{i:02d}" for i in range(20, 30)]

    clock = ManualClock(start=T0)
    robots = DingTalkRobots(clock=clock)
    with running(robots) as robot, EmulatorServer(clock=clock) as server:
        hook = DeliveryHook(server.state, clock=clock, seed=5, dingtalk_robot=robot.url)
        server.on_events = hook
        try:
            code, _, err = run_cli(capsys, SECRETS.values(), "apply", "config", "--auto-approve",
                                   "--endpoint", server.endpoint)  # fmt: skip
            assert code == 0, err
            for event in events:  # the same burst, on the emulator's clock
                at = replay.event_time(event)
                assert at is not None
                clock.advance(max(0.0, at - clock.now()))
                post_events(server.url, INSTANCE, "cn-hangzhou", [event])
            lost = [r.event_id for r in hook.results if not any(o.ok for o in r.outcomes)]
        finally:
            hook.close()
    assert lost == predicted_lost
    assert len(robots.received(accepted_only=True)) == robot_report.sent
    first_refused = next(m for m in robots.received() if m.errcode == 130101)
    assert first_refused.at == lock.at


def test_replay_command(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    history = write(workdir / "burst.jsonl", burst())
    code, out, _ = run_cli(capsys, SECRETS.values(), "replay", "config", "--history", str(history),
                           "--format", "json")  # fmt: skip
    assert code == 0
    (target,) = json.loads(out)["targets"]
    assert target["endpoint"].startswith("https://oapi.dingtalk.com/robot/send?access_token=")
    assert (target["sent"], len(target["lost"]), target["peak_per_minute"]) == (20, 10, 30)
    assert target["locks"][0]["at"] == replay_json.iso(T0 + 40)
    code, out, _ = run_cli(capsys, SECRETS.values(), "replay", "config", "--history", str(history))
    assert f"LOCKED at {replay_json.iso(T0 + 40)} until {replay_json.iso(T0 + 640)}" in out
    assert "lost 10:" in out
    assert "… and" not in out  # exactly ten: all listed

    for argv, message in [
        ((), "give --history FILE or --since DURATION"),
        (("--history", "missing.jsonl"), "--history"),
    ]:
        code, _, err = run_cli(capsys, (), "replay", "config", *argv)
        assert (code, message in err, "Traceback" in err) == (1, True, False)
    (workdir / "bad.jsonl").write_text('{"id": 1}\n')
    code, _, err = run_cli(capsys, (), "replay", "config", "--history", "bad.jsonl")
    assert code == 1
    assert "bad.jsonl:1: expected an event object" in err


def test_replay_since_reads_the_registry_records(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with EmulatorServer(clock=ManualClock(start=time.time() - 120)) as server:
        code, _, err = run_cli(capsys, SECRETS.values(), "apply", "config", "--auto-approve",
                               "--endpoint", server.endpoint)  # fmt: skip
        assert code == 0, err
        post_events(server.url, INSTANCE, "cn-hangzhou", burst(count=25, every=0.5))
        code, out, err = run_cli(capsys, SECRETS.values(), "replay", "config", "--since", "1h",
                                 "--endpoint", server.endpoint, "--format", "json")  # fmt: skip
    assert code == 0, err
    document = json.loads(out)
    assert document["events"] == 25
    (target,) = document["targets"]
    assert (target["sent"], len(target["lost"])) == (20, 5)


def test_plan_warns_when_a_widened_scope_would_have_locked_the_robot(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    history = write(workdir / "week.jsonl", burst(15) + burst(15, namespace="team-c"))
    with EmulatorServer() as server:
        at = ("--endpoint", server.endpoint)
        code, _, err = run_cli(capsys, SECRETS.values(), "apply", "config", "--auto-approve", *at)
        assert code == 0, err
        code, _, err = run_cli(capsys, SECRETS.values(), "plan", "config", "--history", str(history), *at)
        assert code == 0
        assert "Warning" not in err  # 15 a minute: the robot keeps up
        (workdir / "config" / "rules.yaml").write_text(rules("[team-b, team-c]"))
        code, out, err = run_cli(capsys, SECRETS.values(), "plan", "config", "--history", str(history),
                                 "--format", "markdown", *at)  # fmt: skip
    assert code == 0, err
    assert "Warning: prod/builds: on the recorded history (30 events) this change would have locked" in err
    assert "for 10 minutes, losing 10 message(s) (10 more than the rules now)" in err
    assert "> [!WARNING]" in out
    assert SECRETS["DT_TOKEN"] not in out + err


def test_replay_renderers() -> None:
    events = [*burst(25), {**burst(1, namespace="team-a")[0], "id": "evt-other"}]
    loaded = load_rules()
    result = replay.replay(events, replay.routes_of(loaded))
    check("replay_burst.txt", replay_text.render(result))
    check("replay_burst.json", replay_json.render(result))


def load_rules() -> Config:
    registry = Registry(name="prod", provider=Kind.ALIBABA, region="cn-hangzhou", instance_id=INSTANCE)
    url = SecretText(template="https://oapi.dingtalk.com/robot/send?access_token=${env:DT_TOKEN}")
    rule = Rule(name="builds", registry="prod", event_type=EventType.BUILD,
                scope=Scope(kind=ScopeKind.NAMESPACE, namespaces=("team-b",)),
                notify=Notify(method=NotifyMethod.DINGTALK, url=url))  # fmt: skip
    return Config(registries=(registry,), rules=(rule,))
