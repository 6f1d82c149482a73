"""`crnotify map` and the reach of a plan: who is told about what, in words and as Mermaid, rendered as
GitHub renders Markdown (cmark-gfm); a scope change names the repositories it adds and removes, listed
from the emulator through the official SDK (ListRepository)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import cmarkgfm
import pytest

from crnotify import reach
from crnotify.cli.emulator_publish import post_events
from crnotify.clock import ManualClock
from crnotify.config import load
from crnotify.emulator.server import EmulatorServer
from crnotify.model import EventType
from crnotify.offline.samples import acr_event
from crnotify.render import map_json, map_markdown, map_mermaid, map_text
from support.cli_run import run_cli, user_workdir
from test_render import check

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SECRETS = {"SEC_TOKEN": "sec-token-map-0123"}
INSTANCE = "cri-maptest01"
REGISTRIES = f"""\
version: 1
registries:
  - name: prod
    provider: alibaba
    region: cn-hangzhou
    instance_id: {INSTANCE}
"""


def rules(scope: str, url: str = "https://hooks.example.com/scan") -> str:
    return f"""\
version: 1
rules:
  - name: scan-api
    registry: prod
    event: scan
    scan_status: [FAILED]
    scope:
{scope}
    notify:
      https:
        url: {url}?token=${{env:SEC_TOKEN}}
"""


API_ONLY = "      namespace: team-a\n      repositories: [api]"
TEAMS = "      namespaces: [team-a, team-b]"


def examples() -> list[reach.Reach]:
    loaded = load([str(EXAMPLES)])
    assert loaded.config is not None
    return [reach.from_rule(r) for r in loaded.config.rules]


def test_map_renderers_on_the_examples() -> None:
    reaches = examples()
    check("map_examples.txt", map_text.render(reaches))
    check("map_examples.json", map_json.render(reaches))
    check("map_examples.mmd", map_mermaid.render(reaches))
    markdown = map_markdown.render(reaches)
    check("map_examples.md", markdown)
    html = cmarkgfm.github_flavored_markdown_to_html(markdown)
    assert html.count("<tr>") == len(reaches) + 1
    assert 'lang="mermaid"' in html or "language-mermaid" in html
    assert "access_token" not in markdown + map_json.render(reaches)  # channels never show tokens


def test_mermaid_labels_cannot_break_the_diagram() -> None:
    hostile = reach.Reach("prod", 'x"] --> evil["', "scan", tags="a|b", channel="https://h/`p`")
    text = map_mermaid.render([hostile])
    assert '"x#quot;] --> evil[#quot;: scan"' in text
    assert "a#124;b" in text
    assert "#96;p#96;" in text


def test_map_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    user_workdir(tmp_path, monkeypatch, {"r.yaml": REGISTRIES, "rules.yaml": rules(API_ONLY)}, SECRETS)
    code, out, _ = run_cli(capsys, SECRETS.values(), "map", "config")
    assert code == 0
    assert "team-a/api  [any tag]  scan FAILED  → https://hooks.example.com/scan   (scan-api)" in out
    code, out, _ = run_cli(capsys, SECRETS.values(), "map", "config", "--format", "json")
    (only,) = json.loads(out)["rules"]
    assert (only["where"], only["statuses"], only["channel"]) == (
        ["team-a/api"],
        ["FAILED"],
        "https://hooks.example.com/scan",
    )
    (tmp_path / "config" / "rules.yaml").write_text("version: 1\nrules: [{name: x}]\n")
    code, _, err = run_cli(capsys, (), "map", "config")
    assert code == 1
    assert "the configuration is not valid" in err


def test_reach_changes_in_words() -> None:
    before = reach.Reach("prod", "r", "scan", ("FAILED",), namespaces=("team-a",), channel="https://a/x",
                         kind=reach.ScopeKind.NAMESPACE)  # fmt: skip
    wider = reach.Reach("prod", "r", "scan", ("FAILED",), namespaces=("team-a", "team-b"),
                        channel="https://sec/hook", kind=reach.ScopeKind.NAMESPACE, tags="v.*")  # fmt: skip
    change = reach.change(before, wider, ["team-a/api", "team-b/db", "team-c/x"])
    (words,) = change.words
    assert words == (
        "team-a/*, team-b/*, tags v.*, scan FAILED: now also covers team-b/*; tags .* → v.*; "
        "now notifies https://sec/hook instead of https://a/x"
    )
    assert (change.starts_covering, change.stops_covering) == (("team-b/db",), ())
    assert reach.change(wider, before, ["team-b/db"]).stops_covering == ("team-b/db",)
    assert not reach.change(before, before).changed
    created = reach.change(None, wider)
    assert created.words == ("team-a/*, team-b/*, tags v.*, scan FAILED: notifies https://sec/hook (new)",)


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(clock=ManualClock(start=time.time())) as emulator:
        yield emulator


def test_plan_markdown_names_the_repositories_a_scope_change_adds_and_removes(
    server: EmulatorServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    user_workdir(tmp_path, monkeypatch, {"r.yaml": REGISTRIES, "rules.yaml": rules(API_ONLY)}, SECRETS,
                 alibaba_keys=True)  # fmt: skip
    at = ("--endpoint", server.endpoint)
    code, _, err = run_cli(capsys, SECRETS.values(), "apply", "config", "--auto-approve", *at)
    assert code == 0, err
    events = [
        acr_event(EventType.SCAN, instance_id=INSTANCE, namespace=ns, repository=repo, tag="v1", at=0)
        for ns, repo in (("team-a", "api"), ("team-a", "web"), ("team-b", "db"), ("team-c", "other"))
    ]
    post_events(server.url, INSTANCE, "cn-hangzhou", events)

    (tmp_path / "config" / "rules.yaml").write_text(rules(TEAMS, url="https://security.example.com/hook"))
    code, out, err = run_cli(capsys, SECRETS.values(), "plan", "config", "--format", "markdown", *at)
    assert code == 0, err
    assert "**Reach**" in out
    assert "now also covers team-a/\\*, team-b/\\*" in out
    assert "now notifies https://security.example.com/hook instead of https://hooks.example.com/scan" in out
    assert "Starts covering 2 repositor(ies): `team-a/web`, `team-b/db`." in out
    assert "team-c" not in out
    html = cmarkgfm.github_flavored_markdown_to_html(out)
    assert html.count("flowchart LR") == 1
    assert 'lang="mermaid"' in html or "language-mermaid" in html
    assert SECRETS["SEC_TOKEN"] not in out

    (tmp_path / "config" / "rules.yaml").write_text(
        rules("      namespace: team-b\n      repositories: [db]")
    )
    code, out, _ = run_cli(capsys, SECRETS.values(), "plan", "config", "--format", "markdown", *at)
    assert "Starts covering 1 repositor(ies): `team-b/db`." in out
    assert "Stops covering 1 repositor(ies): `team-a/api`." in out
    assert "Dotted: what the rule reaches now" in out
