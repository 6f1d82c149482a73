"""Target parameter forms as documented by Alibaba Cloud EventBridge, and the bodies ACR's targets send."""

from __future__ import annotations

import json

import pytest

from crnotify.delivery.transform import (
    TOKEN_HEADER,
    DingTalkDelivery,
    HttpDelivery,
    TransformError,
    render_param,
    render_target,
)
from crnotify.model import (
    BusCustomization,
    EventType,
    MessageTemplate,
    NotifyMethod,
    Param,
    ParamForm,
    Scope,
    Target,
    TemplateFormat,
)
from crnotify.offline.samples import acr_event
from crnotify.providers.alibaba.convention import RegistrySpec, customise, default_bus_rule, default_target

# The sample event of the event-transformation doc.
DOC_EVENT = {
    "id": "7adc8c1a-645d-4476-bdef-5d6fb57f****",
    "source": "acs.oss",
    "specversion": "1.0",
    "type": "oss:ObjectCreated:PostObject",
    "subject": "acs:oss:cn-hangzhou:1234567:xls-papk/game_apk/123.jpg",
    "aliyuneventbusname": "demo-bus",
    "data": {"name": "test", "scope": 100},
}


def param(form: ParamForm, value: str | None = None, template: str | None = None) -> Param:
    return Param(resource_key="Body", form=form, value=value, template=template)


def test_original_is_the_whole_event() -> None:
    assert json.loads(render_param(param(ParamForm.ORIGINAL), DOC_EVENT)) == DOC_EVENT


def test_constant_ignores_the_event() -> None:
    assert render_param(param(ParamForm.CONSTANT, "fixed"), DOC_EVENT) == "fixed"


def test_jsonpath_sends_a_string_as_is_and_other_values_as_json() -> None:
    assert render_param(param(ParamForm.JSONPATH, "$.data.name"), DOC_EVENT) == "test"
    assert json.loads(render_param(param(ParamForm.JSONPATH, "$.data"), DOC_EVENT)) == DOC_EVENT["data"]
    assert render_param(param(ParamForm.JSONPATH, "$.data.scope"), DOC_EVENT) == "100"
    assert render_param(param(ParamForm.JSONPATH, "$.data.absent"), DOC_EVENT) == ""


def test_template_example_from_the_docs() -> None:
    rendered = render_param(
        param(
            ParamForm.TEMPLATE,
            '{"name":"$.data.name","constant":"Please deal with it timely."}',
            "The instance is broken, which name is ${name}, ${constant}",
        ),
        DOC_EVENT,
    )
    assert rendered == "The instance is broken, which name is test, Please deal with it timely."


def test_dingtalk_text_template_from_the_docs() -> None:
    event = {**DOC_EVENT, "data": {"content": 'say "hi"\nbye'}}
    rendered = render_param(
        param(
            ParamForm.TEMPLATE,
            '{"content":"$.data.content"}',
            '{"msgtype":"text","text":{"content":"${content}"}}',
        ),
        event,
    )
    assert json.loads(rendered) == {"msgtype": "text", "text": {"content": 'say "hi"\nbye'}}


def test_json_template_places_values_outside_quotes_as_json() -> None:
    rendered = render_param(
        param(
            ParamForm.TEMPLATE,
            '{"scope":"$.data.scope","gone":"$.data.gone"}',
            '{"n": ${scope}, "g": ${gone}}',
        ),
        DOC_EVENT,
    )
    assert json.loads(rendered) == {"n": 100, "g": None}


def test_variables_do_not_nest_and_unknown_placeholders_stay() -> None:
    event = {**DOC_EVENT, "data": {"name": "${other}"}}
    rendered = render_param(
        param(ParamForm.TEMPLATE, '{"name":"$.data.name","other":"x"}', "${name} ${nope}"), event
    )
    assert rendered == "${other} ${nope}"


