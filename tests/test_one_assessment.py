"""Plan and drift read one assessment (issue 12): after a successful apply, plan is empty and drift
has no finding for a declared rule — whatever was edited outside crnotify, and whether the edit was
adopted into the YAML or overwritten.

End to end against the emulator over HTTP, edits made with the official EventBridge SDK (the B1
scenario of the issue, for every kind of bus edit); then a Hypothesis property over random live
edits and declarations against the in-memory cloud.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from alibabacloud_eventbridge20200401 import models as eb_models
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crnotify.apply import apply, read_live
from crnotify.drift import DriftKind, detect
from crnotify.emulator.server import EmulatorServer
from crnotify.marker import read_marker, with_marker
from crnotify.model import BusCustomization, Config, MessageTemplate, TemplateFormat
from crnotify.planner import plan
from crnotify.planner.assessment import Assessment, Standing
from crnotify.planner.assessment import DriftKind as Kind
from crnotify.planner.core import assess
from crnotify.providers.alibaba.convention import RegistrySpec
from crnotify.providers.alibaba.provider import AlibabaProvider
from support.fakecloud import REGISTRY, FakeCloud, http, rule
from test_apply_emulator import provider_for
from test_planner_properties import configs

HAND_MADE = MessageTemplate(
    format=TemplateFormat.TEXT, text="hand-made ${Tag}", variables=(("Tag", "$.data.Tag"),)
)


def _get(client: Any, name: str) -> Any:
    return client.get_rule(eb_models.GetRuleRequest(event_bus_name="default", rule_name=name)).body.data


def _put_target(client: Any, name: str, **changes: Any) -> None:
    """Replace the rule's single target with a copy carrying `changes` (endpoint, retry, params)."""
    target = _get(client, name).targets[0]
    params = {
        p.resource_key: eb_models.PutTargetsRequestTargetsParamList(
            resource_key=p.resource_key, form=p.form, value=p.value, template=p.template
        )
        for p in target.param_list
    }
    for key, (form, value, template) in changes.pop("params", {}).items():
        params[key] = eb_models.PutTargetsRequestTargetsParamList(
            resource_key=key, form=form, value=value, template=template
        )
    request = eb_models.PutTargetsRequest(
        event_bus_name="default",
        rule_name=name,
        targets=[
            eb_models.PutTargetsRequestTargets(
                id=target.id,
                type=target.type,
                endpoint=changes.get("endpoint", target.endpoint),
                push_retry_strategy=changes.get("retry", target.push_retry_strategy),
                param_list=list(params.values()),
            )
        ],
    )
    assert client.put_targets(request).body.code == "Success"


def _disable(client: Any, name: str) -> None:
    client.disable_rule(eb_models.DisableRuleRequest(event_bus_name="default", rule_name=name))


def _describe(client: Any, name: str) -> None:
    """A description edit that keeps crnotify's marker, as a careful person would make it."""
    live = _get(client, name)
    marker = read_marker(live.description)
    assert marker.digest is not None
    text = with_marker("CI build hook (ask #platform)", marker.digest, marker.bus_digest)
    client.update_rule(
        eb_models.UpdateRuleRequest(
            event_bus_name="default", rule_name=name, description=text, filter_pattern=live.filter_pattern
        )
    )


def _template(client: Any, name: str) -> None:
    body = ("TEMPLATE", '{"Tag":"$.data.Tag"}', '{"msgtype":"text","text":{"content":"hand-made ${Tag}"}}')
    _put_target(client, name, params={"Body": body})


NEW_URL = "https://hooks.example.com/v2"


def _url(client: Any, name: str) -> None:
    _put_target(client, name, endpoint=NEW_URL, params={"url": ("CONSTANT", NEW_URL, None)})


def _retry(client: Any, name: str) -> None:
    _put_target(client, name, retry="EXPONENTIAL_DECAY_RETRY")


# (the edit, the YAML that adopts it — None: not declarable, so apply overwrites it)
EDITS = {
    "enabled": (_disable, {"bus": BusCustomization(enabled=False)}),
    "description": (_describe, {"bus": BusCustomization(description="CI build hook (ask #platform)")}),
    "template": (_template, {"bus": BusCustomization(template=HAND_MADE)}),
    "target-url": (_url, {"notify": http(NEW_URL)}),
    "retry": (_retry, None),
}


def _config(**changes: Any) -> Config:
    return Config(registries=(REGISTRY,), rules=(rule("hook", **{"notify": http(), **changes}),))


def _findings(config: Config, cloud: AlibabaProvider) -> list[tuple[str, DriftKind]]:
    return [(item.rule, item.kind) for item in detect(config, read_live(config, cloud)).items]


@pytest.mark.parametrize("kind", sorted(EDITS))
def test_a_bus_edit_followed_as_documented_leaves_nothing_to_report(
    kind: str, emulator: EmulatorServer, eventbridge_client: Any
) -> None:
    edit, adopted = EDITS[kind]
    cloud = provider_for(emulator)
    before = _config()
    assert apply(plan(before, read_live(before, cloud)), cloud, before).converged
    edit(eventbridge_client, "hook")
    assert _findings(before, cloud) == [("hook", DriftKind.BUS_CHANGED)]

    after = before if adopted is None else _config(**adopted)
    result = apply(plan(after, read_live(after, cloud)), cloud, after, overwrite_bus_edits=adopted is None)
    assert result.converged, result
    assert plan(after, read_live(after, cloud)).is_empty
    assert _findings(after, cloud) == []  # the nightly drift job turns green, and stays green
    live = read_live(after, cloud).get("prod", "hook")
    assert live is not None
    assert live.bus is not None
    if kind == "enabled":
        assert live.bus.enabled is False  # adopted, not undone
    if kind == "description":
        assert read_marker(live.bus.description).text.strip() == "CI build hook (ask #platform)"


