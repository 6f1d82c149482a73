"""The DingTalk robot emulator over real HTTP, signed with the documented algorithm written here again.

DingTalk's "加签": string to sign `timestamp + "\\n" + secret` (timestamp in ms), HMAC-SHA256 keyed by the
secret, Base64, URL-encoded; sent as `&timestamp=…&sign=…`; valid for one hour.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest

from crnotify.clock import ManualClock
from crnotify.delivery import dingtalk
from crnotify.emulator.dingtalk_server import DingTalkRobots, DingTalkServer, running
from crnotify.errors import CrnotifyError

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


# --- hardening: bounded bodies and history, JSON refusals, loopback only ------------------------------


def raw_post(srv: DingTalkServer, path: str, headers: dict[str, str], body: bytes = b"") -> tuple[int, dict]:
    """A POST whose headers say what the test wants, whatever the body is."""
    host, port = srv.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.putrequest("POST", path, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders(body or None)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_a_huge_body_is_refused_unread_with_dingtalks_error(clock: ManualClock) -> None:
    robots = DingTalkRobots(clock=clock, access_tokens={"known"})
    with running(robots) as srv:
        # 300 MB declared, none sent: an answer at all proves the robot did not wait to read it.
        status, answer = raw_post(srv, "/robot/send?access_token=known", {"Content-Length": str(300 << 20)})
        assert (status, answer) == (
            413,
            {"errcode": 460101, "errmsg": "message too long, exceed 20000 bytes"},
        )
        # An unknown token is still the first thing a robot checks.
        status, answer = raw_post(srv, "/robot/send?access_token=nope", {"Content-Length": str(300 << 20)})
        assert (status, answer["errcode"]) == (413, 300001)
    assert robots.stats() == {"accepted": 0, "rejected": 2, "evicted": 0, "stored": 2, "stored_body_chars": 0}
    assert [m.size for m in robots.received()] == [300 << 20] * 2


def test_the_cap_is_dingtalks_20000_bytes(clock: ManualClock) -> None:
    robots = DingTalkRobots(clock=clock, access_tokens={"known"})
    with running(robots) as srv:
        padding = "x" * (20_000 - len(json.dumps(text(""))))
        at_cap = json.dumps(text(padding)).encode()
        assert len(at_cap) == 20_000
        assert post(srv, text(padding), token="known", ts=None, sign=None) == {"errcode": 0, "errmsg": "ok"}
        over = at_cap[:-2] + b'x"}}'  # 20,001 bytes, sent in full: drained, not kept
        status, answer = raw_post(
            srv, "/robot/send?access_token=known", {"Content-Length": str(len(over))}, over
        )
        assert (status, answer["errcode"]) == (413, 460101)
    assert robots.stats()["stored_body_chars"] == 20_000  # the accepted message only


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"Content-Length": "abc"}, "Content-Length is not a number"),
        ({"Content-Length": "-1"}, "Content-Length is negative"),
        ({}, "Content-Length is required"),
    ],
)
def test_a_bad_content_length_is_a_json_400(clock: ManualClock, headers: dict[str, str], reason: str) -> None:
    robots = DingTalkRobots(clock=clock)
    with running(robots) as srv:
        assert raw_post(srv, "/robot/send?access_token=t", headers) == (
            400,
            {"errcode": 400, "errmsg": reason},
        )
        # The server is still there for the next sender.
        assert post(srv, text("after"), token="t", ts=None, sign=None)["errcode"] == 0
    assert robots.stats()["rejected"] == 0  # not a message: nothing to count


def test_history_is_a_ring_and_rejected_messages_are_not_kept_in_full(clock: ManualClock) -> None:
    robots = DingTalkRobots(clock=clock, access_tokens={"known"}, history=5)
    with running(robots) as srv:
        big = text("y" * 15_000)
        for _ in range(6):
            assert post(srv, big, token="stranger", ts=None, sign=None)["errcode"] == 300001
        for i in range(2):
            assert post(srv, text(f"kept {i}"), token="known", ts=None, sign=None)["errcode"] == 0
        with urllib.request.urlopen(srv.url + "/_received", timeout=10) as response:
            listed = json.loads(response.read())
    stats = robots.stats()
    assert {k: stats[k] for k in ("accepted", "rejected", "evicted", "stored")} == {
        "accepted": 2, "rejected": 6, "evicted": 3, "stored": 5,
    }  # fmt: skip
    rejected = [m for m in robots.received() if not m.accepted]
    assert len(rejected) == 3
    assert all(len(m.body) == 200 and m.message is None and m.size > 15_000 for m in rejected)
    assert [m["message"] for m in listed["received"][-2:]] == [text("kept 0"), text("kept 1")]
    assert listed["stats"] == stats
    assert stats["stored_body_chars"] == 3 * 200 + sum(len(json.dumps(text(f"kept {i}"))) for i in range(2))


def test_a_non_loopback_address_is_refused_before_binding(clock: ManualClock) -> None:
    robots = DingTalkRobots(clock=clock)
    for host in ("0.0.0.0", "192.0.2.1", "::"):  # 192.0.2.1 (TEST-NET-1) is on no interface here
        with pytest.raises(CrnotifyError, match=f"refusing to serve the DingTalk robot on {host}"):
            DingTalkServer(robots, host=host)
