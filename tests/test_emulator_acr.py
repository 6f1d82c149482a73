"""Container Registry event rules through the official CR SDK, and the overwrite behaviour."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_cr20181201 import models as cr
from alibabacloud_eventbridge20200401 import models as eb
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.utils_models import OpenApiRequest
from darabonba.runtime import RuntimeOptions

from crnotify.emulator.server import EmulatorServer
from crnotify.errors import ConfigError
from crnotify.model import (
    EventType,
    MessageTemplate,
    NotifyMethod,
    ParamForm,
    Scope,
    ScopeKind,
    TemplateFormat,
)
from crnotify.providers.alibaba import _sdk, convention
from crnotify.providers.alibaba.convention import RegistrySpec

INSTANCE = "cri-kmsiwlxxdcva0001"
# UpdateEventCenterRule by the client's generic call, to send values the typed request cannot hold.
UPDATE_EVENT_CENTER_RULE = _sdk.rpc_params("UpdateEventCenterRule")
Create = Callable[..., dict[str, Any]]


def spec(name: str = "scan-api", **changes: Any) -> RegistrySpec:
    fields: dict[str, Any] = {
        "rule_name": name,
        "event_type": EventType.SCAN,
        "scope": Scope(kind=ScopeKind.NAMESPACE, namespaces=("team-a",)),
        "tag_pattern": "^v.*",
        "method": NotifyMethod.DINGTALK,
        "url": "https://oapi.dingtalk.com/robot/send?access_token=abc def",
        "secret": "SECxyz",
    }
    fields.update(changes)
    return RegistrySpec(**fields)


def rule_names(cr_client: Any, instance: str = INSTANCE) -> list[tuple[str, str]]:
    body = cr_client.list_event_center_rule_name(cr.ListEventCenterRuleNameRequest(instance_id=instance)).body
    assert body.code == "success"
    assert body.is_success is True
    return [(r.rule_id, r.rule_name) for r in body.rule_names or []]


def get_bus_rule(eventbridge_client: Any, name: str) -> Any:
    return eventbridge_client.get_rule(eb.GetRuleRequest(event_bus_name="default", rule_name=name)).body.data


def body_template(rule: Any) -> str:
    (target,) = rule.targets
    (body,) = [p for p in target.param_list if p.resource_key == "Body"]
    return str(body.template)


def test_create_lists_the_rule_and_generates_its_bus_rule(
    cr_client: Any, eventbridge_client: Any, create_event_center_rule: Create
) -> None:
    created = create_event_center_rule(cr_client, INSTANCE, spec().to_params())
    assert created["Code"] == 200
    assert created["RuleId"].startswith("crecr-")
    assert re.fullmatch(r"crecr-[a-z0-9]+", created["RuleId"])
    assert rule_names(cr_client) == [(created["RuleId"], "scan-api")]

    rule = get_bus_rule(eventbridge_client, "scan-api")
    expected = convention.default_bus_rule(spec(), INSTANCE)
    assert json.loads(rule.filter_pattern) == expected.pattern
    assert rule.description == expected.description
    assert rule.status == "ENABLE"
    (target,) = rule.targets
    params = {(p.resource_key, p.form, p.value) for p in target.param_list}
    assert ("IsBase64Encode", "CONSTANT", "false") in params  # the backend's own addition (A6)
    assert ("SecretKey", "CONSTANT", "SECxyz") in params


def test_overwrite_a_registry_save_discards_the_custom_template(
    cr_client: Any, eventbridge_client: Any, create_event_center_rule: Create
) -> None:
    rule_id = create_event_center_rule(cr_client, INSTANCE, spec().to_params())["RuleId"]
    default_body = body_template(get_bus_rule(eventbridge_client, "scan-api"))
    # The bus rule appears with ACR's default template (the convention module's, for a scan rule).
    assert default_body == convention.body_param(convention.default_template(EventType.SCAN)).template

    # A custom template via PutTargets, the way a user edits the bus side.
    generated = get_bus_rule(eventbridge_client, "scan-api").targets[0]
    custom = convention.body_param(
        MessageTemplate(format=TemplateFormat.TEXT, text="scanned ${Tag}", variables=(("Tag", "$.data.Tag"),))
    )
    params = [p for p in generated.param_list if p.resource_key not in ("Body", "IsBase64Encode")]
    params.append(
        eb.PutTargetsRequestTargetsParamList(
            resource_key="Body", form=ParamForm.TEMPLATE.value, value=custom.value, template=custom.template
        )
    )
    targets = [
        eb.PutTargetsRequestTargets(
            id=generated.id,
            type=generated.type,
            endpoint=generated.endpoint,
            param_list=[
                eb.PutTargetsRequestTargetsParamList(
                    resource_key=p.resource_key, form=p.form, value=p.value, template=p.template
                )
                for p in params
            ],
        )
    ]
    put = eventbridge_client.put_targets(
        eb.PutTargetsRequest(event_bus_name="default", rule_name="scan-api", targets=targets)
    )
    assert put.body.data.error_entries_count == 0
    eventbridge_client.disable_rule(eb.DisableRuleRequest(event_bus_name="default", rule_name="scan-api"))
    edited = get_bus_rule(eventbridge_client, "scan-api")
    assert body_template(edited) == custom.template
    assert edited.status == "DISABLE"

    # Any registry-side save regenerates the bus rule from ACR's defaults.
    updated = cr_client.update_event_center_rule(
        cr.UpdateEventCenterRuleRequest(
            instance_id=INSTANCE, rule_id=rule_id, repo_tag_filter_pattern="^release-.*"
        )
    )
    assert updated.body.code == 200
    assert updated.body.rule_id == rule_id
    restored = get_bus_rule(eventbridge_client, "scan-api")
    assert body_template(restored) == default_body
    assert restored.status == "ENABLE"
    assert len(restored.targets) == 1


def test_update_changes_scope_and_renames_the_bus_rule(
    cr_client: Any, eventbridge_client: Any, create_event_center_rule: Create
) -> None:
    rule_id = create_event_center_rule(cr_client, INSTANCE, spec().to_params())["RuleId"]
    cr_client.update_event_center_rule(
        cr.UpdateEventCenterRuleRequest(
            instance_id=INSTANCE,
            rule_id=rule_id,
            rule_name="scan-api-repo",
            event_scope="REPO",
            namespaces=["team-a"],
            repo_names=["api", "web"],
        )
    )
    assert rule_names(cr_client) == [(rule_id, "scan-api-repo")]
    rule = get_bus_rule(eventbridge_client, "scan-api-repo")
    assert json.loads(rule.filter_pattern)["data"]["RepoName"] == ["api", "web"]
    with pytest.raises(ClientException) as info:
        get_bus_rule(eventbridge_client, "scan-api")
    assert info.value.code == "EventRuleNotExisted"


def test_delete_removes_the_rule_and_its_bus_rule(
    cr_client: Any, eventbridge_client: Any, create_event_center_rule: Create
) -> None:
    rule_id = create_event_center_rule(cr_client, INSTANCE, spec().to_params())["RuleId"]
    deleted = cr_client.delete_event_center_rule(
        cr.DeleteEventCenterRuleRequest(instance_id=INSTANCE, rule_id=rule_id)
    )
    assert deleted.body.code == "success"
    assert rule_names(cr_client) == []
    listed = eventbridge_client.list_rules(eb.ListRulesRequest(event_bus_name="default")).body.data
    assert listed.total == 0
    with pytest.raises(ClientException) as info:
        cr_client.delete_event_center_rule(
            cr.DeleteEventCenterRuleRequest(instance_id=INSTANCE, rule_id=rule_id)
        )
    assert (info.value.code, info.value.status_code) == ("EventRuleNotExisted", 404)


def test_errors_have_codes_the_sdk_reads(cr_client: Any, create_event_center_rule: Create) -> None:
    def code_of(params: dict[str, str], instance: str = INSTANCE) -> tuple[str, int]:
        with pytest.raises(ClientException) as info:
            create_event_center_rule(cr_client, instance, params)
        return info.value.code, info.value.status_code

    create_event_center_rule(cr_client, INSTANCE, spec().to_params())
    assert code_of(spec().to_params()) == ("EventRuleAlreadyExisted", 409)
    assert code_of(spec("under_score").to_params()) == ("EventRuleNameInvalid", 400)
    assert code_of(spec("x" * 128).to_params()) == ("EventRuleNameInvalid", 400)
    assert code_of(spec("ok").to_params(), instance="not-an-instance") == ("INSTANCE_NOT_EXIST", 404)
    without_type = {k: v for k, v in spec("ok").to_params().items() if k != "EventType"}
    assert code_of(without_type) == ("MissingParameter", 400)
    assert code_of({**spec("ok").to_params(), "EventType": "cr:Artifact:Nope"}) == ("InvalidParameter", 400)
    assert code_of({**spec("ok").to_params(), "RepoTagFilterPattern": "(["}) == ("InvalidParameter", 400)
    with pytest.raises(ClientException) as info:
        cr_client.update_event_center_rule(
            cr.UpdateEventCenterRuleRequest(instance_id=INSTANCE, rule_id="crecr-nosuchrule")
        )
    assert (info.value.code, info.value.status_code) == ("EventRuleNotExisted", 404)


def event_config(**fields: object) -> dict[str, str]:
    return {"EventConfig": json.dumps(fields)}


HTTP = {"Url": "http://127.0.0.1/hook"}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"EventConfig": "[]"}, "EventConfig must be a JSON object"),
        ({"EventConfig": "{not json"}, "EventConfig must be a JSON object"),
        (event_config(notifyMethod="sms"), "EventConfig.notifyMethod must be one of dingding, http, https"),
        (event_config(notifyMethod=["http"]), "EventConfig.notifyMethod must be one of"),
        (event_config(notifyMethod="http", notifyConfig="x"), "EventConfig.notifyConfig must be"),
        (
            event_config(notifyMethod="http", notifyConfig=HTTP, notifyFilter=1),
            "EventConfig.notifyFilter must be a JSON object",
        ),
        (
            event_config(notifyMethod="http", notifyConfig=HTTP, notifyFilter={"Status": ["DONE"]}),
            "EventConfig.notifyFilter.Status must be a list of COMPLETE, FAILED",
        ),
        ({"EventScope": "GLOBAL"}, "EventScope must be one of INSTANCE, NAMESPACE, REPO, not 'GLOBAL'"),
        ({"Namespaces": "team-a"}, "Namespaces must be a JSON array of strings"),
        ({"RepoNames": "[1]"}, "RepoNames must be a JSON array of strings"),
        ({"EventType": "cr:Artifact:Nope"}, "EventType must be one of cr:Artifact:SynchronizationCompleted"),
    ],
)
def test_malformed_parameters_are_invalid_parameter_naming_it(
    cr_client: Any, create_event_center_rule: Create, changes: dict[str, str], message: str
) -> None:
    """Whatever a client sends, the answer is a 400 that names the parameter, never a 500."""
    with pytest.raises(ClientException) as info:
        create_event_center_rule(cr_client, INSTANCE, {**spec().to_params(), **changes})
    assert (info.value.code, info.value.status_code) == ("InvalidParameter", 400)
    assert message in info.value.message
    rule_id = create_event_center_rule(cr_client, INSTANCE, spec().to_params())["RuleId"]
    update = OpenApiRequest(query={"InstanceId": INSTANCE, "RuleId": rule_id, **changes})
    with pytest.raises(ClientException) as info:
        cr_client.call_api(UPDATE_EVENT_CENTER_RULE, update, RuntimeOptions())
    assert (info.value.code, info.value.status_code) == ("InvalidParameter", 400)
    assert message in info.value.message


def test_push_completed_is_refused_like_any_event_type_acr_rules_do_not_offer(
    cr_client: Any, eventbridge_client: Any, create_event_center_rule: Create
) -> None:
    """PushCompleted reaches the bus, but it is not in the EventType enum of ACR's event rules."""

    def create_error(event_type: str) -> tuple[str, int, str]:
        with pytest.raises(ClientException) as info:
            create_event_center_rule(cr_client, INSTANCE, {**spec().to_params(), "EventType": event_type})
        return info.value.code, info.value.status_code, info.value.message

    code, status, message = create_error(EventType.PUSH.value)
    assert (code, status) == create_error("cr:Artifact:Nope")[:2] == ("InvalidParameter", 400)
    assert "cr:Artifact:PushCompleted cannot be selected by an ACR event rule" in message
    assert rule_names(cr_client) == []

    rule_id = create_event_center_rule(cr_client, INSTANCE, spec().to_params())["RuleId"]
    before = get_bus_rule(eventbridge_client, "scan-api").to_map()
    with pytest.raises(ClientException) as info:
        cr_client.update_event_center_rule(
            cr.UpdateEventCenterRuleRequest(
                instance_id=INSTANCE, rule_id=rule_id, event_type=EventType.PUSH.value
            )
        )
    assert (info.value.code, info.value.status_code) == ("InvalidParameter", 400)
    assert rule_names(cr_client) == [(rule_id, "scan-api")]
    assert get_bus_rule(eventbridge_client, "scan-api").to_map() == before


