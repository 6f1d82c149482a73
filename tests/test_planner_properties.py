"""Properties of plan/apply over generated configs, against the in-memory cloud (tests/support/fakecloud.py):
applying a plan converges (a fresh plan is empty), from any previously applied config, without ever
flagging crnotify's own writes as outside edits, and no plan ever carries a secret value."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crnotify.apply import apply, read_live
from crnotify.drift import detect
from crnotify.model import (
    BusCustomization,
    Config,
    EventType,
    MessageTemplate,
    Notify,
    NotifyMethod,
    Rule,
    ScanStatus,
    Scope,
    ScopeKind,
    SecretText,
    TemplateFormat,
)
from crnotify.planner import plan
from crnotify.providers.alibaba.convention import (
    RegistrySpec,
    customisation_of,
    customise,
    default_bus_rule,
    infer_spec,
)
from crnotify.render import plan_json, plan_text
from support.fakecloud import REGISTRY, FakeCloud

SECRETS = {"TOKEN_A": "tok-aaaaaaaa", "TOKEN_B": "tok-bbbbbbbb", "SIGN": "SECsignsignsign"}
names = st.sampled_from(["alpha", "beta", "gamma", "delta"])
idents = st.sampled_from(["team-a", "team-b", "api", "web", "ops"])


@st.composite
def scopes(draw: st.DrawFn) -> Scope:
    kind = draw(st.sampled_from(ScopeKind))
    if kind is ScopeKind.INSTANCE:
        return Scope()
    if kind is ScopeKind.NAMESPACE:
        return Scope(kind=kind, namespaces=tuple(draw(st.lists(idents, min_size=1, max_size=2, unique=True))))
    repositories = tuple(draw(st.lists(idents, min_size=1, max_size=2, unique=True)))
    return Scope(kind=kind, namespaces=(draw(idents),), repositories=repositories)


@st.composite
def notifies(draw: st.DrawFn) -> Notify:
    method = draw(st.sampled_from(NotifyMethod))
    token = draw(st.sampled_from(["TOKEN_A", "TOKEN_B"]))
    if method is NotifyMethod.DINGTALK:
        url = f"https://oapi.dingtalk.com/robot/send?access_token=${{env:{token}}}"
        secret = draw(st.sampled_from([None, "${env:SIGN}"]))
    else:
        url = draw(
            st.sampled_from(["https://hooks.example.com/a", f"https://h.example.com/b?k=${{env:{token}}}"])
        )
        secret = draw(st.sampled_from([None, f"${{env:{token}}}"]))
    return Notify(
        method=method,
        url=SecretText(template=url).resolve(SECRETS),
        secret=None if secret is None else SecretText(template=secret).resolve(SECRETS),
    )


@st.composite
def customisations(draw: st.DrawFn) -> BusCustomization:
    template = draw(
        st.sampled_from(
            [
                None,
                MessageTemplate(
                    format=TemplateFormat.TEXT, text="${Tag} done", variables=(("Tag", "$.data.Tag"),)
                ),
                MessageTemplate(format=TemplateFormat.MARKDOWN, title="T", text="### ${RepoName}\n- ${Tag}"),
            ]
        )
    )
    return BusCustomization(
        template=template,
        description=draw(st.sampled_from([None, "Team rule", "Other words"])),
        enabled=draw(st.sampled_from([None, True, False])),
    )


@st.composite
def rules(draw: st.DrawFn, name: str) -> Rule:
    event = draw(st.sampled_from(EventType.acr_rule_types()))  # an alibaba registry
    statuses = draw(st.sampled_from([(), (ScanStatus.COMPLETE,), (ScanStatus.FAILED,)]))
    return Rule(
        name=name,
        registry=REGISTRY.name,
        event_type=event,
        notify=draw(notifies()),
        scope=draw(scopes()),
        tag_pattern=draw(st.sampled_from([".*", "^v.*", "release-.*"])),
        scan_status=statuses if event is EventType.SCAN else (),
        bus=draw(customisations()),
    )


@st.composite
def configs(draw: st.DrawFn) -> Config:
    chosen = draw(st.lists(names, max_size=4, unique=True))
    return Config(registries=(REGISTRY,), rules=tuple(draw(rules(name)) for name in chosen))


def converge(config: Config, cloud: FakeCloud) -> None:
    first = plan(config, read_live(config, cloud))
    for text in (plan_text.render(first), plan_json.render(first), repr(first)):
        for value in SECRETS.values():
            assert value not in text
    # Only crnotify touched this cloud: nothing can count as an edit made outside it.
    assert not first.discards
    assert not first.errors
    result = apply(first, cloud, config)
    assert result.converged, (first, result)
    assert detect(config, read_live(config, cloud)).items == ()


@pytest.mark.slow  # every example's new secrets go through scrypt (crnotify.secrets): ~50 ms each
@settings(max_examples=150, deadline=None)
@given(configs())
def test_apply_then_plan_is_empty(config: Config) -> None:
    converge(config, FakeCloud())


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(configs(), configs())
def test_any_applied_config_converges_to_any_other(before: Config, after: Config) -> None:
    cloud = FakeCloud()
    converge(before, cloud)
    converge(after, cloud)
    assert sorted(cloud.bus.get("cn-hangzhou", {})) == sorted(r.name for r in after.rules)


@settings(max_examples=200, deadline=None)
@given(rules("alpha"))
def test_the_bus_rule_shows_the_registry_spec_and_customisations(declared: Rule) -> None:
    spec = RegistrySpec.of(declared)
    generated = default_bus_rule(spec, "cri-prod")
    assert infer_spec(generated) == replace(spec, tag_pattern=".*")
    wanted = customise(generated, declared.bus, digest=spec.digest())
    shown = customisation_of(wanted, infer_spec(wanted) or spec, "cri-prod")
    assert shown.enabled == (False if declared.bus.enabled is False else None)
    if declared.bus.template is not None:
        assert shown.template is not None
        assert shown.template.text == declared.bus.template.text