def test_an_adopted_edit_is_in_sync_before_any_apply(
    emulator: EmulatorServer, eventbridge_client: Any
) -> None:
    """The B1 scenario exactly: adopting `enabled: false` into the YAML needs no apply to clear drift."""
    cloud = provider_for(emulator)
    before = _config()
    assert apply(plan(before, read_live(before, cloud)), cloud, before).converged
    _disable(eventbridge_client, "hook")
    after = _config(bus=BusCustomization(enabled=False))
    assert plan(after, read_live(after, cloud)).is_empty
    assert _findings(after, cloud) == []


# --- the property, against the in-memory cloud --------------------------------------------------

EDIT_KINDS = [
    "disable",
    "describe",
    "unmark",
    "template",
    "retry",
    "registry-save",
    "drop-bus",
    "drop-registry",
]


def _edit_live(cloud: FakeCloud, name: str, how: str) -> None:
    bus = cloud.bus.get(REGISTRY.region, {}).get(name)
    if bus is None:
        return
    marker = read_marker(bus.description)
    if how == "disable":
        cloud.edit_bus(REGISTRY, name, enabled=not bus.enabled)
    elif how == "describe" and marker.digest is not None:
        cloud.edit_bus(REGISTRY, name, description=with_marker("edited", marker.digest, marker.bus_digest))
    elif how == "unmark":
        cloud.edit_bus(REGISTRY, name, description="edited in the console")
    elif how == "template":
        targets = tuple(
            replace(
                t,
                params=tuple(
                    replace(p, template='{"x":1}') if p.resource_key == "Body" else p for p in t.params
                ),
            )
            for t in bus.targets
        )
        cloud.edit_bus(REGISTRY, name, targets=targets)
    elif how == "retry":
        targets = tuple(replace(t, retry_strategy="EXPONENTIAL_DECAY_RETRY") for t in bus.targets)
        cloud.edit_bus(REGISTRY, name, targets=targets)
    elif how == "registry-save":
        rules = cloud.acr.get(REGISTRY.instance_id or "", {})
        if name in rules:
            rule_id, spec = rules[name]
            cloud.save_registry(REGISTRY, replace(spec, tag_pattern=".*"), rule_id)
    elif how == "drop-bus":
        cloud.delete_bus_rule(REGISTRY, name)
    elif how == "drop-registry":
        cloud.acr.get(REGISTRY.instance_id or "", {}).pop(name, None)


def _declared_agree(assessments: list[Assessment]) -> None:
    """Plan and drift agree per rule: a declared rule has findings exactly when it has changes or an
    error, and `unmanaged` asks for nothing."""
    for a in assessments:
        acts = bool(a.changes) or a.error is not None
        if a.standing is Standing.UNMANAGED:
            assert not acts
            assert [f.kind for f in a.findings] == [Kind.UNMANAGED]
        else:
            assert acts == bool(a.findings), a


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    configs(),
    st.lists(
        st.tuples(st.sampled_from(["alpha", "beta", "gamma", "delta"]), st.sampled_from(EDIT_KINDS)),
        max_size=4,
    ),
    configs(),
    st.booleans(),
)
def test_after_a_successful_apply_plan_is_empty_and_drift_silent(
    before: Config, edits: list[tuple[str, str]], after: Config, redeclare: bool
) -> None:
    cloud = FakeCloud()
    assert apply(plan(before, read_live(before, cloud)), cloud, before).converged
    for name, how in edits:
        _edit_live(cloud, name, how)
    wanted = after if redeclare else before
    live = read_live(wanted, cloud)
    _declared_agree(list(assess(wanted, live)))
    first = plan(wanted, live)
    if first.errors:  # a rule that is no longer crnotify's: refused, and reported as a conflict
        kinds = {(i.rule, i.kind) for i in detect(wanted, live).items}
        assert {(e.rule, DriftKind.CONFLICT) for e in first.errors} <= kinds
        return
    result = apply(first, cloud, wanted, overwrite_bus_edits=True)
    assert result.converged, result
    again = read_live(wanted, cloud)
    assert plan(wanted, again).is_empty
    declared = {r.name for r in wanted.rules}
    assert [i for i in detect(wanted, again).items if i.rule in declared] == []


@pytest.mark.slow
def test_the_property_holds_once_end_to_end(emulator: EmulatorServer, eventbridge_client: Any) -> None:
    """One pass of the property against the emulator: random-ish edits of every kind at once."""
    cloud = provider_for(emulator)
    cfg = Config(
        registries=(REGISTRY,),
        rules=(
            rule("a", notify=http()),
            rule("b", notify=http(), bus=BusCustomization(description="kept")),
            rule("c", notify=http()),
        ),
    )
    assert apply(plan(cfg, read_live(cfg, cloud)), cloud, cfg).converged
    _disable(eventbridge_client, "a")
    _template(eventbridge_client, "b")
    _retry(eventbridge_client, "c")
    result = apply(plan(cfg, read_live(cfg, cloud)), cloud, cfg, overwrite_bus_edits=True)
    assert result.converged, result
    assert plan(cfg, read_live(cfg, cloud)).is_empty
    assert detect(cfg, read_live(cfg, cloud)).items == ()
    assert RegistrySpec.of(cfg.rules[0]).rule_name == "a"
