"""The emulator's guards, beyond tests/test_emulator_wire.py: it binds loopback by default, and a
request the official SDK signed is refused once any signed part of it is changed.

Signed requests are captured on the wire: the SDK sends one call to a one-shot local listener, whose
bytes are then replayed to the emulator as they are, or with one part changed.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from alibabacloud_eventbridge20200401 import models as eb
from alibabacloud_eventbridge20200401.client import Client as EventBridgeClient
from Tea.exceptions import TeaException

from conftest import sdk_config
from crnotify.cli.session import open_session
from crnotify.clock import ManualClock
from crnotify.emulator.cloud_errors import ServiceError
from crnotify.emulator.replay import ReplayGuard
from crnotify.emulator.server import EmulatorServer
from crnotify.emulator.signing import SignedRequest

Captured = tuple[str, str, dict[str, str], bytes]


def capture(call: Any) -> Captured:
    """(method, path, headers, body) of the one request `call(endpoint)` makes."""
    seen: list[Captured] = []

    class Listener(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            seen.append((self.command, self.path, dict(self.headers.items()), body))
            self.send_response(500)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Listener)
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    with contextlib.suppress(Exception):  # the listener answers 500: only the request matters
        call(f"127.0.0.1:{server.server_address[1]}")
    thread.join(timeout=10)
    server.server_close()
    assert len(seen) == 1
    return seen[0]


def replay(server: EmulatorServer, request: Captured) -> tuple[int, dict[str, Any]]:
    method, path, headers, body = request
    connection = http.client.HTTPConnection(server.endpoint, timeout=10)
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        connection.close()


def with_query(request: Captured, **changes: str) -> Captured:
    method, path, headers, body = request
    url = urlsplit(path)
    query = dict(parse_qsl(url.query, keep_blank_values=True)) | changes
    return method, f"{url.path}?{urlencode(query)}", headers, body


def list_rules(endpoint: str) -> None:
    EventBridgeClient(sdk_config(endpoint)).list_rules(eb.ListRulesRequest(event_bus_name="default"))


def put_events(endpoint: str) -> None:
    event = eb.PutEventsRequestEventList(source="acs.cr", type="cr:Artifact:BuildCompleted", data="{}")
    EventBridgeClient(sdk_config(endpoint)).put_events(
        eb.PutEventsRequest(event_bus_name="default", event_list=[event])
    )


def test_binds_loopback_by_default(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    with EmulatorServer() as server:
        assert server.endpoint.startswith("127.0.0.1:")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "c.yaml").write_text(
        "version: 1\nregistries:\n  - {name: p, provider: alibaba, region: cn-hangzhou, instance_id: cri-a}\n"
    )
    with open_session(["c.yaml"], local=True) as session:  # the embedded cloud of --local
        endpoints = session.provider._endpoints  # type: ignore[attr-defined]
        assert set(endpoints) == {"cn-hangzhou"}
        assert all(address.startswith("127.0.0.1:") for address in endpoints.values())


def test_a_signed_request_replays_but_not_once_changed(emulator: EmulatorServer) -> None:
    request = capture(list_rules)
    assert replay(emulator, request)[0] == 200  # the capture is faithful

    status, body = replay(emulator, with_query(request, EventBusName="other"))
    assert (status, body["Code"]) == (403, "SignatureDoesNotMatch")

    method, path, headers, payload = request
    for name, value in (("x-acs-action", "DeleteRule"), ("x-acs-version", "2018-12-01")):
        forged = {k: (value if k.lower() == name else v) for k, v in headers.items()}
        status, body = replay(emulator, (method, path, forged, payload))
        assert (status, body["Code"]) == (403, "SignatureDoesNotMatch"), name
    unsigned = {k: v for k, v in headers.items() if k.lower() != "authorization"}
    assert replay(emulator, (method, path, unsigned, payload))[1]["Code"] == "IncompleteSignature"
    assert emulator.stats() == {"ListRules": 1}  # only the faithful replay reached an action


def test_a_signed_body_cannot_be_swapped(emulator: EmulatorServer) -> None:
    method, path, headers, body = capture(put_events)
    assert body
    assert replay(emulator, (method, path, headers, body))[0] == 200
    swapped = body.replace(b"BuildCompleted", b"ScanCompleted")
    headers = {**headers, "Content-Length": str(len(swapped))}
    status, answer = replay(emulator, (method, path, headers, swapped))
    assert (status, answer["Code"]) == (403, "SignatureDoesNotMatch")


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({"Transfer-Encoding": "chunked"}, "InvalidParameter"),
        ({"Content-Length": "lots"}, "InvalidParameter"),
        ({"Content-Length": "-5"}, "InvalidParameter"),
    ],
)
def test_bodies_of_unknown_length_are_refused(
    emulator: EmulatorServer, headers: dict[str, str], code: str
) -> None:
    connection = http.client.HTTPConnection(emulator.endpoint, timeout=10)
    try:
        connection.putrequest("POST", "/")
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders()
        if "Transfer-Encoding" in headers:
            connection.send(b"0\r\n\r\n")
        response = connection.getresponse()
        assert (response.status, json.loads(response.read())["Code"]) == (400, code)
    finally:
        connection.close()


def test_a_huge_declared_body_is_not_read(emulator: EmulatorServer) -> None:
    """Beyond what it drains, the emulator answers 413 and closes without reading the body."""
    connection = http.client.HTTPConnection(emulator.endpoint, timeout=10)
    try:
        connection.putrequest("POST", "/")
        connection.putheader("Content-Length", str(1 << 30))
        connection.endheaders()
        response = connection.getresponse()
        assert response.status == 413
        assert response.getheader("Connection") == "close"
    finally:
        connection.close()


# --- replay checks: on with --allow-remote, or --replay-checks; off by default ------------------------


def test_a_replayed_request_is_refused_with_the_clouds_nonce_code() -> None:
    request = capture(list_rules)
    with EmulatorServer(replay_checks=True) as server:
        assert replay(server, request)[0] == 200
        status, body = replay(server, request)
        assert (status, body["Code"]) == (400, "SignatureNonceUsed")
        # A fresh nonce cannot be put in: the signature covers it once the checks are on.
        method, path, headers, payload = request
        fresh = {k: ("f" * 32 if k.lower() == "x-acs-signature-nonce" else v) for k, v in headers.items()}
        status, body = replay(server, (method, path, fresh, payload))
        assert (status, body["Code"]) == (403, "SignatureDoesNotMatch")
        assert server.stats() == {"ListRules": 1}
    with EmulatorServer() as server:  # loopback default: the same bytes twice are two calls
        assert [replay(server, request)[0] for _ in range(2)] == [200, 200]


@pytest.mark.parametrize(("offset", "code"), [(16 * 60, "InvalidTimeStamp.Expired"),
                                              (-16 * 60, "InvalidTimeStamp.Expired"),
                                              (14 * 60, None)])  # fmt: skip
def test_a_date_outside_fifteen_minutes_is_refused(offset: float, code: str | None) -> None:
    """The emulator's clock stands `offset` seconds from the SDK's: the SDK's x-acs-date is that stale."""
    clock = ManualClock(start=time.time() + offset)
    with EmulatorServer(replay_checks=True, clock=clock) as server:
        client = EventBridgeClient(sdk_config(server))
        if code is None:
            assert client.list_rules(eb.ListRulesRequest(event_bus_name="default")).body.code == "Success"
            return
        with pytest.raises(TeaException) as info:
            client.list_rules(eb.ListRulesRequest(event_bus_name="default"))
        assert info.value.code == code
        assert server.stats() == {}


