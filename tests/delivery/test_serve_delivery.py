"""`crnotify emulator serve` delivers: a real server process, the official SDKs, a real local endpoint."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from alibabacloud_eventbridge20200401 import models as eb

from crnotify.cli import main
from crnotify.clock import SystemClock
from crnotify.emulator.dingtalk_server import DingTalkRobots, running
from crnotify.model import EventType, NotifyMethod, Scope
from crnotify.offline.samples import acr_event
from crnotify.providers.alibaba.convention import RegistrySpec
from support.local_receiver import http_receiver

SRC = str(Path(__file__).resolve().parents[2] / "src")


def test_serve_delivers_put_events_in_the_background(
    cr_client_factory: Any, eventbridge_client_factory: Any, create_event_center_rule: Any
) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "crnotify", "emulator", "serve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": SRC},
    )
    try:
        assert process.stdout is not None
        endpoint = process.stdout.readline().rsplit("http://", 1)[1].strip()
        with http_receiver() as receiver:
            arrived = threading.Event()
            receiver.on_request = arrived.set
            spec = RegistrySpec(
                rule_name="build-all",
                event_type=EventType.BUILD,
                scope=Scope(),
                tag_pattern=".*",
                method=NotifyMethod.HTTP,
                url=receiver.url + "/b",
            )
            create_event_center_rule(cr_client_factory(endpoint), "cri-serve", spec.to_params())
            event = acr_event(
                EventType.BUILD,
                instance_id="cri-serve",
                namespace="n",
                repository="r",
                tag="t",
                at=1_767_225_600,
                event_id="evt-serve",
            )
            entry = eb.PutEventsRequestEventList(
                id=event["id"], source="acs.cr", type=event["type"], data=json.dumps(event["data"])
            )
            eventbridge_client_factory(endpoint).put_events(
                eb.PutEventsRequest(event_bus_name="default", event_list=[entry])
            )
            assert arrived.wait(timeout=30), "the receiver got nothing"
        (request,) = receiver.requests
        assert json.loads(request.body)["data"] == event["data"]
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_serve_sends_dingtalk_messages_to_the_local_robot_it_is_given(
    cr_client_factory: Any, eventbridge_client_factory: Any, create_event_center_rule: Any
) -> None:
    """An ACR rule notifying oapi.dingtalk.com, as crnotify validate requires, reaches
    `crnotify emulator dingtalk` through serve --dingtalk-robot: signed, with its access token."""
    robots = DingTalkRobots(clock=SystemClock(), secret="SECserve-robot")
    with running(robots) as robot:
        process = subprocess.Popen(
            [sys.executable, "-m", "crnotify", "emulator", "serve", "--dingtalk-robot", robot.url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": SRC},
        )
        try:
            assert process.stdout is not None
            endpoint = process.stdout.readline().rsplit("http://", 1)[1].strip()
            spec = RegistrySpec(
                rule_name="build-ding",
                event_type=EventType.BUILD,
                scope=Scope(),
                tag_pattern=".*",
                method=NotifyMethod.DINGTALK,
                url="https://oapi.dingtalk.com/robot/send?access_token=team-robot",
                secret="SECserve-robot",
            )
            create_event_center_rule(cr_client_factory(endpoint), "cri-serve", spec.to_params())
            event = acr_event(
                EventType.BUILD, instance_id="cri-serve", namespace="n", repository="r", tag="t",
                at=1_767_225_600, event_id="evt-ding",
            )  # fmt: skip
            entry = eb.PutEventsRequestEventList(
                id=event["id"], source="acs.cr", type=event["type"], data=json.dumps(event["data"])
            )
            eventbridge_client_factory(endpoint).put_events(
                eb.PutEventsRequest(event_bus_name="default", event_list=[entry])
            )
            for _ in range(300):  # delivery runs in the server's background thread
                if robots.received():
                    break
                threading.Event().wait(0.1)
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=30) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    (received,) = robots.received()
    assert (received.access_token, received.errcode) == ("team-robot", 0)
    assert main(["emulator", "serve", "--dingtalk-robot", "127.0.0.1:8090"]) == 1
