"""`crnotify health` end to end: rules applied to the emulator by `crnotify apply`, ACR events published
into it (`emulator publish`), delivered to real local receivers and a local DingTalk robot, then read
back through the official SDKs (ListEventCenterRecord, QueryEventTraces) — and on moto, from
CloudWatch's metrics. The verdict logic itself is pure (`crnotify.health`), tested at the end."""

from __future__ import annotations

import datetime
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from alibabacloud_eventbridge20200401 import models as eb

from crnotify import health
from crnotify.clock import ManualClock
from crnotify.emulator.delivery_hook import DeliveryHook
from crnotify.emulator.dingtalk_server import DingTalkRobots, running
from crnotify.emulator.server import EmulatorServer
from support.cli_run import run_cli, user_workdir
from support.local_receiver import Receiver, http_receiver

SECRETS = {"DT_TOKEN": "dt-token-health-0123", "DT_SECRET": "SEChealthsigning0123"}
INSTANCE = "cri-healthtest01"
REGISTRIES = f"""\
version: 1
registries:
  - name: prod
    provider: alibaba
    region: cn-hangzhou
    instance_id: {INSTANCE}
"""


def rule(name: str, namespace: str, notify: str, event: str = "build") -> str:
    return f"""\
  - name: {name}
    registry: prod
    event: {event}
    scope:
      namespaces: [{namespace}]
    notify:
{notify}"""


def http(url: str) -> str:
    return f"      http:\n        url: {url}\n"


DINGTALK = (
    "      dingtalk:\n"
    "        webhook: https://oapi.dingtalk.com/robot/send?access_token=${env:DT_TOKEN}\n"
    "        secret: ${env:DT_SECRET}\n"
)


@pytest.fixture
def cloud() -> Iterator[tuple[EmulatorServer, DingTalkRobots, Receiver, Receiver]]:
    clock = ManualClock(start=time.time() - 60)
    robots = DingTalkRobots(clock=clock, secret=SECRETS["DT_SECRET"])
    with running(robots) as robot, http_receiver() as good, http_receiver() as bad:
        bad.statuses = [500] * 1000
        with EmulatorServer(clock=clock) as server:
            hook = DeliveryHook(server.state, clock=clock, seed=7, dingtalk_robot=robot.url)
            server.on_events = hook
            try:
                yield server, robots, good, bad
            finally:
                hook.close()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    return run_cli(capsys, SECRETS.values(), *argv)


def publish(capsys: pytest.CaptureFixture[str], server: EmulatorServer, repo: str, count: int = 1) -> None:
    code, out, err = run(
        capsys, "emulator", "publish", "config", "--endpoint", server.endpoint, "--registry", "prod",
        "--type", "build", "--repo", repo, "--count", str(count),
    )  # fmt: skip
    assert code == 0, err
    assert f"published {count} of {count}" in out


@pytest.mark.slow
def test_health_reports_each_rule_as_it_is(
    cloud: tuple[EmulatorServer, DingTalkRobots, Receiver, Receiver],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    eventbridge_client_factory: Any,
) -> None:
    server, robots, good, bad = cloud
    rules = "version: 1\nrules:\n" + "".join([
        rule("ok", "team-a", http(good.url + "/ok")),
        rule("robot", "team-b", DINGTALK),
        rule("broken", "team-c", http(bad.url)),
        rule("edited", "team-d", http(good.url + "/edited")),
        rule("quiet", "team-e", http(good.url + "/quiet"), event="scan"),
    ])  # fmt: skip
    files = {"registries.yaml": REGISTRIES, "rules.yaml": rules}
    user_workdir(tmp_path, monkeypatch, files, SECRETS, alibaba_keys=True)
    at = ("--endpoint", server.endpoint)
    code, _, err = run(capsys, "apply", "config", "--auto-approve", *at)
    assert code == 0, err
    # A bus-side edit that makes "edited" match nothing ACR emits.
    bus = eventbridge_client_factory(server)
    nothing = json.dumps({"source": ["acs.cr"], "type": ["cr:Artifact:Nothing"]})
    bus.update_rule(
        eb.UpdateRuleRequest(event_bus_name="default", rule_name="edited", filter_pattern=nothing)
    )

    publish(capsys, server, "team-a/api", 2)
    publish(capsys, server, "team-b/web", 25)  # past 20 a minute: the robot locks
    publish(capsys, server, "team-c/db")
    publish(capsys, server, "team-d/ui", 3)

    assert len(robots.received(accepted_only=True)) == 20
    code, out, err = run(capsys, "health", "config", "--format", "json", *at)
    assert code == health.EXIT_UNHEALTHY, err
    report = json.loads(out)
    by_rule = {r["rule"]: r for r in report["rules"]}
    assert {name: r["status"] for name, r in by_rule.items()} == {
        "ok": "healthy",
        "robot": "failing",
        "broken": "failing",
        "edited": "silent",
        "quiet": "idle",
    }
    ok = by_rule["ok"]
    assert (ok["events_in_scope"], ok["matched"], ok["delivered"], ok["failed"]) == (2, 2, 2, 0)
    robot = by_rule["robot"]
    assert (robot["events_in_scope"], robot["delivered"], robot["failed"]) == (25, 20, 5)
    assert robot["answers"] == [
        {
            "kind": "throttled",
            "answer": "errcode 130101: send too fast, exceed 20 times per minute",
            "count": 5,
        }
    ]
    assert by_rule["broken"]["answers"] == [{"kind": "http-5xx", "answer": "HTTP 500", "count": 1}]
    edited = by_rule["edited"]
    assert (edited["events_in_scope"], edited["matched"], edited["delivered"]) == (3, 0, 0)
    assert "matched none" in edited["reason"]
    assert report["summary"] == {"healthy": 1, "failing": 2, "silent": 1, "idle": 1, "unknown": 0}
    assert report["window"]["beyond_records"] is False

    code, out, _ = run(capsys, "health", "config", "--since", "5d", *at)
    assert code == health.EXIT_UNHEALTHY
    assert "failing  prod/robot: 5 delivery(ies) failed: throttled" in out
    assert "5 × throttled: errcode 130101" in out
    assert "the cloud keeps event traces and records 3 days" in out

    # Only the healthy rule (and the idle one): exit 0.
    (tmp_path / "config" / "rules.yaml").write_text(
        "version: 1\nrules:\n" + rule("ok", "team-a", http(good.url + "/ok"))
    )
    code, out, _ = run(capsys, "health", "config", "--format", "markdown", *at)
    assert code == 0, out
    assert out.startswith("## Delivery health: healthy")


