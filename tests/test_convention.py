from __future__ import annotations

import json
from dataclasses import replace

import pytest

from crnotify import normalise
from crnotify.marker import read_marker, split_marker
from crnotify.model import (
    BusCustomization,
    EventType,
    MessageTemplate,
    NotifyMethod,
    Param,
    ParamForm,
    ScanStatus,
    Scope,
    ScopeKind,
    TemplateFormat,
)
from crnotify.providers.alibaba.convention import (
    RegistrySpec,
    bus_digest,
    customise,
    data_fields,
    default_bus_rule,
    infer_spec,
    with_acr_choices,
)

SPEC = RegistrySpec(
    rule_name="scan-api",
    event_type=EventType.SCAN,
    scope=Scope(kind=ScopeKind.REPO, namespaces=("team-a",), repositories=("api",)),
    tag_pattern="^v.*",
    method=NotifyMethod.DINGTALK,
    url="https://oapi.dingtalk.com/robot/send?access_token=abc",
    secret="SECxyz",
    scan_status=(ScanStatus.COMPLETE,),
)


def test_params_round_trip_through_the_wire_shape() -> None:
    params = SPEC.to_params()
    assert json.loads(params["Namespaces"]) == ["team-a"]
    assert json.loads(params["EventConfig"])["notifyMethod"] == "dingding"
    assert RegistrySpec.from_params(params) == SPEC


def test_generated_pattern_encodes_scope_and_status() -> None:
    rule = default_bus_rule(SPEC, "cri-abc")
    assert rule.pattern == {
        "source": ["acs.cr"],
        "type": ["cr:Artifact:ScanCompleted"],
        "data": {
            "InstanceId": ["cri-abc"],
            "RepoNamespaceName": ["team-a"],
            "RepoName": ["api"],
            "Status": ["COMPLETE"],
        },
    }
    (target,) = rule.targets
    assert target.type == "acs.dingtalk"
    assert target.param("SecretKey") == Param(
        resource_key="SecretKey", form=ParamForm.CONSTANT, value="SECxyz"
    )


def test_customise_replaces_body_keeps_rest_and_marks() -> None:
    generated = default_bus_rule(SPEC, "cri-abc")
    template = MessageTemplate(
        format=TemplateFormat.TEXT, text="scanned ${Tag}", variables=(("Tag", "$.data.Tag"),)
    )
    wanted = customise(generated, BusCustomization(template=template, enabled=False), digest=SPEC.digest())
    assert wanted.enabled is False
    assert split_marker(wanted.description) == (generated.description, SPEC.digest())
    body = wanted.targets[0].param("Body")
    assert body is not None
    assert json.loads(body.template or "") == {
        "msgtype": "text",
        "text": {"content": "scanned ${Tag}"},
    }
    assert wanted.targets[0].param("URL") == generated.targets[0].param("URL")


def test_acr_choices_of_the_target_are_taken_from_the_live_rule() -> None:
    """ACR's target id (always) and retry (while unedited) as observed, the marker recomputed; a
    target that is another one (another endpoint) keeps the declared rule as it is."""
    wanted = customise(default_bus_rule(SPEC, "cri-abc"), BusCustomization(enabled=False), digest="d" * 12)
    target = replace(wanted.targets[0], id="cr-event-notify", retry_strategy="EXPONENTIAL_DECAY_RETRY")
    live = replace(wanted, targets=(target,))
    kept = with_acr_choices(wanted, live, retry=True)
    assert kept.targets == (target,)
    marker = read_marker(kept.description)
    assert (marker.digest, marker.bus_digest) == ("d" * 12, bus_digest(kept))
    only_id = with_acr_choices(wanted, live, retry=False).targets[0]
    assert (only_id.id, only_id.retry_strategy) == ("cr-event-notify", wanted.targets[0].retry_strategy)
    elsewhere = replace(live, targets=(replace(target, endpoint="https://oapi.dingtalk.com/other"),))
    assert with_acr_choices(wanted, elsewhere, retry=True) == wanted


def test_digest_changes_with_any_registry_field() -> None:
    other = RegistrySpec(**{**{f: getattr(SPEC, f) for f in SPEC.__slots__}, "tag_pattern": ".*"})  # type: ignore[arg-type]
    assert other.digest() != SPEC.digest()


def test_server_added_params_are_normalised_away() -> None:
    target = default_bus_rule(SPEC, "cri-abc").targets[0]
    noisy = target.__class__(
        id=target.id,
        type=target.type,
        endpoint=target.endpoint,
        retry_strategy=target.retry_strategy,
        params=(*target.params, Param(resource_key="IsBase64Encode", form=ParamForm.CONSTANT, value="false")),
    )
    assert normalise.target(noisy) == normalise.target(target)
    assert not [p for p in normalise.target(noisy).params if p.resource_key == "IsBase64Encode"]


# --- A7: only the five ACR rule types -----------------------------------------------------------------


def test_the_acr_rule_types_are_the_five_of_the_event_type_enum() -> None:
    assert [t.short_name for t in EventType.acr_rule_types()] == [
        "synchronization",
        "build",
        "scan",
        "delivery-chain",
        "signing",
    ]
    assert [t for t in EventType if not t.is_acr_rule_type] == [EventType.PUSH]
    assert EventType.parse("push") is EventType.parse("cr:Artifact:PushCompleted") is EventType.PUSH


def test_push_completed_is_no_registry_spec() -> None:
    with pytest.raises(ValueError, match="rule scan-api: cr:Artifact:PushCompleted cannot be selected"):
        replace(SPEC, event_type=EventType.PUSH, scan_status=())
    params = {**SPEC.to_params(), "EventType": EventType.PUSH.value}
    with pytest.raises(ValueError, match="cannot be selected by an ACR event rule"):
        RegistrySpec.from_params(params)
    with pytest.raises(ValueError, match="cannot be selected by an ACR event rule"):
        data_fields(EventType.PUSH)  # ACR has no default template for it


def test_a_bus_rule_selecting_push_completed_is_not_read_as_generated_by_acr() -> None:
    generated = default_bus_rule(SPEC, "cri-abc")
    assert infer_spec(generated) == replace(SPEC, tag_pattern=".*")
    pattern = {**generated.pattern, "type": [EventType.PUSH.value]}
    assert infer_spec(replace(generated, pattern=pattern)) is None
