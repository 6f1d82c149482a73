"""`crnotify emulator publish` and the emulator's side of it, through the official SDKs over HTTP: ACR's
events recorded per covering rule (ListEventCenterRecord), routed and delivered to real local
receivers, traced with the target's answer, and the repositories they name listed (ListNamespace,
ListRepository, ListRepoTag)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_cr20181201 import models as cr
from alibabacloud_eventbridge20200401 import models as eb
from Tea.exceptions import TeaException

from crnotify.cli import main
from crnotify.cli.emulator_publish import post_events
from crnotify.clock import ManualClock
from crnotify.emulator.delivery_hook import DeliveryHook
from crnotify.emulator.server import EmulatorServer
from crnotify.errors import ConfigError
from crnotify.model import EventType, NotifyMethod, Scope, ScopeKind
from crnotify.offline.samples import acr_event
from crnotify.providers.alibaba.convention import RegistrySpec
from support.local_receiver import http_receiver

INSTANCE = "cri-publishtest01"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def server(clock: ManualClock) -> Iterator[EmulatorServer]:
    with EmulatorServer(clock=clock) as emulator:
        hook = DeliveryHook(emulator.state, clock=clock, seed=1)
        emulator.on_events = hook
        try:
            yield emulator
        finally:
            hook.close()


def spec(name: str, url: str, *, namespaces: tuple[str, ...] = ("team-a",), tags: str = ".*") -> RegistrySpec:
    return RegistrySpec(
        rule_name=name,
        event_type=EventType.BUILD,
        scope=Scope(kind=ScopeKind.NAMESPACE, namespaces=namespaces),
        tag_pattern=tags,
        method=NotifyMethod.HTTP,
        url=url,
    )


def build(clock: ManualClock, repo: str, tag: str) -> dict[str, Any]:
    namespace, _, name = repo.partition("/")
    return acr_event(
        EventType.BUILD, instance_id=INSTANCE, namespace=namespace, repository=name, tag=tag, at=clock.now()
    )


def test_published_events_are_recorded_per_covering_rule_delivered_and_traced(
    server: EmulatorServer,
    clock: ManualClock,
    cr_client_factory: Callable[..., Any],
    eventbridge_client_factory: Callable[..., Any],
    create_event_center_rule: Callable[..., dict[str, Any]],
) -> None:
    client = cr_client_factory(server)
    with http_receiver() as good, http_receiver() as bad:
        bad.statuses = [500] * 20
        ok = create_event_center_rule(client, INSTANCE, spec("ok", good.url + "/a").to_params())["RuleId"]
        create_event_center_rule(client, INSTANCE, spec("broken", bad.url).to_params())
        create_event_center_rule(
            client, INSTANCE, spec("other", good.url, namespaces=("team-b",)).to_params()
        )
        events = [build(clock, "team-a/api", "v1"), build(clock, "team-a/web", "latest")]
        ids = post_events(server.url, INSTANCE, "cn-hangzhou", events)

    assert ids == [e["id"] for e in events]
    assert sorted(json.loads(r.body)["data"]["RepoName"] for r in good.requests) == ["api", "web"]
    records = client.list_event_center_record(cr.ListEventCenterRecordRequest(instance_id=INSTANCE)).body
    assert sorted((r.rule_name, r.repo_name, r.tag) for r in records.records) == [
        ("broken", "api", "v1"),
        ("broken", "web", "latest"),
        ("ok", "api", "v1"),
        ("ok", "web", "latest"),
    ]  # "other" covers team-b only: no record, though nothing failed
    assert {r.event_notify_id for r in records.records if r.rule_id == ok} == set(ids)

    bus = eventbridge_client_factory(server)
    request = eb.QueryEventTracesRequest(event_bus_name="default", event_id=ids[0])
    pushes = [s for s in bus.query_event_traces(request).body.data if s.action == "PushEvent"]
    statuses = sorted((s.rule_name, s.notify_status) for s in pushes)
    assert statuses[0] == ("broken", "Failed: HTTP 500")
    assert statuses[-1] == ("ok", "Success")


def test_the_listing_calls_read_back_what_was_published(
    server: EmulatorServer, clock: ManualClock, cr_client_factory: Callable[..., Any]
) -> None:
    post_events(server.url, INSTANCE, "cn-hangzhou", [build(clock, "team-a/api", "v1")])
    clock.advance(5)
    post_events(
        server.url,
        INSTANCE,
        "cn-hangzhou",
        [build(clock, "team-a/api", "v2"), build(clock, "team-b/db", "1")],
    )
    server.state.add_repositories(
        server.account_id, "cn-hangzhou", instance_id=INSTANCE, repositories=["team-c/empty"]
    )
    client = cr_client_factory(server)
    namespaces = client.list_namespace(cr.ListNamespaceRequest(instance_id=INSTANCE)).body.to_map()
    assert [n["NamespaceName"] for n in namespaces["Namespaces"]] == ["team-a", "team-b", "team-c"]
    repos = client.list_repository(
        cr.ListRepositoryRequest(instance_id=INSTANCE, repo_namespace_name="team-a")
    ).body.to_map()
    (api,) = repos["Repositories"]
    assert (api["RepoNamespaceName"], api["RepoName"]) == ("team-a", "api")
    assert api["RepoId"] == build(clock, "team-a/api", "x")["data"]["RepoId"]  # the id events carry
    tags = client.list_repo_tag(cr.ListRepoTagRequest(instance_id=INSTANCE, repo_id=api["RepoId"])).body
    assert [i.tag for i in tags.images] == ["v2", "v1"]  # newest first
    page = client.list_repository(cr.ListRepositoryRequest(instance_id=INSTANCE, page_no=2, page_size=2))
    assert [r.repo_name for r in page.body.repositories] == ["empty"]
    with pytest.raises(TeaException) as missing:
        client.list_repo_tag(cr.ListRepoTagRequest(instance_id=INSTANCE, repo_id="crr-nope"))
    assert missing.value.code == "REPO_NOT_EXIST"


def test_publish_command_against_a_running_emulator(
    server: EmulatorServer,
    cr_client_factory: Callable[..., Any],
    create_event_center_rule: Callable[..., dict[str, Any]],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    client = cr_client_factory(server)
    with http_receiver() as receiver:
        create_event_center_rule(client, INSTANCE, spec("ok", receiver.url).to_params())
        code = main([
            "emulator", "publish", "--endpoint", server.endpoint, "--registry", INSTANCE,
            "--type", "build", "--repo", "team-a/api", "--tag", "v3", "--status", "FAILED", "--count", "3",
        ])  # fmt: skip
        out = capsys.readouterr().out
        assert code == 0, out
        assert out.startswith(f"published 3 of 3 event(s) to {INSTANCE} (cn-hangzhou)")
        assert [json.loads(r.body)["data"]["BuildStatus"] for r in receiver.requests] == ["FAILED"] * 3

        history = tmp_path / "events.jsonl"
        history.write_text(json.dumps(acr_event(EventType.BUILD, instance_id=INSTANCE, namespace="team-a",
                                                repository="api", tag="v4", at=0)) + "\n\n")  # fmt: skip
        assert main(["emulator", "publish", "--endpoint", server.endpoint, "--registry", INSTANCE,
                     "--file", str(history)]) == 0  # fmt: skip
        assert len(receiver.requests) == 4


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--registry", INSTANCE, "--type", "build", "--repo", "team-a/api"], "give --local or --endpoint"),
        (["--local", "--registry", INSTANCE, "--type", "build"], "give --type and --repo"),
        (["--local", "--registry", INSTANCE, "--type", "build", "--repo", "api"], "is not NS/REPO"),
        (["--local", "--registry", "nope", "--type", "build", "--repo", "a/b"], "not valid"),
    ],
)
def test_publish_refuses_bad_input_clearly(
    args: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["emulator", "publish", *args]) == 1
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_an_event_of_another_instance_is_refused(server: EmulatorServer, clock: ManualClock) -> None:
    event = build(clock, "team-a/api", "v1")
    with pytest.raises(Exception, match="is not cri-other"):
        post_events(server.url, "cri-other", "cn-hangzhou", [event])


def test_the_instances_file_names_repositories_from_the_start(
    tmp_path: Path, cr_client_factory: Callable[..., Any]
) -> None:
    instances = tmp_path / "instances.yaml"
    instances.write_text(
        f"- instance_id: {INSTANCE}\n  region: cn-hangzhou\n  repositories: [team-a/api, team-b/db]\n"
    )
    with EmulatorServer(instances_file=str(instances)) as server:
        body = cr_client_factory(server).list_repository(cr.ListRepositoryRequest(instance_id=INSTANCE)).body
    assert [(r.repo_namespace_name, r.repo_name) for r in body.repositories] == [
        ("team-a", "api"),
        ("team-b", "db"),
    ]
    instances.write_text(f"- instance_id: {INSTANCE}\n  region: cn-hangzhou\n  repositories: [api]\n")
    with pytest.raises(ConfigError, match="repositories must be a list of NS/REPO names"):
        EmulatorServer(instances_file=str(instances))
