"""plan → apply → plan against the emulator over HTTP, through the official SDKs (no SDK mocks).

Out-of-band edits are made the way the console or another tool would: with the SDK clients of
tests/conftest.py, straight at the emulator.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_cr20181201 import models as cr_models
from alibabacloud_eventbridge20200401 import models as eb_models

from crnotify import planfile
from crnotify.apply import StepResult, StepStatus, apply, read_live
from crnotify.drift import DriftKind, detect
from crnotify.emulator.server import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, EmulatorServer
from crnotify.errors import ApplyError, AuthError
from crnotify.marker import read_marker
from crnotify.model import BusCustomization, Config, ScanStatus, Scope, ScopeKind
from crnotify.planner import Action, config_digest, plan
from crnotify.providers.alibaba.convention import RegistrySpec
from crnotify.providers.alibaba.provider import AlibabaProvider
from crnotify.providers.retry import NO_RETRY, RetryPolicy
from crnotify.render import apply_text
from support.fakecloud import ENV, REGISTRY, http, rule
from test_planner import TEMPLATE

KEYS = (DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET)


def provider_for(server: EmulatorServer, retry: RetryPolicy | None = None) -> AlibabaProvider:
    return AlibabaProvider(endpoints={"*": server.endpoint}, access_key=KEYS, retry=retry)


def declared(**changes: Any) -> Config:
    rules = {
        "scan-api": rule(
            "scan-api",
            scope=Scope(kind=ScopeKind.REPO, namespaces=("team-a",), repositories=("api",)),
            scan_status=(ScanStatus.COMPLETE,),
            bus=BusCustomization(template=TEMPLATE, description="Release scans"),
        ),
        "hook": rule("hook", notify=http()),
        "quiet": rule("quiet", bus=BusCustomization(enabled=False)),
    }
    rules.update(changes)
    return Config(registries=(REGISTRY,), rules=tuple(r for r in rules.values() if r is not None))


@pytest.fixture
def cloud(emulator: EmulatorServer) -> Iterator[AlibabaProvider]:
    return provider_for(emulator)


def converge(cfg: Config, provider: AlibabaProvider, **kwargs: bool) -> None:
    result = apply(plan(cfg, read_live(cfg, provider)), provider, cfg, **kwargs)
    assert result.converged, result


def stats(server: EmulatorServer) -> dict[str, int]:
    with urllib.request.urlopen(f"http://{server.endpoint}/_emulator/stats") as response:
        counts: dict[str, int] = json.loads(response.read())
        return counts


def test_empty_cloud_create_apply_then_no_changes(emulator: EmulatorServer, cloud: AlibabaProvider) -> None:
    cfg = declared()
    first = plan(cfg, read_live(cfg, cloud))
    assert first.summary.create == 3
    assert {c.action for c in first.changes} == {Action.CREATE, Action.REAPPLY_BUS}
    converge(cfg, cloud)
    again = plan(cfg, read_live(cfg, cloud))
    assert again.is_empty
    assert not again.errors
    # A plan costs one ListRules per region, one ListEventCenterRuleName per instance, one GetRule per rule.
    before = stats(emulator)
    plan(cfg, read_live(cfg, cloud))
    after = stats(emulator)
    spent = {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}
    assert spent == {"ListRules": 1, "ListEventCenterRuleName": 1, "GetRule": 3}


def _edit_template_on_the_bus(eventbridge_client: Any, name: str) -> None:
    targets = eventbridge_client.get_rule(eb_models.GetRuleRequest(event_bus_name="default", rule_name=name))
    target = targets.body.data.targets[0]
    params = [
        eb_models.PutTargetsRequestTargetsParamList(
            resource_key=p.resource_key, form=p.form, value=p.value, template=p.template
        )
        for p in target.param_list
        if p.resource_key != "Body"
    ]
    params.append(
        eb_models.PutTargetsRequestTargetsParamList(
            resource_key="Body",
            form="TEMPLATE",
            value='{"Tag":"$.data.Tag"}',
            template='{"msgtype":"text","text":{"content":"hand-made ${Tag}"}}',
        )
    )
    request = eb_models.PutTargetsRequest(
        event_bus_name="default",
        rule_name=name,
        targets=[
            eb_models.PutTargetsRequestTargets(
                id=target.id,
                type=target.type,
                endpoint=target.endpoint,
                push_retry_strategy=target.push_retry_strategy,
                param_list=params,
            )
        ],
    )
    assert eventbridge_client.put_targets(request).body.code == "Success"


def test_bus_edit_is_drift_and_a_registry_change_refuses_to_discard_it(
    cloud: AlibabaProvider, eventbridge_client: Any
) -> None:
    cfg = declared()
    converge(cfg, cloud)
    _edit_template_on_the_bus(eventbridge_client, "quiet")

    report = detect(cfg, read_live(cfg, cloud))
    assert [(i.rule, i.kind) for i in report.items] == [("quiet", DriftKind.BUS_CHANGED)]
    assert "lost at the next registry write" in report.items[0].detail

    changed = declared(
        quiet=rule("quiet", scan_status=(ScanStatus.FAILED,), bus=BusCustomization(enabled=False))
    )
    p = plan(changed, read_live(changed, cloud))
    update = next(c for c in p.changes if c.rule == "quiet" and c.action is Action.UPDATE)
    assert update.writes_registry
    assert "targets.acr-notify.params.Body.text" in {f.path for f in update.discards}
    with pytest.raises(ApplyError, match="quiet"):
        apply(p, cloud, changed)
    converge(changed, cloud, overwrite_bus_edits=True)


def test_registry_save_outside_is_drift_and_apply_restores_customisations(
    cloud: AlibabaProvider, cr_client: Any
) -> None:
    cfg = declared()
    converge(cfg, cloud)
    live = read_live(cfg, cloud).get("prod", "scan-api")
    assert live is not None
    assert live.rule_id is not None
    request = cr_models.UpdateEventCenterRuleRequest(
        instance_id=REGISTRY.instance_id, rule_id=live.rule_id, event_scope="NAMESPACE", namespaces=["team-b"]
    )
    cr_client.update_event_center_rule(request)

    report = detect(cfg, read_live(cfg, cloud))
    assert [(i.rule, i.kind) for i in report.items] == [("scan-api", DriftKind.REGISTRY_CHANGED)]
    converge(cfg, cloud)
    bus = read_live(cfg, cloud).get("prod", "scan-api")
    assert bus is not None
    assert bus.bus is not None
    assert read_marker(bus.bus.description).text.strip() == "Release scans"
    body = bus.bus.targets[0].param("Body")
    assert body is not None
    assert "### ${RepoName}:${Tag} scanned" in (body.template or "")
    assert bus.bus.pattern["data"]["RepoName"] == ["api"]  # type: ignore[index]


def test_rules_created_outside_are_only_reported(
    cloud: AlibabaProvider,
    cr_client: Any,
    create_event_center_rule: Callable[..., dict[str, Any]],
) -> None:
    theirs = RegistrySpec.of(rule("theirs"))
    create_event_center_rule(cr_client, REGISTRY.instance_id, theirs.to_params())
    cfg = declared()
    before = read_live(cfg, cloud).get("prod", "theirs")
    converge(cfg, cloud)
    converge(declared(hook=None), cloud)  # removing an owned rule deletes it; theirs stays
    live = read_live(cfg, cloud)
    assert live.get("prod", "hook") is None
    assert live.get("prod", "theirs") == before
    report = detect(declared(hook=None), live)
    assert [(i.rule, i.kind) for i in report.items] == [("theirs", DriftKind.UNMANAGED)]
    p = plan(declared(hook=None), live)
    assert [(r.rule) for r in p.unmanaged] == ["theirs"]


def cloud_target(cloud: AlibabaProvider) -> planfile.Target:
    account, where = cloud.identity(REGISTRY)
    return planfile.Target(clouds=(("alibaba", account, where),), regions=(REGISTRY.region,))


def test_saved_plan_goes_stale_and_names_the_rule(
    cloud: AlibabaProvider, eventbridge_client: Any, tmp_path: Path
) -> None:
    cfg = declared()
    converge(cfg, cloud)
    changed = declared(hook=rule("hook", notify=http("https://hooks.example.com/v2")))
    live = read_live(changed, cloud)
    saved_plan = plan(changed, live)
    path = tmp_path / "plan.json"
    path.write_text(
        planfile.dumps(
            planfile.capture(saved_plan, live, ["x.yaml"], config_digest(changed), cloud_target(cloud)),
            {},
            path,
        )
    )
    text = path.read_text()
    for value in ENV.values():
        assert value not in text
    saved = planfile.load(path)
    fresh = read_live(changed, cloud)
    assert planfile.stale_objects(saved, fresh, plan(changed, fresh)) == []
    eventbridge_client.disable_rule(eb_models.DisableRuleRequest(event_bus_name="default", rule_name="hook"))
    fresh = read_live(changed, cloud)
    assert planfile.stale_objects(saved, fresh, plan(changed, fresh)) == [
        "prod/hook: its EventBridge rule changed (edited, or regenerated by a save of the registry side)"
    ]


def test_apply_proves_itself_by_planning_again(cloud: AlibabaProvider, eventbridge_client: Any) -> None:
    """A change made while the apply runs (here: someone disables a rule in the console right after
    crnotify wrote it) is caught by the verifying plan: every step applied, yet not converged."""
    cfg = declared()

    def meddle(step: StepResult) -> None:
        if (step.change.rule, step.change.action) == ("hook", Action.REAPPLY_BUS):
            request = eb_models.DisableRuleRequest(event_bus_name="default", rule_name="hook")
            eventbridge_client.disable_rule(request)

    result = apply(plan(cfg, read_live(cfg, cloud)), cloud, cfg, on_step=meddle)
    assert not result.failed
    assert not result.converged
    assert result.verification is not None
    assert [(c.action, c.rule) for c in result.verification.changes] == [(Action.UPDATE, "hook")]
    assert "All steps applied, but a new plan still shows changes:\n  update prod/hook\n" in (
        apply_text.render(result)
    )


def test_a_failed_verifying_read_is_not_convergence(emulator: EmulatorServer) -> None:
    provider = provider_for(emulator, NO_RETRY)
    cfg = declared()
    first = plan(cfg, read_live(cfg, provider))
    done: list[StepResult] = []

    def fail_the_next_read(step: StepResult) -> None:
        done.append(step)
        if len(done) == len(first.changes):  # the last step: the next ListRules is the verifying read
            emulator.inject("ListRules", "throttle")

    result = apply(first, provider, cfg, on_step=fail_the_next_read)
    assert not result.failed
    assert result.verification is None
    assert not result.converged
    assert "but the verifying re-read failed: " in apply_text.render(result)


def test_bad_credentials_are_an_auth_error_with_a_hint(emulator: EmulatorServer) -> None:
    provider = AlibabaProvider(
        endpoints={"*": emulator.endpoint}, access_key=(DEFAULT_ACCESS_KEY_ID, "wrong")
    )
    with pytest.raises(AuthError) as caught:
        read_live(declared(), provider)
    assert "ALIBABA_CLOUD_ACCESS_KEY_ID" in str(caught.value)
    assert "wrong" not in str(caught.value)


@pytest.mark.parametrize("seed", [3])
def test_apply_interrupted_by_faults_converges_on_rerun(tmp_path: Path, seed: int) -> None:
    state = str(tmp_path / "state.sqlite3")
    cfg = declared()
    with (
        EmulatorServer(state_path=state) as clean,
        EmulatorServer(state_path=state, fault_rate=0.5, seed=seed) as flaky,
    ):
        good, bad = provider_for(clean), provider_for(flaky, NO_RETRY)  # every fault fails its step
        result = apply(plan(cfg, read_live(cfg, good)), bad, cfg)
        statuses = [s.status for s in result.steps]
        assert StepStatus.APPLIED in statuses
        assert StepStatus.FAILED in statuses
        assert not result.converged
        rerun = plan(cfg, read_live(cfg, good))
        assert not rerun.is_empty
        converge(cfg, good)
        assert plan(cfg, read_live(cfg, good)).is_empty
        assert {r.name for r in read_live(cfg, good).rules} == {"scan-api", "hook", "quiet"}
        live = read_live(cfg, good).get("prod", "quiet")
        assert live is not None
        assert live.bus is not None
        assert live.bus.enabled is False
