"""Semantic pattern diff in `plan`: a change that alters what a rule matches lists the sample (or, with
`--history`, the recorded) events it starts and stops matching; applied to the emulator by `apply`,
read back through the official SDKs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import cmarkgfm
import pytest

from crnotify.emulator.server import EmulatorServer
from crnotify.model import EventType, Registry
from crnotify.model import Provider as Kind
from crnotify.offline import pattern_diff
from crnotify.offline.samples import acr_event
from crnotify.reach import Reach, ScopeKind
from support.cli_run import run_cli, user_workdir

SECRETS = {"HOOK": "hook-token-diff-0123"}
INSTANCE = "cri-difftest01"
REGISTRIES = f"""\
version: 1
registries:
  - name: prod
    provider: alibaba
    region: cn-hangzhou
    instance_id: {INSTANCE}
"""


def rules(scope: str, status: str = "[COMPLETE]", description: str = "scans") -> str:
    return f"""\
version: 1
rules:
  - name: scans
    registry: prod
    event: scan
    scan_status: {status}
    scope:
{scope}
    notify:
      https:
        url: https://hooks.example.com/scan?token=${{env:HOOK}}
    bus:
      description: {description}
"""


API = "      namespace: team-a\n      repositories: [api]"
TEAM_A = "      namespaces: [team-a]"


@pytest.fixture
def applied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[tuple[Path, tuple[str, str]]]:
    user_workdir(tmp_path, monkeypatch, {"r.yaml": REGISTRIES, "rules.yaml": rules(API)}, SECRETS,
                 alibaba_keys=True)  # fmt: skip
    with EmulatorServer() as server:
        code, _, err = run_cli(capsys, SECRETS.values(), "apply", "config", "--auto-approve",
                               "--endpoint", server.endpoint)  # fmt: skip
        assert code == 0, err
        yield tmp_path, ("--endpoint", server.endpoint)


def test_plan_lists_the_sample_events_a_change_starts_and_stops_matching(
    applied: tuple[Path, tuple[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    root, at = applied
    (root / "config" / "rules.yaml").write_text(rules(TEAM_A, status="[FAILED]"))
    code, out, err = run_cli(capsys, SECRETS.values(), "plan", "config", *at)
    assert code == 0, err
    tail = out[out.index("What the changed patterns match:") :]
    assert "prod/scans" in tail
    assert "start matching:\n      scan team-a/api:latest FAILED" in tail
    assert "scan team-a/app:latest FAILED" in tail  # the namespace now covers more than api
    assert "stop matching:\n      scan team-a/api:latest COMPLETE" in tail
    assert "crnotify-sample-other" not in tail  # outside both scopes: no difference
    assert "8 of 24 sample event(s) start matching" in tail  # 3 repositories × 4 tags × 2 statuses

    code, out, _ = run_cli(capsys, SECRETS.values(), "plan", "config", "--format", "markdown", *at)
    assert "**Events matched**" in out
    html = cmarkgfm.github_flavored_markdown_to_html(out)
    assert "scan team-a/app:latest FAILED" in html


def test_recorded_events_are_used_when_a_history_is_given(
    applied: tuple[Path, tuple[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    root, at = applied
    recorded = [
        acr_event(EventType.SCAN, instance_id=INSTANCE, namespace="team-a", repository=repo, tag="v2",
                  status="COMPLETE", at=1_767_225_600.0 + i, event_id=f"r{i}")
        for i, repo in enumerate(("api", "web", "db"))
    ]  # fmt: skip
    history = root / "history.jsonl"
    history.write_text("".join(json.dumps(e) + "\n" for e in recorded))
    (root / "config" / "rules.yaml").write_text(rules(TEAM_A))
    code, out, _ = run_cli(capsys, SECRETS.values(), "plan", "config", "--history", str(history), *at)
    assert code == 0
    assert "2 of 3 recorded event(s) start matching:\n      scan team-a/web:v2 COMPLETE\n" in out
    assert "stop matching" not in out


def test_a_change_that_matches_the_same_events_lists_none(
    applied: tuple[Path, tuple[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    root, at = applied
    (root / "config" / "rules.yaml").write_text(rules(API, description="release scans"))
    code, out, _ = run_cli(capsys, SECRETS.values(), "plan", "config", *at)
    assert code == 0
    assert "~ " in out  # a change (the description)
    assert "What the changed patterns match" not in out


def test_samples_cover_both_scopes_and_an_outsider() -> None:
    registry = Registry(name="prod", provider=Kind.ALIBABA, region="cn-hangzhou", instance_id=INSTANCE)
    before = Reach("prod", "r", "build", kind=ScopeKind.REPO, namespaces=("team-a",), repositories=("api",))
    after = Reach("prod", "r", "scan", kind=ScopeKind.NAMESPACE, namespaces=("team-b",))
    events = pattern_diff.samples(registry, [before, after])
    kinds = {e["type"] for e in events}
    assert kinds == {EventType.BUILD.value, EventType.SCAN.value}
    where = {(e["data"]["RepoNamespaceName"], e["data"]["RepoName"]) for e in events}
    assert where == {("team-a", "api"), ("team-b", "app"), ("crnotify-sample-other", "app")}
    aws = Registry(name="ecr", provider=Kind.AWS, region="eu-west-1", account="123456789012")
    assert pattern_diff.samples(aws, [after]) == []