def test_health_refuses_a_bad_duration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    user_workdir(tmp_path, monkeypatch, {"registries.yaml": REGISTRIES}, SECRETS, alibaba_keys=True)
    code, _, err = run(capsys, "health", "config", "--since", "yesterday", "--local")
    assert code == 1
    assert "--since: 'yesterday' is not a duration" in err


AWS_REGISTRIES = """\
version: 1
registries:
  - name: ecr-prod
    provider: aws
    region: eu-west-1
    account: "123456789012"
"""
AWS_RULES = """\
version: 1
rules:
  - name: ecr-builds-ok
    registry: ecr-prod
    event: push
    scope: instance
    notify:
      https:
        url: https://hooks.example.com/ok
  - name: ecr-builds-failing
    registry: ecr-prod
    event: push
    scope: instance
    notify:
      https:
        url: https://hooks.example.com/failing
"""


@pytest.mark.slow
def test_health_on_aws_reads_cloudwatch_metrics(
    aws_env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    user_workdir(tmp_path, monkeypatch, {"r.yaml": AWS_REGISTRIES, "rules.yaml": AWS_RULES}, {})
    cloudwatch = boto3.client("cloudwatch", region_name="eu-west-1")
    now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)

    def put(rule_name: str, metric: str, value: float) -> None:
        cloudwatch.put_metric_data(
            Namespace="AWS/Events",
            MetricData=[{"MetricName": metric, "Dimensions": [{"Name": "RuleName", "Value": rule_name}],
                         "Timestamp": now, "Value": value, "Unit": "Count"}],
        )  # fmt: skip

    for name, metric, value in [
        ("ecr-builds-ok", "TriggeredRules", 4), ("ecr-builds-ok", "Invocations", 4),
        ("ecr-builds-failing", "TriggeredRules", 3), ("ecr-builds-failing", "Invocations", 3),
        ("ecr-builds-failing", "FailedInvocations", 2), ("ecr-builds-failing", "ThrottledRules", 1),
    ]:  # fmt: skip
        put(name, metric, value)
    code, out, err = run_cli(capsys, (), "health", "config", "--format", "json", "--since", "1h")
    assert code == health.EXIT_UNHEALTHY, err
    by_rule = {r["rule"]: r for r in json.loads(out)["rules"]}
    assert by_rule["ecr-builds-ok"]["status"] == "healthy"
    assert (by_rule["ecr-builds-ok"]["matched"], by_rule["ecr-builds-ok"]["delivered"]) == (4, 4)
    failing = by_rule["ecr-builds-failing"]
    assert (failing["status"], failing["delivered"], failing["failed"]) == ("failing", 1, 3)
    assert {a["kind"] for a in failing["answers"]} == {"throttled", "other"}
    assert failing["events_in_scope"] is None  # CloudWatch keeps no record of unmatched events


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        ("errcode 130101: send too fast, exceed 20 times per minute", health.AnswerKind.THROTTLED),
        ("errcode 310000: sign not match", health.AnswerKind.BAD_SIGNATURE),
        ("errcode 310000: keywords not in content", health.AnswerKind.KEYWORDS),
        ("HTTP 503", health.AnswerKind.HTTP_5XX),
        ("[502]Bad Gateway", health.AnswerKind.HTTP_5XX),
        ("HTTP 404", health.AnswerKind.HTTP_4XX),
        ("TimeoutError: timed out", health.AnswerKind.TIMEOUT),
        ("ConnectionRefusedError: [Errno 111] Connection refused", health.AnswerKind.UNREACHABLE),
        ("refusing to deliver to hooks.example.com", health.AnswerKind.REFUSED),
        ("something else", health.AnswerKind.OTHER),
    ],
)
def test_answers_are_sorted_into_kinds(answer: str, kind: health.AnswerKind) -> None:
    assert health.classify(answer) is kind


def test_a_retried_event_delivered_at_last_is_no_failure() -> None:
    pushes = (health.Push("e1", 1, False, "HTTP 503"), health.Push("e1", 2, True))
    verdict = health.judge(health.Reading("r", "x", "test", in_scope=1, matched=1, pushes=pushes))
    assert (verdict.status, verdict.delivered, verdict.failed) == (health.Status.HEALTHY, 1, 0)


def test_durations() -> None:
    assert [health.parse_duration(t) for t in ("90s", "15m", "6h", "3d", "1w", "30")] == [
        90,
        900,
        21_600,
        259_200,
        604_800,
        30,
    ]
    for bad in ("", "0d", "3 days", "-1h"):
        with pytest.raises(ValueError, match="not a duration"):
            health.parse_duration(bad)