def test_ten_acr_rules_per_region_whatever_their_instances(
    cr_client: Any, eventbridge_client: Any, create_event_center_rule: Create
) -> None:
    for index in range(10):
        create_event_center_rule(cr_client, INSTANCE, spec(f"rule-{index}").to_params())
    for instance in (INSTANCE, "cri-second0instance"):  # a second instance in the region has no room
        with pytest.raises(ClientException) as info:
            create_event_center_rule(cr_client, instance, spec("rule-10").to_params())
        assert (info.value.code, info.value.status_code) == ("EventCenterRuleCountExceedLimit", 409)
    assert rule_names(cr_client, "cri-second0instance") == []
    # Deleting a generated rule on the bus frees nothing on the ACR side, which counts its own rules.
    eventbridge_client.delete_rule(eb.DeleteRuleRequest(event_bus_name="default", rule_name="rule-0"))
    with pytest.raises(ClientException) as info:
        create_event_center_rule(cr_client, "cri-second0instance", spec("rule-10").to_params())
    assert info.value.code == "EventCenterRuleCountExceedLimit"
    # Another region has its own 10.
    beijing = {**spec("rule-10").to_params(), "RegionId": "cn-beijing"}
    assert create_event_center_rule(cr_client, "cri-second0instance", beijing)["RuleId"].startswith("crecr-")
    # Plain bus rules still fit: the 50-per-bus limit is apart from the ACR count.
    created = eventbridge_client.create_rule(
        eb.CreateRuleRequest(event_bus_name="default", rule_name="plain", filter_pattern="{}")
    )
    assert created.body.code == "Success"


