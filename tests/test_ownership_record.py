"""crnotify's ownership record (`providers.alibaba.ownership`, issue 14 item 1, issue 15 items 2 and 7):
after each registry write crnotify records what the cloud generated, observed; ownership survives a
console edit of the description; the tag regex's old value comes from the record.

Through the CLI against an emulator over HTTP, edits made with the official SDKs, under the default
variants and under `generated-description=v2` / `generated-shape=v2` (ACR generating something other
than the convention predicts).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_cr20181201 import models as cr_models
from alibabacloud_eventbridge20200401 import models as eb_models

from crnotify.cli.session import load_config
from crnotify.emulator import variants
from crnotify.emulator.server import EmulatorServer
from crnotify.marker import read_marker
from crnotify.model import EventType, NotifyMethod, OwnershipEntry, Scope
from crnotify.providers.alibaba import ownership
from crnotify.providers.alibaba.convention import RegistrySpec
from support.cli_run import run_cli, user_workdir

SECRETS = {"HOOK_TOKEN": "hook-owned-0123", "DT_TOKEN": "dt-owned-token-0123", "DT_SECRET": "SECowned0123"}
INSTANCE = "cri-owned01"
REGISTRIES = f"""\
version: 1
registries:
  - name: prod
    provider: alibaba
    region: cn-hangzhou
    instance_id: {INSTANCE}
"""
HOOK = """\
  - name: hook
    registry: prod
    event: build
    tags: {tags}
    scope:
      namespaces: [team-a]
    notify:
      https:
        url: https://hooks.example.com/acr
        token: ${{env:HOOK_TOKEN}}
"""
SCAN = """\
  - name: scan-api
    registry: prod
    event: scan
    scope:
      namespace: team-a
      repositories: [api]
    notify:
      dingtalk:
        webhook: https://oapi.dingtalk.com/robot/send?access_token=${env:DT_TOKEN}
        secret: ${env:DT_SECRET}
    bus:
      description: Release scans
      template:
        format: markdown
        title: Scan finished
        text: "### ${RepoName}:${Tag} scanned"
"""
EDITED = "CI build hook (ask #platform)"
NO_CHANGES = "No changes. The cloud matches the configuration."


def rules(tags: str = '".*-release"', *, scan: bool = True) -> str:
    return "version: 1\nrules:\n" + HOOK.format(tags=tags) + (SCAN if scan else "")


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    files = {"registries.yaml": REGISTRIES, "rules.yaml": rules()}
    return user_workdir(tmp_path, monkeypatch, files, SECRETS, alibaba_keys=True)


@pytest.fixture(
    params=[
        "generated-description=v1",
        "generated-description=v2",
        "generated-shape=v2",
        "generated-description=v2,generated-shape=v2",
    ]
)
def cloud(request: pytest.FixtureRequest) -> Iterator[EmulatorServer]:
    with EmulatorServer(variants=variants.parse(str(request.param).split(","))) as server:
        yield server


def run(capsys: pytest.CaptureFixture[str], cloud: EmulatorServer, *argv: str) -> tuple[int, str, str]:
    return run_cli(capsys, SECRETS.values(), *argv, "--endpoint", cloud.endpoint)


def drift(capsys: pytest.CaptureFixture[str], cloud: EmulatorServer) -> list[tuple[str, str]]:
    code, out, err = run(capsys, cloud, "drift", "config", "--format", "json")
    assert code in (0, 2), err
    return [(item["rule"], item["kind"]) for item in json.loads(out)["drift"]]


def applied(capsys: pytest.CaptureFixture[str], cloud: EmulatorServer) -> str:
    code, out, err = run(capsys, cloud, "apply", "config", "--auto-approve")
    assert code == 0, out + err
    return out


def bus_rules(cloud: EmulatorServer) -> dict[str, Any]:
    return {r.name: r for r in cloud.state.all_rules(cloud.account_id, cloud.region, bus="default")}


def edit_description(client: Any, name: str, description: str) -> None:
    """A person's UpdateRule in the console: the description changed, the rest as it was."""
    rule = client.get_rule(eb_models.GetRuleRequest(event_bus_name="default", rule_name=name)).body.data
    request = eb_models.UpdateRuleRequest(
        event_bus_name="default", rule_name=name, filter_pattern=rule.filter_pattern, description=description
    )
    assert client.update_rule(request).body.code in ("Success", "200")


def save_registry_rule(client: Any, name: str) -> None:
    """A registry-side save in the console: ACR regenerates the bus rule."""
    listed = client.list_event_center_rule_name(
        cr_models.ListEventCenterRuleNameRequest(instance_id=INSTANCE)
    )
    ids = {item["RuleName"]: item["RuleId"] for item in listed.body.to_map()["RuleNames"]}
    request = cr_models.UpdateEventCenterRuleRequest(
        instance_id=INSTANCE, rule_id=ids[name], event_scope="NAMESPACE", namespaces=["team-b"]
    )
    client.update_event_center_rule(request)


