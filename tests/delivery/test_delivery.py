"""Delivery to real local endpoints: HTTP receivers and the DingTalk robot emulator, with retries on a
manual clock (so a day of EXPONENTIAL_DECAY_RETRY takes no time)."""

from __future__ import annotations

import json
import random
import ssl
import urllib.parse
from pathlib import Path

import pytest

from crnotify.clock import ManualClock
from crnotify.delivery import push_retry as retry
from crnotify.delivery.send import DeliveryRefused, HttpSender, check_destination, deliver, send_once
from crnotify.delivery.transform import DingTalkDelivery, HttpDelivery, render_target
from crnotify.emulator.dingtalk_server import DingTalkRobots, running
from crnotify.model import EventType, NotifyMethod, Scope
from crnotify.offline.samples import acr_event
from crnotify.providers.alibaba.convention import RegistrySpec, default_target
from support.local_receiver import http_receiver, self_signed_certificate

EVENT = acr_event(EventType.SCAN, instance_id="cri-1", namespace="team-a", repository="api", tag="v1.0", at=0)


def spec(method: NotifyMethod, url: str, secret: str | None = None) -> RegistrySpec:
    return RegistrySpec(
        rule_name="scan-api",
        event_type=EventType.SCAN,
        scope=Scope(),
        tag_pattern=".*",
        method=method,
        url=url,
        secret=secret,
    )


def test_http_receiver_gets_the_rendered_body_and_token() -> None:
    clock = ManualClock()
    sender = HttpSender()
    with http_receiver() as receiver:
        target = default_target(spec(NotifyMethod.HTTP, receiver.url + "/hooks/acr?x=1", "tok-1"))
        delivery = render_target(target, EVENT)
        for _ in range(3):  # kept-alive connection reused across deliveries
            result = deliver(
                delivery, sender=sender, clock=clock, strategy=target.retry_strategy, rng=random.Random(1)
            )
            assert result.ok
        sender.close()
    assert len(receiver.requests) == 3
    first = receiver.requests[0]
    assert first.path == "/hooks/acr?x=1"
    assert json.loads(first.body) == EVENT
    assert first.headers["x-eventbridge-signature-token"] == "tok-1"
    assert first.headers["content-type"].startswith("application/json")


def test_https_receiver_gets_the_body_and_an_untrusted_certificate_is_a_failed_attempt(
    tmp_path: Path,
) -> None:
    cert, key = self_signed_certificate(tmp_path)
    with http_receiver(tls=(cert, key)) as receiver:
        target = default_target(spec(NotifyMethod.HTTPS, receiver.url + "/hooks/acr", "tok-tls"))
        delivery = render_target(target, EVENT)
        trusted = HttpSender(ssl_context=ssl.create_default_context(cafile=str(cert)))
        result = deliver(delivery, sender=trusted, clock=ManualClock(), strategy=None, rng=random.Random(1))
        trusted.close()
        assert result.ok, result
        untrusted = HttpSender()  # the system's CAs: a self-signed certificate must not pass
        refused = send_once(delivery, untrusted, ManualClock())
        untrusted.close()
    (request,) = receiver.requests
    assert json.loads(request.body) == EVENT
    assert request.headers["x-eventbridge-signature-token"] == "tok-tls"
    assert not refused.ok
    assert "CERTIFICATE_VERIFY_FAILED" in refused.detail


def test_backoff_retry_waits_10_to_20_seconds_three_times_then_gives_up() -> None:
    clock = ManualClock()
    start = clock.now()
    with http_receiver(keep_alive=False) as receiver:
        receiver.statuses[:] = [503, 503, 503, 503]
        delivery = HttpDelivery(target_id="t", url=receiver.url, body="{}", headers=())
        result = deliver(
            delivery, sender=HttpSender(), clock=clock, strategy=retry.BACKOFF_RETRY, rng=random.Random(5)
        )
    assert not result.ok
    assert [a.detail for a in result.attempts] == ["HTTP 503"] * 4
    gaps = [b.at - a.at for a, b in zip(result.attempts, result.attempts[1:], strict=False)]
    assert all(10 <= gap <= 20 for gap in gaps)
    assert clock.now() - start == pytest.approx(sum(gaps))
    assert gaps == [pytest.approx(d) for d in retry.retry_delays(retry.BACKOFF_RETRY, random.Random(5))]


def test_retry_stops_at_the_first_success_and_client_errors_are_final() -> None:
    clock = ManualClock()
    with http_receiver() as receiver:
        receiver.statuses[:] = [500, 429, 200]
        delivery = HttpDelivery(target_id="t", url=receiver.url, body="x", headers=())
        result = deliver(delivery, sender=HttpSender(), clock=clock, strategy=None, rng=random.Random(0))
        assert result.ok
        assert [a.detail for a in result.attempts] == ["HTTP 500", "HTTP 429", "HTTP 200"]
        receiver.statuses[:] = [404]
        result = deliver(delivery, sender=HttpSender(), clock=clock, strategy=None, rng=random.Random(0))
        assert [a.detail for a in result.attempts] == ["HTTP 404"]