def test_a_full_bus_refuses_the_generated_rule_and_the_acr_rule_with_it(
    cr_client: Any, eventbridge_client: Any, create_event_center_rule: Create
) -> None:
    for index in range(50):
        eventbridge_client.create_rule(
            eb.CreateRuleRequest(event_bus_name="default", rule_name=f"bus-{index}", filter_pattern="{}")
        )
    with pytest.raises(ClientException) as info:
        create_event_center_rule(cr_client, INSTANCE, spec().to_params())
    assert info.value.code == "EventRuleCountExceedLimit"
    assert rule_names(cr_client) == []  # one transaction: no ACR rule without its bus rule


def test_regions_without_the_feature_reject_event_rule_actions(
    cr_client_factory: Callable[..., Any], create_event_center_rule: Create
) -> None:
    with EmulatorServer(region="eu-west-1") as server:
        client = cr_client_factory(server, region_id="eu-west-1")
        with pytest.raises(ClientException) as info:
            client.list_event_center_rule_name(cr.ListEventCenterRuleNameRequest(instance_id=INSTANCE))
        assert (info.value.code, info.value.status_code) == ("RegionNotSupported", 400)
        with pytest.raises(ClientException) as info:
            create_event_center_rule(
                client, INSTANCE, {**spec().to_params(), "RegionId": "cn-shanghai-finance-1"}
            )
        assert info.value.code == "RegionNotSupported"
        # The same server serves a region that has the feature when the call names it.
        created = create_event_center_rule(client, INSTANCE, {**spec().to_params(), "RegionId": "cn-beijing"})
        assert created["RuleId"].startswith("crecr-")