def test_apply_records_what_the_cloud_generated(workdir: Path, cloud: EmulatorServer, capsys: Any) -> None:
    applied(capsys, cloud)
    live = bus_rules(cloud)
    record = live[ownership.record_name(INSTANCE, 1)]
    assert record.status == "DISABLE"
    entries = ownership.parse(record.description)
    assert entries is not None
    assert sorted(entries) == ["hook", "scan-api"]
    assert len(record.description) <= 256
    assert entries["hook"].tag_pattern == ".*-release"
    assert all(e.rule_id and e.rule_id.startswith("crecr-") for e in entries.values())
    # The generated digest is of what ACR wrote under this variant, not of the convention's guess.
    spec = RegistrySpec.of(load_config([str(workdir / "config")]).rules[0])
    seen = cloud.variants.generated_rule(spec, INSTANCE)
    assert entries["hook"].generated == ownership.generated_digest(seen, "hook", INSTANCE)
    # Never a user's rule: not imported, not reported as unmanaged, not read at all.
    code, out, err = run(capsys, cloud, "import", "config", "--registry", "prod", "--all")
    assert code == 0, err
    assert "crnotify-owned" not in out + err
    assert drift(capsys, cloud) == []
    code, out, err = run(capsys, cloud, "plan", "config", "--detailed-exitcode")
    assert (code, out.strip()) == (0, NO_CHANGES), err


def test_a_description_edit_that_removes_the_marker_is_restored(
    workdir: Path, cloud: EmulatorServer, capsys: Any, eventbridge_client_factory: Callable[..., Any]
) -> None:
    """Issue 15 item 2: the marker goes with the edit; the record keeps the rule crnotify's."""
    applied(capsys, cloud)
    client = eventbridge_client_factory(cloud)
    edit_description(client, "hook", EDITED)
    edit_description(client, "scan-api", "Release scans (ask #platform)")
    assert read_marker(bus_rules(cloud)["hook"].description).digest is None

    assert drift(capsys, cloud) == [("hook", "marker_removed"), ("scan-api", "marker_removed")]
    for fmt in ("text", "markdown"):
        code, out, err = run(capsys, cloud, "drift", "config", "--format", fmt)
        assert code == 2, err
        assert "marker_removed" in out
        assert "the crnotify marker was removed" in out
    code, out, err = run(capsys, cloud, "plan", "config", "--detailed-exitcode")
    assert code == 2, out + err
    assert "not managed" not in out + err
    assert "2 to update" in out
    assert "the crnotify marker was removed outside crnotify" in out
    applied(capsys, cloud)
    live = bus_rules(cloud)
    assert read_marker(live["scan-api"].description).text.strip() == "Release scans"
    assert read_marker(live["hook"].description).digest is not None
    assert EDITED not in live["hook"].description
    assert drift(capsys, cloud) == []


def test_a_bus_edit_and_a_registry_save_are_told_apart_by_the_observed_baseline(
    workdir: Path,
    cloud: EmulatorServer,
    capsys: Any,
    eventbridge_client_factory: Callable[..., Any],
    cr_client_factory: Callable[..., Any],
) -> None:
    """An unmarked description naming the rule and its instance (which the convention's prediction
    alone would take for ACR's own text) is a bus edit; the console's registry save is one."""
    applied(capsys, cloud)
    edit_description(eventbridge_client_factory(cloud), "hook", f"hook of {INSTANCE}: CI build hook")
    save_registry_rule(cr_client_factory(cloud), "scan-api")
    assert drift(capsys, cloud) == [("hook", "marker_removed"), ("scan-api", "registry_changed")]
    applied(capsys, cloud)
    assert drift(capsys, cloud) == []


def test_an_owned_rule_no_longer_declared_is_deleted_with_its_marker_gone(
    workdir: Path, cloud: EmulatorServer, capsys: Any, eventbridge_client_factory: Callable[..., Any]
) -> None:
    applied(capsys, cloud)
    edit_description(eventbridge_client_factory(cloud), "scan-api", EDITED)
    (workdir / "config" / "rules.yaml").write_text(rules(scan=False))
    code, out, err = run(capsys, cloud, "plan", "config")
    assert code == 0, err
    assert "managed by crnotify (its ownership record) and no longer declared" in out
    applied(capsys, cloud)
    live = bus_rules(cloud)
    assert "scan-api" not in live
    entries = ownership.parse(live[ownership.record_name(INSTANCE, 1)].description)
    assert entries is not None
    assert sorted(entries) == ["hook"]


