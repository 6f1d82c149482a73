"""The DingTalk robot emulator over real HTTP, signed with the documented algorithm written here again.

DingTalk's "加签": string to sign `timestamp + "\\n" + secret` (timestamp in ms), HMAC-SHA256 keyed by the
secret, Base64, URL-encoded; sent as `&timestamp=…&sign=…`; valid for one hour.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest

from crnotify.clock import ManualClock
from crnotify.delivery import dingtalk
from crnotify.emulator.dingtalk_server import DingTalkRobots, DingTalkServer, running

SECRET = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"


def documented_sign(secret: str, timestamp_ms: int) -> str:
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), digestmod=hashlib.sha256)
    return urllib.parse.quote_plus(base64.b64encode(mac.digest()))


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def server(clock: ManualClock) -> Iterator[DingTalkServer]:
    robots = DingTalkRobots(clock=clock, secret=SECRET, keywords=("release",))
    with running(robots) as srv:
        yield srv


def post(
    server: DingTalkServer, message: object, *, token: str = "tok", ts: int | None, sign: str | None
) -> dict:
    url = server.webhook(token)
    if ts is not None:
        url += f"&timestamp={ts}"
    if sign is not None:
        url += f"&sign={sign}"
    request = urllib.request.Request(
        url, data=json.dumps(message).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
        return json.loads(response.read())


def text(content: str) -> dict:
    return {"msgtype": "text", "text": {"content": content}}


def signed_post(server: DingTalkServer, clock: ManualClock, message: object, token: str = "tok") -> dict:
    ts = int(clock.now() * 1000)
    return post(server, message, token=token, ts=ts, sign=documented_sign(SECRET, ts))


def test_library_signature_is_the_documented_one() -> None:
    assert dingtalk.sign(SECRET, 1_700_000_000_000) == documented_sign(SECRET, 1_700_000_000_000)
    url = dingtalk.signed_url("https://oapi.dingtalk.com/robot/send?access_token=x", SECRET, 1)
    expected_sign = documented_sign(SECRET, 1)
    assert url == f"https://oapi.dingtalk.com/robot/send?access_token=x&timestamp=1&sign={expected_sign}"


def test_signed_message_with_keyword_is_accepted_and_recorded(
    server: DingTalkServer, clock: ManualClock
) -> None:
    assert signed_post(server, clock, text("release v1 is out")) == {"errcode": 0, "errmsg": "ok"}
    with urllib.request.urlopen(server.url + "/_received", timeout=10) as response:
        received = json.loads(response.read())["received"]
    assert [(r["errcode"], r["message"]) for r in received] == [(0, text("release v1 is out"))]


def test_security_failures_answer_310000(server: DingTalkServer, clock: ManualClock) -> None:
    ts = int(clock.now() * 1000)
    assert post(server, text("release"), ts=ts, sign=documented_sign("SECwrong", ts)) == {
        "errcode": 310000,
        "errmsg": "sign not match",
    }
    assert post(server, text("release"), ts=None, sign=None)["errmsg"] == "sign not match"
    stale = ts - 3_600_001
    assert post(server, text("release"), ts=stale, sign=documented_sign(SECRET, stale)) == {
        "errcode": 310000,
        "errmsg": "invalid timestamp",
    }
    ahead = ts + 3_600_001  # the skew counts both ways: a sender's clock an hour fast fails too
    assert post(server, text("release"), ts=ahead, sign=documented_sign(SECRET, ahead))["errmsg"] == (
        "invalid timestamp"
    )
    edge = ts - 3_600_000  # exactly one hour old is still accepted
    assert post(server, text("release"), ts=edge, sign=documented_sign(SECRET, edge))["errcode"] == 0
    assert signed_post(server, clock, text("hello")) == {
        "errcode": 310000,
        "errmsg": "keywords not in content",
    }


def test_21st_message_in_a_minute_is_refused_and_the_lock_lifts_after_ten_minutes(
    server: DingTalkServer, clock: ManualClock
) -> None:
    for i in range(20):
        assert signed_post(server, clock, text(f"release #{i}"))["errcode"] == 0
        clock.advance(2.5)  # 20 messages over 50 s
    assert signed_post(server, clock, text("release #21")) == {
        "errcode": 130101,
        "errmsg": "send too fast, exceed 20 times per minute",
    }
    assert signed_post(server, clock, text("release"), token="another-robot")["errcode"] == 0
    clock.advance(9 * 60 + 59)
    assert signed_post(server, clock, text("release"))["errcode"] == 130101
    clock.advance(1)
    assert signed_post(server, clock, text("release after the lock"))["errcode"] == 0
    accepted = [m.message for m in server.robots.received(accepted_only=True) if m.access_token == "tok"]
    assert len(accepted) == 21
    assert accepted[-1] == text("release after the lock")


def test_configured_tokens_and_bad_bodies(clock: ManualClock) -> None:
    robots = DingTalkRobots(clock=clock, access_tokens={"known"})
    with running(robots) as srv:
        assert post(srv, text("x"), token="unknown", ts=None, sign=None)["errcode"] == 300001
        assert post(srv, {"no": "msgtype"}, token="known", ts=None, sign=None)["errcode"] == 40035
        assert post(srv, text("no signing configured"), token="known", ts=None, sign=None)["errcode"] == 0