def test_exponential_decay_retries_176_times_within_a_day() -> None:
    delays = retry.retry_delays(retry.EXPONENTIAL_DECAY_RETRY, random.Random(0))
    assert len(delays) == 176
    assert delays[:11] == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 512]
    assert sum(delays) < 24 * 3600
    clock = ManualClock()
    start = clock.now()
    # Nothing listens on this port after the receiver closes: every attempt is a refused connection.
    with http_receiver() as receiver:
        url = receiver.url
    delivery = HttpDelivery(target_id="t", url=url, body="x", headers=())
    result = deliver(
        delivery,
        sender=HttpSender(),
        clock=clock,
        strategy=retry.EXPONENTIAL_DECAY_RETRY,
        rng=random.Random(0),
    )
    assert len(result.attempts) == 177
    assert result.attempts[0].detail.startswith("ConnectionRefusedError")
    assert clock.now() - start == sum(delays)
    with pytest.raises(ValueError, match="unknown push retry strategy"):
        retry.retry_delays("SOMETIMES", random.Random(0))


@pytest.mark.parametrize(
    "url",
    ["http://example.com/hook", "https://10.0.0.1/x", "https://oapi.dingtalk.com/robot/send?access_token=s"],
)
def test_remote_hosts_are_refused_unless_allowed(url: str) -> None:
    with pytest.raises(DeliveryRefused, match="only loopback hosts") as caught:
        check_destination(url, allow_remote=False)
    assert "access_token=s" not in str(caught.value)
    assert check_destination(url, allow_remote=True).hostname
    delivery = HttpDelivery(target_id="t", url=url, body="x", headers=())
    with pytest.raises(DeliveryRefused):
        deliver(delivery, sender=HttpSender(), clock=ManualClock(), strategy=None, rng=random.Random(0))


@pytest.mark.parametrize("url", ["http://localhost:1/", "http://127.0.0.2:1/", "http://[::1]:1/"])
def test_loopback_hosts_are_allowed(url: str) -> None:
    check_destination(url, allow_remote=False)
    with pytest.raises(DeliveryRefused, match="not an http"):
        check_destination("ftp://127.0.0.1/", allow_remote=False)


def test_dingtalk_delivery_is_signed_and_accepted_by_the_robot() -> None:
    clock = ManualClock()
    robots = DingTalkRobots(clock=clock, secret="SECabc", keywords=("scan",))
    with running(robots) as server:
        target = default_target(spec(NotifyMethod.DINGTALK, server.webhook("robot-1"), "SECabc"))
        delivery = render_target(target, EVENT)
        assert isinstance(delivery, DingTalkDelivery)
        result = deliver(delivery, sender=HttpSender(), clock=clock, strategy=None, rng=random.Random(0))
    assert result.ok, result.attempts
    assert result.attempts[0].detail == "errcode 0: ok"
    assert "robot-1" not in result.endpoint
    (message,) = robots.received(accepted_only=True)
    assert message.message is not None
    assert "team-a/api:v1.0" in message.message["markdown"]["text"]


def test_dingtalk_rate_limit_is_retried_and_a_bad_secret_is_not() -> None:
    clock = ManualClock()
    robots = DingTalkRobots(clock=clock, secret="SECabc")
    with running(robots) as server:
        good = render_target(
            default_target(spec(NotifyMethod.DINGTALK, server.webhook("r"), "SECabc")), EVENT
        )
        for _ in range(20):
            assert deliver(good, sender=HttpSender(), clock=clock, strategy=None, rng=random.Random(0)).ok
        limited = deliver(good, sender=HttpSender(), clock=clock, strategy=None, rng=random.Random(0))
        assert [a.detail.split(":")[0] for a in limited.attempts] == ["errcode 130101"] * 4
        # BACKOFF_RETRY's three retries (≤ 60 s) all fall inside the 10-minute lock.
        assert not limited.ok
        bad = render_target(
            default_target(spec(NotifyMethod.DINGTALK, server.webhook("r2"), "SECwrong")), EVENT
        )
        refused = deliver(bad, sender=HttpSender(), clock=clock, strategy=None, rng=random.Random(0))
        assert [a.detail for a in refused.attempts] == ["errcode 310000: sign not match"]
    query = urllib.parse.urlsplit(good.webhook).query
    assert "timestamp" not in query  # signing happens per attempt, not in the rendered delivery