def test_a_rule_made_again_outside_crnotify_is_not_claimed_by_a_stale_entry(
    workdir: Path,
    cloud: EmulatorServer,
    capsys: Any,
    cr_client_factory: Callable[..., Any],
    eventbridge_client_factory: Callable[..., Any],
) -> None:
    """The record names the registry rule id it saved: a rule deleted in the console and made again
    there under the same name is another rule, not crnotify's, though the record still has the name."""
    applied(capsys, cloud)
    client = cr_client_factory(cloud)
    listed = client.list_event_center_rule_name(
        cr_models.ListEventCenterRuleNameRequest(instance_id=INSTANCE)
    )
    ids = {item["RuleName"]: item["RuleId"] for item in listed.body.to_map()["RuleNames"]}
    client.delete_event_center_rule(
        cr_models.DeleteEventCenterRuleRequest(instance_id=INSTANCE, rule_id=ids["hook"])
    )  # its bus rule goes with it (delete-removes-bus=yes)
    spec = RegistrySpec(
        rule_name="hook",
        event_type=EventType.BUILD,
        scope=Scope(),
        tag_pattern=".*",
        method=NotifyMethod.HTTPS,
        url="https://other.example.com/hook",
    )
    cloud.state.create_event_center_rule(cloud.account_id, cloud.region, instance_id=INSTANCE, spec=spec)
    edit_description(eventbridge_client_factory(cloud), "hook", EDITED)
    (workdir / "config" / "rules.yaml").write_text("version: 1\nrules:\n" + SCAN)
    assert drift(capsys, cloud) == [("hook", "unmanaged")]
    code, out, err = run(capsys, cloud, "plan", "config", "--detailed-exitcode")
    assert code == 0, err  # never deleted: it is not crnotify's
    assert out.strip() == f"Not managed by crnotify, left alone: prod/hook\n\n{NO_CHANGES}"


def test_the_tag_regex_old_value_comes_from_the_record(
    workdir: Path, cloud: EmulatorServer, capsys: Any
) -> None:
    """Issue 15 item 7: no API reads the regex back; the record says which one crnotify saved."""
    applied(capsys, cloud)
    (workdir / "config" / "rules.yaml").write_text(rules(tags='"v.*"'))
    code, out, err = run(capsys, cloud, "plan", "config", "--format", "json")
    assert code == 0, err
    fields = [
        field
        for change in json.loads(out)["changes"]
        if change["rule"] == "hook"
        for field in change["fields"]
        if field["path"] == "tag_pattern"
    ]
    assert fields == [{"path": "tag_pattern", "before": ".*-release", "after": "v.*", "sensitive": False}]
    applied(capsys, cloud)
    entries = ownership.parse(bus_rules(cloud)[ownership.record_name(INSTANCE, 1)].description)
    assert entries is not None
    assert entries["hook"].tag_pattern == "v.*"


def test_import_takes_the_tag_regex_from_the_record(
    workdir: Path, cloud: EmulatorServer, capsys: Any
) -> None:
    applied(capsys, cloud)
    (workdir / "config" / "rules.yaml").write_text("version: 1\nrules:\n" + SCAN)  # hook: not declared
    code, out, err = run(capsys, cloud, "import", "config", "--registry", "prod", "--rule", "hook")
    assert code == 0, err
    assert "tags: .*-release" in out
    assert "not visible on the bus" not in out + err


def test_records_split_within_the_description_limit() -> None:
    entries = {
        f"rule-{n:02d}-" + "x" * (100 if n == 3 else 10): OwnershipEntry(
            rule_id=f"crecr-{n:016d}",
            spec=f"{n:012d}",
            generated="a" * 12,
            bus="b" * 12,
            tag_pattern="t" * 90,
        )
        for n in range(10)
    }
    texts = ownership.pack(entries)
    assert len(texts) > 1
    assert all(len(text) <= 256 for text in texts)
    read = ownership.Book(
        "cri-x", {ownership.record_name("cri-x", n): t for n, t in enumerate(texts, 1)}
    ).entries()
    assert sorted(read) == sorted(entries)
    long = next(name for name in entries if "x" * 100 in name)
    assert read[long].tag_pattern is None  # too long for a record with it: kept without the regex
    assert all(read[name] == entries[name] for name in entries if name != long)
    assert ownership.parse("Release scans") is None
    assert ownership.parse('{"a":["x"]}') is None


@pytest.mark.parametrize("name", ["crnotify-owned-cri-owned01-1", "crnotify-lock-cri-owned01-000001"])
def test_a_declared_rule_may_not_take_crnotify_s_own_names(workdir: Path, capsys: Any, name: str) -> None:
    (workdir / "config" / "rules.yaml").write_text(rules().replace("- name: hook", f"- name: {name}"))
    code, out, err = run_cli(capsys, SECRETS.values(), "validate", "config")
    assert code == 1
    assert "which crnotify keeps for its own bus rules" in out + err
    assert "rules.yaml:3:" in out + err


