"""Each emulator variant does what it says, seen through the official SDKs over HTTP; the registry
parses `NAME=VALUE` with clear errors; `serve --list-variants`/`--variant` and `--local`'s
CRNOTIFY_EMULATOR_VARIANTS reach it."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from alibabacloud_cr20181201 import models as cr_models
from alibabacloud_cr20181201.client import Client as CrClient
from alibabacloud_eventbridge20200401 import models as eb_models
from alibabacloud_eventbridge20200401.client import Client as EventBridgeClient
from Tea.exceptions import TeaException

from conftest import outside_rule, sdk_config
from crnotify.cli import main
from crnotify.emulator import variants
from crnotify.emulator.server import EmulatorServer
from crnotify.errors import ConfigError
from crnotify.providers.alibaba import _sdk, convention

INSTANCE = "cri-variant01"


class Cloud:
    """An emulator under some variants, with official SDK clients for it."""

    def __init__(self, server: EmulatorServer) -> None:
        self.server = server
        self.cr = CrClient(sdk_config(server))
        self.eb = EventBridgeClient(sdk_config(server))

    def create_acr(self, name: str = "console-made") -> dict[str, Any]:
        return _sdk.create_event_center_rule(self.cr, {"InstanceId": INSTANCE, **outside_rule(name)})

    def get_rule(self, name: str) -> Any:
        return self.eb.get_rule(eb_models.GetRuleRequest(event_bus_name="default", rule_name=name)).body


@pytest.fixture
def cloud_with() -> Iterator[Any]:
    servers: list[EmulatorServer] = []

    def start(*items: str) -> Cloud:
        servers.append(EmulatorServer(variants=variants.parse(items)).start())
        return Cloud(servers[-1])

    yield start
    for server in servers:
        server.stop()


def test_success_code(cloud_with: Any) -> None:
    for value in ("Success", "200"):
        cloud = cloud_with(f"success-code={value}")
        buses = cloud.eb.list_event_buses(eb_models.ListEventBusesRequest()).body
        assert (buses.code, buses.success) == (value, True)


def test_empty_params(cloud_with: Any) -> None:
    for value, expected in (("absent", None), ("empty", "")):
        cloud = cloud_with(f"empty-params={value}")
        cloud.create_acr()
        params = {p.resource_key: p for p in cloud.get_rule("console-made").data.targets[0].param_list}
        assert (params["URL"].template, params["IsBase64Encode"].template) == (expected, expected)
        assert params["URL"].value.startswith("https://oapi.dingtalk.com/")  # values that were sent stay


def test_errors_in_the_status_or_in_a_200_body(cloud_with: Any) -> None:
    request = eb_models.DeleteRuleRequest(event_bus_name="default", rule_name="missing")
    with pytest.raises(TeaException) as raised:
        cloud_with("errors=status").eb.delete_rule(request)
    assert (raised.value.code, raised.value.data["statusCode"]) == ("EventRuleNotExisted", 404)
    body = cloud_with("errors=body").eb.delete_rule(request).body  # no exception: HTTP 200
    assert (body.code, body.success) == ("EventRuleNotExisted", False)


def test_errors_body_keeps_the_gateway_errors_in_the_status(cloud_with: Any) -> None:
    cloud = cloud_with("errors=body")
    bad = EventBridgeClient(sdk_config(cloud.server, access_key_secret="wrong"))
    with pytest.raises(TeaException) as raised:
        bad.list_event_buses(eb_models.ListEventBusesRequest())
    assert raised.value.code == "SignatureDoesNotMatch"


def test_update_status(cloud_with: Any) -> None:
    for value, expected in (("keep", "DISABLE"), ("reset", "ENABLE")):
        cloud = cloud_with(f"update-status={value}")
        cloud.eb.create_rule(
            eb_models.CreateRuleRequest(
                event_bus_name="default", rule_name="r", filter_pattern='{"source":["x"]}', status="DISABLE"
            )
        )
        update = eb_models.UpdateRuleRequest(
            event_bus_name="default", rule_name="r", filter_pattern='{"source":["y"]}'
        )
        cloud.eb.update_rule(update)
        assert cloud.get_rule("r").data.status == expected


def test_notify_status(cloud_with: Any) -> None:
    for value in ("success", "200", "[200]Ok"):
        cloud = cloud_with(f"notify-status={value}")
        server = cloud.server
        for endpoint, status in (("https://x.example", "Success"), ("https://y.example", "Failed")):
            server.state.record_trace(
                server.account_id,
                server.region,
                bus="default",
                event_id="e1",
                event_source="acs.cr",
                action="PushEvent",
                rule_name="r",
                endpoint=endpoint,
                notify_status=status,  # as delivery records a push
                at=time.time(),
            )
        request = eb_models.QueryEventTracesRequest(event_bus_name="default", event_id="e1")
        steps = cloud.eb.query_event_traces(request).body.data
        expected = {"success": "Success", "200": "200", "[200]Ok": "[200]Ok"}[value]
        assert sorted(s.notify_status for s in steps) == sorted([expected, "Failed"])


def test_create_call(cloud_with: Any) -> None:
    assert cloud_with("create-call=rpc").create_acr()["RuleId"]
    for value, code, status in (
        ("absent", "InvalidAction.NotFound", 404),
        ("forbidden", "Forbidden.RAM", 403),
    ):
        cloud = cloud_with(f"create-call={value}")
        with pytest.raises(TeaException) as raised:
            cloud.create_acr()
        assert (raised.value.code, raised.value.data["statusCode"]) == (code, status)
        assert (
            cloud.server.state.list_event_center_rule_name(
                cloud.server.account_id, cloud.server.region, instance_id=INSTANCE
            )
            == []
        )


@pytest.mark.slow
def test_regeneration(cloud_with: Any) -> None:
    sync = cloud_with("regeneration=sync")
    sync.create_acr()
    assert sync.get_rule("console-made").data.rule_name == "console-made"
    # Wall-clock time: a read that answered within the delay must not see the rule; one that a loaded
    # machine delayed past it proves nothing, so only the early answer is judged.
    late = cloud_with("regeneration=async:3000")
    started = time.monotonic()
    late.create_acr()
    created = time.monotonic()  # the regeneration is due 3 s after the create was handled, at most this
    try:
        late.get_rule("console-made")
        code = "found"
    except TeaException as raised:
        code = raised.code
    assert code in {"found", "EventRuleNotExisted"}
    seen = code == "found"
    if time.monotonic() - started < 3.0:
        assert not seen
    time.sleep(max(0.0, 3.2 - (time.monotonic() - created)))
    assert late.get_rule("console-made").data.rule_name == "console-made"


def test_delete_removes_bus(cloud_with: Any) -> None:
    for value, left in (("yes", False), ("no", True)):
        cloud = cloud_with(f"delete-removes-bus={value}")
        rule_id = cloud.create_acr()["RuleId"]
        cloud.cr.delete_event_center_rule(
            cr_models.DeleteEventCenterRuleRequest(instance_id=INSTANCE, rule_id=rule_id)
        )
        names = [
            r.name
            for r in cloud.server.state.all_rules(cloud.server.account_id, "cn-hangzhou", bus="default")
        ]
        assert ("console-made" in names) is left


def test_lock_rule_targets(cloud_with: Any) -> None:
    request = eb_models.CreateRuleRequest(
        event_bus_name="default", rule_name="lease", filter_pattern='{"source":["x"]}'
    )
    cloud_with("lock-rule-targets=accepted").eb.create_rule(request)
    with pytest.raises(TeaException) as raised:
        cloud_with("lock-rule-targets=required").eb.create_rule(request)
    assert raised.value.code == "MissingParameter"


def test_generated_description_and_shape(cloud_with: Any) -> None:
    default = cloud_with()
    default.create_acr()
    rule = default.get_rule("console-made").data
    expected = convention.DEFAULT_DESCRIPTION.format(rule="console-made", instance=INSTANCE)
    assert rule.description == expected
    assert [(t.id, t.push_retry_strategy) for t in rule.targets] == [
        (convention.TARGET_ID, convention.RETRY_STRATEGY)
    ]
    other = cloud_with("generated-description=v2", "generated-shape=v2")
    other.create_acr()
    rule = other.get_rule("console-made").data
    assert rule.description == variants.ALTERNATE_DESCRIPTION.format(rule="console-made", instance=INSTANCE)
    assert [(t.id, t.push_retry_strategy) for t in rule.targets] == [
        (variants.ALTERNATE_TARGET_ID, variants.ALTERNATE_RETRY_STRATEGY)
    ]


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (["success-code"], "--variant 'success-code': expected NAME=VALUE"),
        (["nope=1"], "--variant 'nope=1': unknown variant 'nope'"),
        (["errors=maybe"], "variant errors takes status or body, not 'maybe'"),
        (["regeneration=async:soon"], "variant regeneration takes sync or async:MS, not 'async:soon'"),
        (["errors=body", "errors=status"], "variant errors given twice (body, status)"),
    ],
)
def test_parse_errors_name_the_item(items: list[str], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        variants.parse(items)
    assert message in str(raised.value)


def test_parse_and_env() -> None:
    active = variants.from_env("success-code=200, regeneration=async:50,")
    assert (active.success_code, active.regeneration_ms) == ("200", 50)
    assert active.spelled() == ("success-code=200", "regeneration=async:50")
    assert variants.from_env(None) == variants.Variants()
    with pytest.raises(ConfigError, match="CRNOTIFY_EMULATOR_VARIANTS 'x'"):
        variants.from_env("x")


def test_defaults_are_the_registry_defaults() -> None:
    defaults = variants.Variants()
    assert defaults.spelled() == ()
    assert [getattr(defaults, v.field) for v in variants.VARIANTS] == [v.default for v in variants.VARIANTS]


def test_list_variants_is_every_variant_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["emulator", "serve", "--list-variants"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [v["name"] for v in listed] == [v.name for v in variants.VARIANTS]
    assert all(v["source"] and v["default"] in v["values"] for v in listed)


def test_serve_refuses_a_bad_variant(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["emulator", "serve", "--variant", "success-code=OK"]) == 1
    err = capsys.readouterr().err
    assert "variant success-code takes Success or 200, not 'OK'" in err
    assert "Traceback" not in err
