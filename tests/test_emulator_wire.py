"""The wire protocol: signatures, routing, limits on requests, faults, latency and the request counter."""

from __future__ import annotations

import http.client
import json
import threading
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from alibabacloud_eventbridge20200401 import models as eb
from alibabacloud_tea_openapi.exceptions import ClientException, ServerException, ThrottlingException
from alibabacloud_tea_openapi.utils_models import OpenApiRequest
from darabonba.exceptions import UnretryableException
from darabonba.runtime import RuntimeOptions

from crnotify.clock import ManualClock
from crnotify.emulator.server import DEFAULT_ACCESS_KEY_ID, EmulatorServer
from crnotify.providers.alibaba import _sdk

LIST_RULES = eb.ListRulesRequest(event_bus_name="default")


def raw_request(server: EmulatorServer, method: str, path: str, body: bytes = b"", **headers: str) -> Any:
    connection = http.client.HTTPConnection(server.endpoint, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        connection.close()


def test_a_wrong_secret_or_an_unknown_key_is_rejected_like_the_cloud(
    emulator: EmulatorServer, eventbridge_client_factory: Callable[..., Any]
) -> None:
    wrong_secret = eventbridge_client_factory(emulator, access_key_secret="not-the-secret")
    with pytest.raises(ClientException) as info:
        wrong_secret.list_rules(LIST_RULES)
    assert (info.value.code, info.value.status_code) == ("SignatureDoesNotMatch", 403)

    unknown_key = eventbridge_client_factory(emulator, access_key_id="LTAIsomeoneelse")
    with pytest.raises(ClientException) as info:
        unknown_key.list_rules(LIST_RULES)
    assert (info.value.code, info.value.status_code) == ("InvalidAccessKeyId", 403)
    assert emulator.stats() == {}  # rejected calls never reach an action


def test_configured_key_pair_is_the_only_one_accepted(eventbridge_client_factory: Callable[..., Any]) -> None:
    with EmulatorServer(access_key_id="LTAImine", access_key_secret="s3cret") as server:
        mine = eventbridge_client_factory(server, access_key_id="LTAImine", access_key_secret="s3cret")
        assert mine.list_rules(LIST_RULES).body.code == "Success"
        with pytest.raises(ClientException) as info:
            eventbridge_client_factory(server).list_rules(LIST_RULES)
        assert info.value.code == "InvalidAccessKeyId"


def test_unsigned_and_tampered_requests_are_rejected(emulator: EmulatorServer) -> None:
    status, body = raw_request(emulator, "POST", "/?EventBusName=default", **{"x-acs-action": "ListRules"})
    assert (status, body["Code"]) == (400, "IncompleteSignature")
    forged = (
        f"ACS3-HMAC-SHA256 Credential={DEFAULT_ACCESS_KEY_ID},"
        "SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-version,Signature=" + "0" * 64
    )
    status, body = raw_request(
        emulator,
        "POST",
        "/?EventBusName=default",
        Authorization=forged,
        **{
            "x-acs-action": "ListRules",
            "x-acs-version": "2020-04-01",
            "x-acs-content-sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        },
    )
    assert (status, body["Code"]) == (403, "SignatureDoesNotMatch")


def test_unknown_actions_and_versions(emulator: EmulatorServer, eventbridge_client: Any) -> None:
    for action, version in (("CreateEventBus", "2020-04-01"), ("ListRules", "2018-12-01")):
        params = _sdk.rpc_params(action, version)
        with pytest.raises(ClientException) as info:
            eventbridge_client.call_api(params, OpenApiRequest(query={}), RuntimeOptions())
        assert (info.value.code, info.value.status_code) == ("InvalidAction.NotFound", 404)


def test_bodies_over_one_mebibyte_get_413(emulator: EmulatorServer, eventbridge_client: Any) -> None:
    status, body = raw_request(emulator, "POST", "/", body=b"x" * (1024 * 1024 + 1))
    assert (status, body["Code"]) == (413, "RequestEntityTooLarge")
    big = [eb.PutEventsRequestEventList(source="s", type="t", data=json.dumps({"pad": "x" * 70_000}))] * 16
    with pytest.raises(ClientException) as info:
        eventbridge_client.put_events(eb.PutEventsRequest(event_bus_name="default", event_list=big))
    assert info.value.status_code == 413


def test_a_query_too_long_for_the_server_is_a_coded_error(eventbridge_client: Any) -> None:
    """http.server refuses a request line over 64 KiB itself; the SDK must still read a code."""
    request = eb.CreateRuleRequest(
        event_bus_name="default", rule_name="long", filter_pattern="{}", description="x" * 70_000
    )
    with pytest.raises(ClientException) as info:
        eventbridge_client.create_rule(request)
    assert (info.value.code, info.value.status_code) == ("RequestURITooLong", 414)
    assert eventbridge_client.list_rules(LIST_RULES).body.data.total == 0


def test_request_counter_over_http(emulator: EmulatorServer, eventbridge_client: Any) -> None:
    for _ in range(3):
        eventbridge_client.list_rules(LIST_RULES)
    eventbridge_client.list_event_buses(eb.ListEventBusesRequest())
    stats = json.loads(urllib.request.urlopen(f"{emulator.url}/_emulator/stats", timeout=10).read())
    assert stats == {"ListEventBuses": 1, "ListRules": 3}
    reset = urllib.request.Request(f"{emulator.url}/_emulator/reset-stats", method="POST")
    urllib.request.urlopen(reset, timeout=10).read()
    assert emulator.stats() == {}
    assert raw_request(emulator, "GET", "/_emulator/nothing")[0] == 404


def test_calls_in_flight_are_counted_over_http(eventbridge_client_factory: Callable[..., Any]) -> None:
    with EmulatorServer(latency_ms=100) as server:
        client = eventbridge_client_factory(server)
        client.list_rules(LIST_RULES)
        client.list_rules(LIST_RULES)
        assert server.concurrency() == {"in_flight": 0, "max_in_flight": 1}  # one after the other
        start = threading.Barrier(4)

        def call() -> None:
            start.wait()
            client.list_rules(LIST_RULES)

        threads = [threading.Thread(target=call) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seen = json.loads(urllib.request.urlopen(f"{server.url}/_emulator/concurrency", timeout=10).read())
        assert seen["in_flight"] == 0
        assert 2 <= seen["max_in_flight"] <= 4  # four 100 ms calls released together overlap
        urllib.request.urlopen(urllib.request.Request(f"{server.url}/_emulator/reset-stats", method="POST"))
        assert server.concurrency() == {"in_flight": 0, "max_in_flight": 0}


def outcome(call: Callable[[], Any]) -> str:
    try:
        call()
    except ThrottlingException as exc:
        return f"throttled:{exc.code}:{exc.retry_after}"
    except ServerException as exc:
        return f"unavailable:{exc.code}:{exc.status_code}"
    except UnretryableException:
        return "dropped"
    return "ok"


def test_seeded_faults_are_reproducible_and_recognised_by_the_sdk(
    eventbridge_client_factory: Callable[..., Any],
) -> None:
    runs = []
    for _ in range(2):
        with EmulatorServer(fault_rate=0.5, seed=7) as server:
            client = eventbridge_client_factory(server)
            names = [f"r{i}" for i in range(40)]
            results = [
                outcome(
                    lambda n=n, client=client: client.create_rule(
                        eb.CreateRuleRequest(event_bus_name="default", rule_name=n, filter_pattern="{}")
                    )
                )
                for n in names
            ]
            stored = {r.name for r in server.state.all_rules(server.account_id, "cn-hangzhou", bus="default")}
            runs.append(results)
            assert set(results) == {
                "ok",
                "throttled:TooManyRequests:100",
                "unavailable:ServiceUnavailable:503",
                "dropped",
            }
            # Throttled and 503 calls did nothing; a dropped call may or may not have been applied.
            for name, result in zip(names, results, strict=True):
                assert (name in stored) == (result == "ok") or result == "dropped"
            dropped = [n for n, r in zip(names, results, strict=True) if r == "dropped"]
            assert any(n in stored for n in dropped)
            assert any(n not in stored for n in dropped)
            assert server.stats() == {"CreateRule": 40}
    assert runs[0] == runs[1]


def test_latency_is_spent_on_the_injected_clock(eventbridge_client_factory: Callable[..., Any]) -> None:
    clock = ManualClock()
    start = clock.now()
    with EmulatorServer(clock=clock, latency_ms=250) as server:
        client = eventbridge_client_factory(server)
        for _ in range(4):
            client.list_rules(LIST_RULES)
    assert clock.now() - start == pytest.approx(1.0)