def test_adding_a_rule_rewrites_one_record_whatever_the_order() -> None:
    """Concurrent applies of many rules record them in any order: each adds to the record with room
    and leaves the others as they are, so the number of writes never depends on the order."""

    def entry(n: int) -> OwnershipEntry:
        return OwnershipEntry(rule_id=f"crecr-{n:016d}", spec=f"{n:012d}", generated="a" * 12, bus="b" * 12)

    for order in ([3, 1, 4, 2, 0], [0, 1, 2, 3, 4], [4, 3, 2, 1, 0]):
        book, entries, writes = ownership.Book("cri-x", {}), {}, 0
        for n in order:
            entries[f"s{n}"] = entry(n)
            for name, text in book.writes(entries):
                assert text is not None
                book.descriptions[name] = text
                writes += 1
        assert writes == len(order)  # one record write per rule added
        assert book.entries() == entries
        assert sorted(book.descriptions) == [
            ownership.record_name("cri-x", 1),
            ownership.record_name("cri-x", 2),
        ]
    # A record numbered out of sequence is kept; a new one comes after the highest number.
    gap = ownership.Book("cri-x", {ownership.record_name("cri-x", 3): ownership.pack({"s0": entry(0)})[0]})
    full = {f"s{n}": entry(n) for n in range(4)}
    names = [name for name, _ in gap.writes(full)]
    assert names == [ownership.record_name("cri-x", 3), ownership.record_name("cri-x", 4)]
    assert gap.writes({}) == [(ownership.record_name("cri-x", 3), None)]  # the last entry gone: deleted


def test_adopting_a_console_rule_records_what_acr_made_of_it(
    workdir: Path, cloud: EmulatorServer, capsys: Any, eventbridge_client_factory: Callable[..., Any]
) -> None:
    """A rule made in the console was never saved by crnotify, yet ACR's generation of it is there to
    see when crnotify adopts it: recorded, it tells a later bus edit from a registry save."""
    (workdir / "config" / "rules.yaml").write_text(rules(tags='".*"', scan=False))
    spec = RegistrySpec.of(load_config([str(workdir / "config")]).rules[0])
    cloud.state.create_event_center_rule(cloud.account_id, cloud.region, instance_id=INSTANCE, spec=spec)
    code, out, err = run(capsys, cloud, "import", "config", "--registry", "prod", "--rule", "hook", "--adopt")
    assert code == 0, out + err
    entries = ownership.parse(bus_rules(cloud)[ownership.record_name(INSTANCE, 1)].description)
    assert entries is not None
    seen = cloud.variants.generated_rule(spec, INSTANCE)
    assert entries["hook"].generated == ownership.generated_digest(seen, "hook", INSTANCE)
    applied(capsys, cloud)  # the declared description (ACR's predicted one) replaces ACR's actual text
    entries = ownership.parse(bus_rules(cloud)[ownership.record_name(INSTANCE, 1)].description)
    assert entries is not None
    assert entries["hook"].generated == ownership.generated_digest(seen, "hook", INSTANCE)  # kept
    assert drift(capsys, cloud) == []
    edit_description(eventbridge_client_factory(cloud), "hook", f"hook of {INSTANCE}: CI build hook")
    assert drift(capsys, cloud) == [("hook", "marker_removed")]
    applied(capsys, cloud)
    assert drift(capsys, cloud) == []


def test_the_quota_counts_the_record_a_first_apply_creates(
    workdir: Path, cloud: EmulatorServer, capsys: Any, eventbridge_client_factory: Callable[..., Any]
) -> None:
    """A bus one rule short of its 50: creating a rule there also creates the instance's ownership
    record, two slots; the plan says so before any write. Once the record exists it is listed as
    crnotify's own among the holders, never as a user's rule."""
    (workdir / "config" / "rules.yaml").write_text(rules(scan=False))
    client = eventbridge_client_factory(cloud)
    for n in range(49):
        request = eb_models.CreateRuleRequest(
            event_bus_name="default", rule_name=f"other-{n:02d}", filter_pattern='{"source":["acs.billing"]}'
        )
        client.create_rule(request)
    code, out, err = run(capsys, cloud, "plan", "config")
    assert code == 1, out + err
    assert "adds 2 rule(s) to the EventBridge bus `default`" in out + err
    for name in ("other-48", "other-47"):
        client.delete_rule(eb_models.DeleteRuleRequest(event_bus_name="default", rule_name=name))
    applied(capsys, cloud)  # 47, the apply lock's lease, hook and its record: 50
    (workdir / "config" / "rules.yaml").write_text(rules())  # scan-api: one more
    code, out, err = run(capsys, cloud, "plan", "config")
    assert code == 1, out + err
    assert "adds 1 rule(s)" in out + err
    assert f"{ownership.record_name(INSTANCE, 1)} (crnotify's own)" in out + err