def test_the_nonce_cache_is_bounded_and_forgets_only_expired_nonces() -> None:
    clock = ManualClock(start=time.time())
    guard = ReplayGuard(clock, max_nonces=2)

    def signed(nonce: str, date: str | None = None) -> SignedRequest:
        date = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(clock.now())) if date is None else date
        headers = {"x-acs-date": [date], "x-acs-signature-nonce": [nonce]}
        return SignedRequest(method="GET", path="/", query=(), headers=headers, body=b"")

    guard.check(signed("a"))
    guard.check(signed("b"))
    with pytest.raises(ServiceError) as full:  # full of live nonces: throttle, never forget one
        guard.check(signed("c"))
    assert full.value.code == "TooManyRequests"
    with pytest.raises(ServiceError) as used:
        guard.check(signed("a"))
    assert used.value.code == "SignatureNonceUsed"
    clock.advance(2 * 15 * 60)  # both nonces outlived any date that could carry them
    guard.check(signed("c"))
    guard.check(signed("a"))
    for date in ("", "Fri, 01 Jan 2027 00:00:00 GMT"):  # missing, or not the SDK's ISO 8601
        with pytest.raises(ServiceError) as malformed:
            guard.check(signed("d", date))
        assert malformed.value.code == "InvalidTimeStamp.Format"
