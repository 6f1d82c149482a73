"""`crnotify health` reads each chat channel's own answers (issue 18 item 2, issue 17 item 2): a rule
to the channel's local robot (`crnotify emulator robot`), ACR events published past the channel's rate
limit through the emulator's bus (`emulator publish`), and `health --format json` names the rule
failing, `throttled`, with the channel's own code — recognised from `delivery/<channel>.py`'s answers.

The robot's clock stands still: the whole burst reaches it within one of its instants, as EventBridge's
concurrent pushes would. (The emulator delivers one push after another, and its push retries advance
its own manual clock by 10–20 s each, which would give a robot on the same clock room again.)
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from crnotify import health
from crnotify.clock import ManualClock
from crnotify.delivery import channels
from crnotify.emulator.channel_robots import ChannelRobots, running
from crnotify.emulator.delivery_hook import DeliveryHook
from crnotify.emulator.server import EmulatorServer
from support.cli_run import run_cli, user_workdir

INSTANCE = "cri-healthchan01"
HOOK = "hook-health-channel-0123456789"
KINDS = ("lark", "wecom", "slack", "teams")
# Each channel's example URL names its credential as ${env:…}; every one of them is HOOK here.
SECRETS = {"LARK_HOOK": HOOK, "WECOM_KEY": HOOK, "SLACK_HOOK": HOOK, "TEAMS_SIG": HOOK}


def config(kind: str) -> str:
    return f"""\
version: 1
registries:
  - {{name: prod, provider: alibaba, region: cn-hangzhou, instance_id: {INSTANCE}}}
rules:
  - name: chat-builds
    registry: prod
    event: build
    scope:
      namespaces: [team-a]
    notify:
      {kind}:
        url: "{channels.get(kind).example_url}"
"""


@pytest.fixture
def robots() -> Iterator[tuple[ChannelRobots, str]]:
    robots = ChannelRobots(clock=ManualClock(start=time.time()))
    with running(robots) as server:
        yield robots, server.url


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_health_reports_a_rule_throttled_by_its_channel(
    kind: str,
    robots: tuple[ChannelRobots, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    robot, robot_url = robots
    channel = channels.get(kind)
    allowed = min(count for count, _ in channel.windows)  # the shortest window's count, in one instant
    user_workdir(tmp_path, monkeypatch, {"rules.yaml": config(kind)}, SECRETS, alibaba_keys=True)
    clock = ManualClock(start=time.time() - 60)
    with EmulatorServer(clock=clock) as server:
        hook = DeliveryHook(server.state, clock=clock, seed=3, channel_robot=robot_url)
        server.on_events = hook
        try:
            at = ("--endpoint", server.endpoint)
            code, _, err = run_cli(capsys, SECRETS.values(), "apply", "config", "--auto-approve", *at)
            assert code == 0, err
            code, out, err = run_cli(capsys, SECRETS.values(), "emulator", "publish", "config", *at,
                                     "--registry", "prod", "--type", "build", "--repo", "team-a/api",
                                     "--count", str(allowed + 2))  # fmt: skip
            assert code == 0, err
            code, out, err = run_cli(capsys, SECRETS.values(), "health", "config", "--format", "json", *at)
        finally:
            hook.close()
    assert code == health.EXIT_UNHEALTHY, err
    (verdict,) = json.loads(out)["rules"]
    assert (verdict["status"], verdict["delivered"], verdict["failed"]) == ("failing", allowed, 2)
    (answer,) = verdict["answers"]
    refusal = channel.answers[channels.Verdict.RATE_LIMITED]
    assert channel.read_answer is not None
    own_code = channel.read_answer(refusal.status, refusal.body.encode()).code
    assert (answer["kind"], answer["count"]) == ("throttled", 2)
    assert answer["answer"].startswith(own_code)  # e.g. Lark `code 11232`, WeCom `errcode 45009`
    # The robot saw it that way: `allowed` posted, the rest (and every retry) refused over the limit.
    verdicts = [m.verdict for m in robot.received()]
    assert verdicts.count("ok") == allowed
    assert set(verdicts) == {"ok", "rate_limited"}
    assert {m.hook for m in robot.received()} == {HOOK}


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        ("code 11232: frequency limited", health.AnswerKind.THROTTLED),
        ("errcode 45009: api freq out of limit", health.AnswerKind.THROTTLED),
        ("HTTP 429: rate_limited", health.AnswerKind.THROTTLED),
        ("HTTP 429: WorkflowRequestsThrottled", health.AnswerKind.THROTTLED),
        ("code 19001: param invalid: incoming webhook access token invalid", health.AnswerKind.BAD_TOKEN),
        ("errcode 93000: invalid webhook url", health.AnswerKind.BAD_TOKEN),
        ("HTTP 403: invalid_token", health.AnswerKind.BAD_TOKEN),
        ("HTTP 401: DirectApiAuthorizationRequired", health.AnswerKind.BAD_TOKEN),
        ("code 19024: Key Words Not Found", health.AnswerKind.KEYWORDS),
        ("errcode 130101: send too fast, exceed 20 times per minute", health.AnswerKind.THROTTLED),
        ("errcode 19001: not a channel", health.AnswerKind.OTHER),  # `code N` is Lark's, not `errcode N`
    ],
)
def test_channel_answers_are_sorted_into_kinds(answer: str, kind: health.AnswerKind) -> None:
    assert health.classify(answer) is kind
