"""The planner and apply, pure: against the in-memory cloud of tests/support/fakecloud.py."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
import yaml

from crnotify.apply import apply, read_live
from crnotify.drift import DriftKind, detect
from crnotify.errors import ApplyError, TransientError
from crnotify.importer import import_rule, render_yaml
from crnotify.marker import read_marker
from crnotify.model import (
    BusCustomization,
    Config,
    EventType,
    MessageTemplate,
    Param,
    ParamForm,
    ScanStatus,
    Scope,
    ScopeKind,
    TemplateFormat,
)
from crnotify.planner import Action, plan
from crnotify.providers.alibaba.convention import RegistrySpec, customise
from support.fakecloud import ENV, REGISTRY, FakeCloud, dingtalk, http, rule

TEMPLATE = MessageTemplate(
    format=TemplateFormat.MARKDOWN,
    title="Scan",
    text="### ${RepoName}:${Tag} scanned",
    variables=(("RepoName", "$.data.RepoName"), ("Tag", "$.data.Tag")),
)


def config(*rules: object) -> Config:
    return Config(registries=(REGISTRY,), rules=tuple(rules))  # type: ignore[arg-type]


def converge(cfg: Config, cloud: FakeCloud, **kwargs: bool) -> None:
    result = apply(plan(cfg, read_live(cfg, cloud)), cloud, cfg, **kwargs)
    assert result.converged, result


def test_empty_cloud_plans_every_create_then_apply_converges() -> None:
    cfg = config(rule("scan-api", bus=BusCustomization(template=TEMPLATE)), rule("hook", notify=http()))
    cloud = FakeCloud()
    first = plan(cfg, read_live(cfg, cloud))
    assert [(c.action, c.rule) for c in first.changes] == [
        (Action.CREATE, "hook"),
        (Action.REAPPLY_BUS, "hook"),
        (Action.CREATE, "scan-api"),
        (Action.REAPPLY_BUS, "scan-api"),
    ]
    assert first.summary.create == 2
    assert first.summary.update == 0
    result = apply(first, cloud, cfg)
    assert result.converged
    assert plan(cfg, read_live(cfg, cloud)).is_empty


def test_secrets_never_appear_in_changes() -> None:
    cfg = config(rule("scan-api"), rule("hook", notify=http("https://h.example.com/x?key=${env:HOOK_TOKEN}")))
    text = repr(plan(cfg, read_live(cfg, FakeCloud())))
    for value in ENV.values():
        assert value not in text


def test_bus_edit_outside_is_discarded_only_with_the_flag() -> None:
    cfg = config(rule("scan-api"))
    cloud = FakeCloud()
    converge(cfg, cloud)
    live_bus = cloud.bus["cn-hangzhou"]["scan-api"]
    target = live_bus.targets[0]
    edited_body = Param(resource_key="Body", form=ParamForm.TEMPLATE, value="{}", template="hand-made")
    edited = replace(target, params=(*(p for p in target.params if p.resource_key != "Body"), edited_body))
    cloud.edit_bus(REGISTRY, "scan-api", targets=(edited,))

    # A registry-side change: the edit will be lost, and the plan says so.
    changed = config(rule("scan-api", scan_status=(ScanStatus.FAILED,)))
    p = plan(changed, read_live(changed, cloud))
    update = next(c for c in p.changes if c.action is Action.UPDATE)
    discarded = {f.path: f for f in update.discards}
    body = discarded["targets.acr-notify.params.Body.text"]
    assert body.before == "hand-made"
    assert discarded["targets.acr-notify.params.Body.format"].before == "json"
    assert [f.path for f in update.fields] == ["scan_status"]
    with pytest.raises(ApplyError, match="scan-api"):
        apply(p, cloud, changed)
    assert cloud.calls[-1] == "read"  # refused before writing anything
    converge(changed, cloud, overwrite_bus_edits=True)


def test_declared_template_edit_outside_is_restored_without_the_flag() -> None:
    cfg = config(rule("scan-api", bus=BusCustomization(template=TEMPLATE)))
    cloud = FakeCloud()
    converge(cfg, cloud)
    marker = cloud.bus["cn-hangzhou"]["scan-api"].description.rsplit(" ", 1)[1]
    cloud.edit_bus(REGISTRY, "scan-api", enabled=False, description=f"hand edit {marker}")
    p = plan(cfg, read_live(cfg, cloud))
    (change,) = p.changes
    assert change.action is Action.UPDATE
    assert {f.path for f in change.discards} == {"description", "enabled"}
    cfg2 = config(rule("scan-api", bus=BusCustomization(template=TEMPLATE, enabled=False)))
    p2 = plan(cfg2, read_live(cfg2, cloud))
    assert [f.path for f in p2.changes[0].discards] == ["description"]
    assert [f.path for f in p2.changes[0].fields] == ["marker"] or not p2.changes[0].fields


def test_declared_template_replaced_outside_is_restored_whole_without_the_flag() -> None:
    """A hand edit of the Body of a rule whose YAML declares a template touches only declared fields,
    its variables included: apply restores them; nothing is 'discarded'."""
    cfg = config(rule("scan-api", bus=BusCustomization(template=TEMPLATE)))
    cloud = FakeCloud()
    converge(cfg, cloud)
    target = cloud.bus["cn-hangzhou"]["scan-api"].targets[0]
    hand_made = Param(resource_key="Body", form=ParamForm.CONSTANT, value="hand made")
    edited = replace(target, params=(*(p for p in target.params if p.resource_key != "Body"), hand_made))
    cloud.edit_bus(REGISTRY, "scan-api", targets=(edited,))
    (item,) = detect(cfg, read_live(cfg, cloud)).items
    assert item.kind is DriftKind.BUS_CHANGED
    assert "not declared" not in item.detail
    (change,) = plan(cfg, read_live(cfg, cloud)).changes
    assert "targets.acr-notify.params.Body.variables.Tag" in {f.path for f in change.fields}
    assert not change.discards
    converge(cfg, cloud)  # no --overwrite-bus-edits needed


def test_description_edit_that_drops_the_marker_loses_ownership() -> None:
    cfg = config(rule("scan-api"))
    cloud = FakeCloud()
    converge(cfg, cloud)
    cloud.edit_bus(REGISTRY, "scan-api", description="hand edit")
    p = plan(cfg, read_live(cfg, cloud))
    assert p.is_empty
    assert [e.rule for e in p.errors] == ["scan-api"]


def test_registry_save_outside_is_restored_with_customisations() -> None:
    declared = rule("scan-api", bus=BusCustomization(template=TEMPLATE, enabled=False))
    cfg = config(declared)
    cloud = FakeCloud()
    converge(cfg, cloud)
    spec = RegistrySpec.of(declared)
    outside = replace(spec, scope=Scope(kind=ScopeKind.NAMESPACE, namespaces=("team-b",)))
    cloud.save_registry(REGISTRY, outside)
    p = plan(cfg, read_live(cfg, cloud))
    assert [(c.action, c.rule) for c in p.changes] == [
        (Action.UPDATE, "scan-api"),
        (Action.REAPPLY_BUS, "scan-api"),
    ]
    fields = {f.path: f for f in p.changes[0].fields}
    assert set(fields) == {"scope.kind", "scope.namespaces", "tag_pattern"}
    # A save made outside may have changed the regex too; nothing shows it, and the write sets it.
    assert fields["tag_pattern"].before_unknown == "not visible on the bus; saved outside crnotify"
    assert fields["tag_pattern"].after == ".*"
    assert not p.changes[0].discards
    converge(cfg, cloud)
    bus = cloud.bus["cn-hangzhou"]["scan-api"]
    assert bus.enabled is False
    assert read_marker(bus.description).digest == spec.digest()


def test_a_changed_tag_regex_is_shown_before_to_after() -> None:
    """The tag regex is visible nowhere, so its `before` comes from the marker's digest of the spec
    crnotify last saved: recognised when it is the default `.*`, else shown as unknown (with the
    digest), never left out of a plan that changes it."""
    cloud = FakeCloud()
    converge(config(rule("scan-api")), cloud)  # tags: .* (the default)

    def registry_change(cfg: Config) -> tuple[dict[str, object], str]:
        (change, reapply) = plan(cfg, read_live(cfg, cloud)).changes
        assert (change.action, reapply.action) == (Action.UPDATE, Action.REAPPLY_BUS)
        (item,) = detect(cfg, read_live(cfg, cloud)).items
        assert item.kind is DriftKind.REGISTRY_CHANGED
        return {f.path: f for f in change.fields}, item.detail

    fields, detail = registry_change(config(rule("scan-api", tag_pattern="v.*")))
    assert list(fields) == ["tag_pattern"]
    assert (fields["tag_pattern"].before, fields["tag_pattern"].after) == (".*", "v.*")
    assert fields["tag_pattern"].before_unknown is None
    assert detail.endswith(": tag_pattern")
    converge(config(rule("scan-api", tag_pattern="v.*")), cloud)

    # A regex crnotify cannot recognise from its digest: changed, from a value it says it cannot read.
    last_saved = RegistrySpec.of(rule("scan-api", tag_pattern="v.*")).digest()
    fields, detail = registry_change(config(rule("scan-api", tag_pattern="v[0-9]+")))
    assert list(fields) == ["tag_pattern"]
    tag = fields["tag_pattern"]
    assert (tag.before, tag.after) == (None, "v[0-9]+")
    assert tag.before_unknown == "not visible on the bus; crnotify last saved a different regex"
    assert last_saved not in tag.before_unknown  # digests depend on secrets: never shown
    assert detail.endswith(": tag_pattern")

    # The regex unchanged: only the fields that did change are listed.
    fields, detail = registry_change(
        config(rule("scan-api", tag_pattern="v.*", scan_status=(ScanStatus.FAILED,)))
    )
    assert list(fields) == ["scan_status"]
    assert detail.endswith(": scan_status")
    converge(config(rule("scan-api", tag_pattern="v.*", scan_status=(ScanStatus.FAILED,))), cloud)
    # …and back to the default, from a regex that is not: the unknown side again.
    fields, _ = registry_change(config(rule("scan-api", scan_status=(ScanStatus.FAILED,))))
    assert (fields["tag_pattern"].before_unknown is not None, fields["tag_pattern"].after) == (True, ".*")


def test_unmanaged_rules_are_reported_and_never_touched() -> None:
    cfg = config(rule("scan-api"))
    cloud = FakeCloud()
    other = RegistrySpec.of(rule("theirs", event_type=EventType.BUILD))
    cloud.save_registry(REGISTRY, other)
    converge(cfg, cloud)
    p = plan(cfg, read_live(cfg, cloud))
    assert p.is_empty
    assert [(r.registry, r.rule) for r in p.unmanaged] == [("prod", "theirs")]
    assert not any("theirs" in call for call in cloud.calls if not call.startswith("read"))


def test_removing_an_owned_rule_deletes_both_sides() -> None:
    cloud = FakeCloud()
    converge(config(rule("a"), rule("b")), cloud)
    cfg = config(rule("a"))
    p = plan(cfg, read_live(cfg, cloud))
    assert [(c.action, c.rule) for c in p.changes] == [(Action.DELETE, "b")]
    converge(cfg, cloud)
    assert "b" not in cloud.bus["cn-hangzhou"]
    assert "b" not in cloud.acr["cri-prod"]


def test_declared_name_taken_by_an_edited_foreign_rule_is_an_error() -> None:
    cloud = FakeCloud()
    spec = RegistrySpec.of(rule("scan-api"))
    cloud.save_registry(REGISTRY, spec)
    cloud.edit_bus(REGISTRY, "scan-api", description="team B's rule")
    cfg = config(rule("scan-api"))
    p = plan(cfg, read_live(cfg, cloud))
    assert p.is_empty
    (error,) = p.errors
    assert error.rule == "scan-api"
    assert error.hint is not None
    assert "import{paths} --registry prod --rule scan-api --adopt" not in error.hint
    assert "crnotify import --registry prod --rule scan-api --adopt" in error.hint


def test_secret_rotation_shows_as_sensitive_change() -> None:
    cloud = FakeCloud()
    converge(config(rule("scan-api")), cloud)
    rotated = config(rule("scan-api", notify=dingtalk(secret_var="HOOK_TOKEN")))
    p = plan(rotated, read_live(rotated, cloud))
    (field,) = p.changes[0].fields
    assert field.path == "notify.secret"
    assert field.secret
    assert field.sensitive_status == "changed"
    assert "SEC" not in json.dumps([field.before, field.after])


def test_interrupted_apply_converges_on_rerun() -> None:
    class Flaky(FakeCloud):
        def put_bus_rule(self, *args: object, **kwargs: object) -> None:
            raise TransientError("connection dropped")

    cfg = config(rule("a", bus=BusCustomization(enabled=False)), rule("b"))
    flaky = Flaky()
    result = apply(plan(cfg, read_live(cfg, flaky)), flaky, cfg)
    assert [s.status.value for s in result.steps] == ["applied", "failed"] * 2
    cloud = FakeCloud(acr=flaky.acr, bus=flaky.bus)
    converge(cfg, cloud)
    assert plan(cfg, read_live(cfg, cloud)).is_empty


def test_drift_kinds() -> None:
    cfg = config(rule("a"), rule("b"), rule("c"), rule("gone"))
    cloud = FakeCloud()
    converge(cfg, cloud)
    # a: bus edit outside (keeps the marker); b: registry save outside; c: untouched;
    # missing: declared, absent; theirs: unmanaged; gone: owned but no longer declared.
    marker = cloud.bus["cn-hangzhou"]["a"].description.rsplit(" ", 1)[1]
    cloud.edit_bus(REGISTRY, "a", description=f"ours {marker}")
    cloud.save_registry(REGISTRY, RegistrySpec.of(rule("b", tag_pattern="^v")))
    cloud.save_registry(REGISTRY, RegistrySpec.of(rule("theirs")))
    now = config(rule("a"), rule("b"), rule("c"), rule("missing"))
    report = detect(now, read_live(now, cloud))
    kinds = {(i.rule, i.kind) for i in report.items}
    assert kinds == {
        ("a", DriftKind.BUS_CHANGED),
        ("b", DriftKind.REGISTRY_CHANGED),
        ("missing", DriftKind.MISSING),
        ("theirs", DriftKind.UNMANAGED),
        ("gone", DriftKind.PENDING),
    }
    assert "lost at the next registry write" in next(i.detail for i in report.items if i.rule == "a")


def test_import_writes_placeholders_and_adoption_makes_the_plan_empty() -> None:
    template = BusCustomization(template=TEMPLATE, enabled=False)
    declared = rule(
        "scan-api", scope=Scope(kind=ScopeKind.REPO, namespaces=("team-a",), repositories=("api",))
    )
    cloud = FakeCloud()
    spec = RegistrySpec.of(declared)
    cloud.save_registry(REGISTRY, spec)
    generated = cloud.bus["cn-hangzhou"]["scan-api"]
    edited = customise(generated, template, digest=spec.digest())
    cloud.edit_bus(REGISTRY, "scan-api", targets=edited.targets, enabled=False)
    (live,) = cloud.read([REGISTRY]).rules
    item = import_rule(REGISTRY, live)
    text = render_yaml(REGISTRY, [item], adopting=True)
    for value in ENV.values():
        assert value not in text
    document = yaml.safe_load(text)["rules"][0]
    assert document["notify"]["dingtalk"]["webhook"].endswith("access_token=${env:SCAN_API_DINGTALK_TOKEN}")
    assert document["bus"]["enabled"] is False
    assert document["bus"]["template"]["text"] == TEMPLATE.text
    assert item.adoption is not None
    cloud.put_bus_rule(REGISTRY, item.adoption, live.bus)
    same = config(replace(declared, bus=template))
    assert plan(same, read_live(same, cloud)).is_empty


def test_import_says_what_it_knows_of_the_tag_regex() -> None:
    """The regex is not on the bus; the marker of a rule crnotify saved tells `.*` from anything else."""
    cloud = FakeCloud()
    converge(config(rule("plain"), rule("tagged", tag_pattern="v.*")), cloud)
    cloud.save_registry(REGISTRY, RegistrySpec.of(rule("theirs")))
    notes = {r.name: import_rule(REGISTRY, r).notes for r in cloud.read([REGISTRY]).rules}
    assert notes["plain"] == ()  # saved by crnotify with `.*`: nothing to set
    assert notes["tagged"] == (
        "the tag regex is not visible on the bus, and crnotify last saved one other than `.*`: "
        "`tags` is left at `.*`; set it to that regex, or the next plan changes it",
    )
    assert notes["theirs"] == (
        "the tag regex is not visible on the bus: `tags` is left at `.*`; set it to the console's value",
    )


def test_registry_rule_deleted_outside_is_recreated_from_its_orphan_bus_rule() -> None:
    cfg = config(rule("scan-api", bus=BusCustomization(enabled=False)))
    cloud = FakeCloud()
    converge(cfg, cloud)
    del cloud.acr["cri-prod"]["scan-api"]  # the bus rule stays, marker and all
    p = plan(cfg, read_live(cfg, cloud))
    assert [(c.action, c.rule) for c in p.changes] == [
        (Action.CREATE, "scan-api"),
        (Action.REAPPLY_BUS, "scan-api"),
    ]
    assert "registry rule is missing" in p.changes[0].reasons[0]
    assert [i.kind for i in detect(cfg, read_live(cfg, cloud)).items] == [DriftKind.MISSING]
    converge(cfg, cloud)
    assert cloud.bus["cn-hangzhou"]["scan-api"].enabled is False