def test_instances_file_restricts_the_instances(
    tmp_path: Path, cr_client_factory: Callable[..., Any], create_event_center_rule: Create
) -> None:
    listed = tmp_path / "instances.yaml"
    listed.write_text(f"- instance_id: {INSTANCE}\n  region: cn-hangzhou\n")
    with EmulatorServer(instances_file=str(listed)) as server:
        client = cr_client_factory(server)
        assert rule_names(client) == []
        with pytest.raises(ClientException) as info:
            rule_names(client, "cri-someoneelse")
        assert info.value.code == "INSTANCE_NOT_EXIST"
    bad = tmp_path / "bad.yaml"
    bad.write_text("- instance_id: cri-a\n- {instance_id: ECS, region: cn-hangzhou}\n")
    with pytest.raises(ConfigError, match=r"bad.yaml: entry 1"):
        EmulatorServer(instances_file=str(bad))


def test_records_of_deliveries_by_acr_rules_are_listed_and_paged(
    emulator: EmulatorServer, cr_client: Any, eventbridge_client: Any, create_event_center_rule: Create
) -> None:
    rule_id = create_event_center_rule(cr_client, INSTANCE, spec().to_params())["RuleId"]
    events = [
        eb.PutEventsRequestEventList(
            source="acs.cr",
            type=EventType.SCAN.value,
            data=json.dumps(
                {"InstanceId": INSTANCE, "RepoNamespaceName": "team-a", "RepoName": "api", "Tag": f"v{i}"}
            ),
        )
        for i in range(3)
    ]
    put = eventbridge_client.put_events(
        eb.PutEventsRequest(event_bus_name="default", event_list=events)
    ).body.data
    assert put.failed_entry_count == 0
    # Delivery (another module) reports each push through the state's trace API.
    for entry in put.entry_list:
        emulator.state.record_trace(
            emulator.account_id,
            "cn-hangzhou",
            bus="default",
            event_id=entry.event_id,
            event_source="acs.cr",
            action="PushEvent",
            rule_name="scan-api",
            endpoint="https://oapi.dingtalk.com/robot/send",
            notify_status="200",
            notify_latency_ms=12,
            at=emulator.clock.now(),
        )
    first = cr_client.list_event_center_record(
        cr.ListEventCenterRecordRequest(instance_id=INSTANCE, page_no=1, page_size=2)
    ).body
    assert (first.total_count, first.page_no, first.page_size, len(first.records)) == (3, 1, 2, 1 + 1)
    second = cr_client.list_event_center_record(
        cr.ListEventCenterRecordRequest(instance_id=INSTANCE, page_no=2, page_size=2)
    ).body
    records = first.records + second.records
    assert sorted(r.tag for r in records) == ["v0", "v1", "v2"]
    assert {(r.rule_id, r.rule_name, r.namespace, r.event_notify_method) for r in records} == {
        (rule_id, "scan-api", "team-a", "dingding")
    }
    none = cr_client.list_event_center_record(
        cr.ListEventCenterRecordRequest(instance_id=INSTANCE, repo_name="web")
    ).body
    assert none.total_count == 0
    for bad, code in (
        (cr.ListEventCenterRecordRequest(instance_id=INSTANCE, page_size=101), ("InvalidParameter", 400)),
        (cr.ListEventCenterRecordRequest(instance_id=INSTANCE, page_no=0), ("InvalidParameter", 400)),
        (cr.ListEventCenterRecordRequest(), ("MissingParameter", 400)),
        (cr.ListEventCenterRecordRequest(instance_id="cri-"), ("INSTANCE_NOT_EXIST", 404)),
    ):
        with pytest.raises(ClientException) as info:
            cr_client.list_event_center_record(bad)
        assert (info.value.code, info.value.status_code) == code