@pytest.mark.parametrize(
    ("value", "template", "message"),
    [
        ('{"a":"$.data..["}', "${a}", "invalid JSONPath"),
        ("not json", "${a}", "not valid JSON"),
        ('{"a": 1}', "${a}", "string to string"),
    ],
)
def test_bad_template_variables_are_clear_errors(value: str, template: str, message: str) -> None:
    with pytest.raises(TransformError, match=message):
        render_param(param(ParamForm.TEMPLATE, value, template), DOC_EVENT)


def spec(method: NotifyMethod, url: str, secret: str | None) -> RegistrySpec:
    return RegistrySpec(
        rule_name="r",
        event_type=EventType.SCAN,
        scope=Scope(),
        tag_pattern=".*",
        method=method,
        url=url,
        secret=secret,
    )


@pytest.mark.parametrize("event_type", EventType.acr_rule_types())
def test_acr_default_dingtalk_message_renders_every_field(event_type: EventType) -> None:
    event = acr_event(event_type, instance_id="cri-1", namespace="team-a", repository="api", tag="v1.2", at=0)
    target = default_target(
        RegistrySpec(
            rule_name="r",
            event_type=event_type,
            scope=Scope(),
            tag_pattern=".*",
            method=NotifyMethod.DINGTALK,
            url="http://127.0.0.1:1/robot/send?access_token=t",
            secret="SECx",
        )
    )
    delivery = render_target(target, event)
    assert isinstance(delivery, DingTalkDelivery)
    assert delivery.webhook == "http://127.0.0.1:1/robot/send?access_token=t"
    assert delivery.secret == "SECx"
    message = json.loads(delivery.body)
    assert message["msgtype"] == "markdown"
    assert "team-a/api:v1.2" in message["markdown"]["text"]
    assert "${" not in message["markdown"]["text"]


def test_customised_text_template_reaches_the_dingtalk_body() -> None:
    generated = default_bus_rule(
        spec(NotifyMethod.DINGTALK, "http://127.0.0.1:1/x?access_token=t", None), "cri-1"
    )
    template = MessageTemplate(
        format=TemplateFormat.TEXT,
        text="release: ${repo}:${tag} (${high} high)",
        variables=(("high", "$.data.HighSeverity"), ("repo", "$.data.RepoName"), ("tag", "$.data.Tag")),
    )
    rule = customise(generated, BusCustomization(template=template), digest="0" * 12)
    event = acr_event(
        EventType.SCAN,
        instance_id="cri-1",
        namespace="ns",
        repository="api",
        tag="v2",
        at=0,
        severities={"HighSeverity": 3},
    )
    delivery = render_target(rule.targets[0], event)
    assert isinstance(delivery, DingTalkDelivery)
    assert delivery.secret is None
    assert json.loads(delivery.body) == {"msgtype": "text", "text": {"content": "release: api:v2 (3 high)"}}


def test_http_target_sends_the_cloudevent_with_the_token_header() -> None:
    target = default_target(spec(NotifyMethod.HTTP, "http://127.0.0.1:9/hook", "tok-1"))
    event = acr_event(EventType.SCAN, instance_id="cri-1", namespace="ns", repository="api", tag="v2", at=0)
    delivery = render_target(target, event)
    assert isinstance(delivery, HttpDelivery)
    assert delivery.url == "http://127.0.0.1:9/hook"
    assert json.loads(delivery.body) == event
    assert dict(delivery.headers) == {
        "content-type": "application/json; charset=utf-8",
        TOKEN_HEADER: "tok-1",
    }
    no_token = render_target(default_target(spec(NotifyMethod.HTTPS, "https://127.0.0.1:9/h", None)), event)
    assert isinstance(no_token, HttpDelivery)
    assert TOKEN_HEADER not in dict(no_token.headers)


def test_unsupported_target_type_and_missing_body_are_errors() -> None:
    with pytest.raises(TransformError, match="not delivered by the emulator"):
        render_target(Target(id="t", type="acs.mns.queue", endpoint="x"), DOC_EVENT)
    with pytest.raises(TransformError, match="no Body parameter"):
        render_target(Target(id="t", type="http", endpoint="http://127.0.0.1/"), DOC_EVENT)
