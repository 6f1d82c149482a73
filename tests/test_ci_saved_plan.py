"""Issue 16 item 4: in the CI recipes the reviewed plan is the applied plan. The recipes' own shell runs
in bash against the emulator over HTTP: the pull/merge request job's plan saves plan.json, the
main-branch job applies that saved plan (GitLab: fetched from a local HTTP server standing in for the
GitLab API; GitHub: the artifact handed over as upload/download would), a stale plan stops the apply
with its reasons and writes nothing, the plan note is edited in place rather than appended, and a
fork's job plans against the embedded cloud without any secret."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from alibabacloud_eventbridge20200401 import models as eb_models

from crnotify.emulator.server import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, EmulatorServer
from crnotify.providers.alibaba.limits import is_internal
from crnotify.render.plan_markdown import MARKER
from support.cli_parse import crnotify_commands

pytestmark = pytest.mark.slow  # each job is a few crnotify processes

REPO = Path(__file__).resolve().parent.parent
GITHUB = yaml.safe_load((REPO / "examples" / "ci" / "github-actions.yml").read_text())
GITLAB = yaml.safe_load((REPO / "examples" / "ci" / "gitlab-ci.yml").read_text())
HOOK_TOKEN = "hook-secret-value-recipes-1"
RULE = """\
  - name: {name}
    registry: prod
    event: build
    scope: instance
    notify: {{https: {{url: "https://hooks.example.com/{name}", token: "${{env:DEPLOY_HOOK_TOKEN}}"}}}}
"""


def config(*names: str) -> str:
    registry = "{name: prod, provider: alibaba, region: cn-hangzhou, instance_id: cri-recipe01}"
    head = f"version: 1\nregistries:\n  - {registry}\n"
    return head + "rules:\n" + "".join(RULE.format(name=n) for n in names)


def checkout(root: Path, name: str, *rules: str) -> Path:
    """A runner's checkout: notifications/rules.yaml, and `crnotify` on PATH running this worktree."""
    where = root / name
    (where / "notifications").mkdir(parents=True)
    (where / "notifications" / "rules.yaml").write_text(config(*rules))
    return where


def bin_dir(root: Path) -> Path:
    path = root / "bin"
    if not path.exists():
        path.mkdir()
        (path / "crnotify").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m crnotify "$@"\n')
        (path / "crnotify").chmod(0o755)
    return path


def bash(script: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("CRNOTIFY_", "ALIBABA_CLOUD_", "AWS_"))},
        "PATH": f"{bin_dir(cwd.parent)}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(REPO / "src"),
        "NO_COLOR": "1",
        "CONFIG": "notifications/",
        **env,
    }
    result = subprocess.run(
        ["bash", "-eo", "pipefail", "-c", script],
        cwd=cwd,
        env=full,
        capture_output=True,
        text=True,
        check=False,
    )
    assert HOOK_TOKEN not in result.stdout + result.stderr
    return result


def cloud(emulator: EmulatorServer) -> dict[str, str]:
    """The variables of a job whose credentials reach the emulator (the recipes' OIDC steps stand-in)."""
    return {
        "CRNOTIFY_ENDPOINT": emulator.endpoint,
        "ALIBABA_CLOUD_ACCESS_KEY_ID": DEFAULT_ACCESS_KEY_ID,
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": DEFAULT_ACCESS_KEY_SECRET,
        "DEPLOY_HOOK_TOKEN": HOOK_TOKEN,
    }


def live_rules(emulator: EmulatorServer, eventbridge_client: Any) -> set[str]:
    listed = eventbridge_client.list_rules(eb_models.ListRulesRequest(event_bus_name="default", limit=100))
    # Not the apply lock's lease nor the ownership record (docs/plan-apply.md): no notification rules.
    return {r.rule_name for r in listed.body.data.rules or [] if not is_internal(r.rule_name)}


def disable(eventbridge_client: Any, name: str) -> None:
    """Someone edits the rule in the console between the review and the merge."""
    eventbridge_client.disable_rule(eb_models.DisableRuleRequest(event_bus_name="default", rule_name=name))


# --- GitLab: the jobs' scripts, against a stand-in for the GitLab API --------------------------------


@dataclass
class GitLab:
    """The part of the GitLab REST API the recipe calls (https://docs.gitlab.com/api/notes/,
    /api/merge_requests/, /api/jobs/, /api/job_artifacts/): merge request !7 of project 42, merged as
    commit `merged-sha`, whose newest pipeline's plan job (allowed failure: exit 2) holds `artifact`."""

    artifact: Path
    notes: dict[int, str] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)

    def answer(self, method: str, path: str, body: bytes) -> tuple[int, bytes]:
        self.requests.append((method, path))
        project = "/api/v4/projects/42"
        route = path.split("?", maxsplit=1)[0].removeprefix(project)
        notes = "/merge_requests/7/notes"
        if method == "GET" and route == notes:
            listed = [{"id": i, "body": b} for i, b in sorted(self.notes.items(), reverse=True)]
            return 200, json.dumps(listed).encode()
        if method == "POST" and route == notes:
            self.notes[len(self.notes) + 1] = json.loads(body)["body"]
            return 201, b"{}"
        if method == "PUT" and route.startswith(notes + "/"):
            self.notes[int(route.rsplit("/", 1)[1])] = json.loads(body)["body"]
            return 200, b"{}"
        if method == "GET" and re.fullmatch(r"/repository/commits/[\w-]+/merge_requests", route):
            merged = [{"iid": 7, "state": "merged"}] if "/merged-sha/" in route else []
            return 200, json.dumps(merged).encode()
        if method == "GET" and route == "/merge_requests/7/pipelines":
            return 200, json.dumps([{"id": 100}, {"id": 99}]).encode()
        if method == "GET" and route == "/pipelines/100/jobs":
            return 200, json.dumps([{"id": 555, "name": "plan", "status": "failed"}]).encode()
        if method == "GET" and route == "/jobs/555/artifacts/plan.json":
            return 200, self.artifact.read_bytes()
        return 404, b'{"message": "404 Not Found"}'


@pytest.fixture
def gitlab(tmp_path: Path) -> Iterator[tuple[str, GitLab]]:
    api = GitLab(artifact=tmp_path / "mr" / "plan.json")

    class Handler(BaseHTTPRequestHandler):
        def _any(self) -> None:
            assert self.headers["PRIVATE-TOKEN"] == "glpat-crnotify-token"
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, answer = api.answer(self.command, self.path, body)
            self.send_response(status)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        do_GET = do_POST = do_PUT = _any

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/v4", api
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def gitlab_job(name: str) -> str:
    return "\n".join(GITLAB[name]["script"])


def gitlab_env(url: str) -> dict[str, str]:
    return {
        "CI_API_V4_URL": url,
        "CI_PROJECT_ID": "42",
        "CI_MERGE_REQUEST_IID": "7",
        "CI_COMMIT_SHA": "merged-sha",
        "CRNOTIFY_GITLAB_TOKEN": "glpat-crnotify-token",
    }


def test_gitlab_applies_the_plan_reviewed_on_the_merge_request(
    tmp_path: Path, gitlab: tuple[str, GitLab], emulator: EmulatorServer, eventbridge_client: Any
) -> None:
    url, api = gitlab
    env = {**cloud(emulator), **gitlab_env(url)}
    mr = checkout(tmp_path, "mr", "builds")
    result = bash(gitlab_job("plan"), mr, **env)
    assert result.returncode == 2, result.stderr  # changes: the job's allow_failure exit code
    assert "### crnotify plan: 1 to create" in result.stdout
    (note,) = api.notes.values()
    assert note.startswith(MARKER)
    # A second push: the same note is edited, not a second one appended.
    (mr / "notifications" / "rules.yaml").write_text(config("builds", "deploys"))
    assert bash(gitlab_job("plan"), mr, **env).returncode == 2
    assert list(api.notes) == [1]
    assert "2 to create" in api.notes[1]
    assert ("PUT", "/api/v4/projects/42/merge_requests/7/notes/1") in api.requests
    assert live_rules(emulator, eventbridge_client) == set()  # planning wrote nothing

    main = checkout(tmp_path, "main", "builds", "deploys")  # the merge, checked out elsewhere
    result = bash(gitlab_job("apply"), main, **env)
    assert result.returncode == 0, result.stderr
    assert "applying the plan reviewed on !7 (job 555)" in result.stdout
    assert (main / "plan.json").read_bytes() == (mr / "plan.json").read_bytes()
    applied = json.loads((main / "apply.json").read_text())
    assert applied["converged"] is True
    assert [s["rule"] for s in applied["steps"]] == ["builds", "builds", "deploys", "deploys"]
    assert re.search(r"^\[1\] \+ prod/builds: create the registry rule: applied$", result.stderr, re.M)
    assert live_rules(emulator, eventbridge_client) == {"builds", "deploys"}


def test_gitlab_stops_on_a_stale_plan_naming_what_changed(
    tmp_path: Path, gitlab: tuple[str, GitLab], emulator: EmulatorServer, eventbridge_client: Any
) -> None:
    url, _ = gitlab
    env = {**cloud(emulator), **gitlab_env(url)}
    mr = checkout(tmp_path, "mr", "builds")
    assert bash(gitlab_job("plan"), mr, **env).returncode == 2
    assert bash(gitlab_job("apply"), checkout(tmp_path, "first", "builds"), **env).returncode == 0
    (mr / "notifications" / "rules.yaml").write_text(config("builds", "deploys"))
    assert bash(gitlab_job("plan"), mr, **env).returncode == 2
    disable(eventbridge_client, "builds")  # after the review, before the merge
    result = bash(gitlab_job("apply"), checkout(tmp_path, "main", "builds", "deploys"), **env)
    assert result.returncode == 1
    assert (
        "is stale; changed since it was made:\n  prod/builds: its EventBridge rule changed" in result.stderr
    )
    assert "deploys" not in live_rules(emulator, eventbridge_client)  # nothing written
    # Another merge came first: the configuration on main is not the one planned.
    result = bash(gitlab_job("apply"), checkout(tmp_path, "later", "builds", "deploys", "audit"), **env)
    assert result.returncode == 1
    assert "the configuration (or a secret it references) changed since plan.json was made" in result.stderr


def test_gitlab_apply_without_a_merge_request_applies_nothing(
    tmp_path: Path, gitlab: tuple[str, GitLab], emulator: EmulatorServer
) -> None:
    url, _ = gitlab
    env = {**cloud(emulator), **gitlab_env(url), "CI_COMMIT_SHA": "pushed-directly"}
    result = bash(gitlab_job("apply"), checkout(tmp_path, "main", "builds"), **env)
    assert result.returncode == 1
    assert (
        "pushed-directly was not merged from a merge request: there is no reviewed plan to apply"
        in result.stderr
    )


def test_gitlab_fork_plans_against_the_embedded_cloud_without_secrets(tmp_path: Path) -> None:
    fork = checkout(tmp_path, "fork", "builds")
    # No cloud credentials: only the install.
    assert GITLAB["plan-fork"]["before_script"] == ['pip install -q "$CRNOTIFY_SOURCE"']
    result = bash(gitlab_job("plan-fork"), fork)  # no DEPLOY_HOOK_TOKEN, no credentials, no endpoint
    assert result.returncode == 2, result.stderr
    assert "### crnotify plan: 1 to create" in result.stdout
    assert [c[:1] for line in GITLAB["plan-fork"]["script"] for c in crnotify_commands(line)] == [["plan"]]


# --- GitHub Actions: the steps' scripts (the artifact and comment steps are GitHub's own) ----------


def github_step(job: str, name: str) -> str:
    (step,) = [s for s in GITHUB["jobs"][job]["steps"] if s.get("name") == name]
    return str(step["run"])


def github_env(tmp_path: Path) -> dict[str, str]:
    return {"GITHUB_OUTPUT": str(tmp_path / "output"), "GITHUB_STEP_SUMMARY": str(tmp_path / "summary")}


def test_github_applies_the_plan_reviewed_on_the_pull_request(
    tmp_path: Path, emulator: EmulatorServer, eventbridge_client: Any
) -> None:
    env = {**cloud(emulator), **github_env(tmp_path)}
    pr = checkout(tmp_path, "pr", "builds")
    assert bash(github_step("plan", "Plan"), pr, **env).returncode == 0
    assert (tmp_path / "output").read_text() == "exitcode=2\n"
    assert (tmp_path / "summary").read_text().startswith(MARKER)
    upload = next(
        s for s in GITHUB["jobs"]["plan"]["steps"] if s.get("uses", "").startswith("actions/upload")
    )
    assert upload["with"]["path"] == "plan.json"
    assert upload["with"]["name"] == "crnotify-plan-${{ github.event.pull_request.number }}"
    fetch = github_step("apply", "The plan reviewed on the merged pull request")
    assert 'gh run download "$run" --name "crnotify-plan-$pr"' in fetch

    main = checkout(tmp_path, "main", "builds")
    shutil.copy(pr / "plan.json", main / "plan.json")  # upload-artifact, then gh run download
    result = bash(github_step("apply", "Apply the reviewed plan"), main, **env)
    assert result.returncode == 0, result.stderr
    assert json.loads((main / "apply.json").read_text())["converged"] is True
    assert "[2] ↻ prod/builds: re-apply the bus customisations: applied" in (tmp_path / "summary").read_text()
    assert live_rules(emulator, eventbridge_client) == {"builds"}

    # Reviewed, then the rule is edited in the console before the merge: the apply stops, says why.
    (pr / "notifications" / "rules.yaml").write_text(config("builds", "deploys"))
    assert bash(github_step("plan", "Plan"), pr, **env).returncode == 0
    disable(eventbridge_client, "builds")
    (main / "notifications" / "rules.yaml").write_text(config("builds", "deploys"))
    shutil.copy(pr / "plan.json", main / "plan.json")
    result = bash(github_step("apply", "Apply the reviewed plan"), main, **env)
    assert result.returncode == 1
    assert "prod/builds: its EventBridge rule changed" in result.stderr
    assert "is stale" in (tmp_path / "summary").read_text()
    assert "deploys" not in live_rules(emulator, eventbridge_client)


def test_github_comment_is_found_by_the_renderers_marker_and_edited() -> None:
    comment = github_step("plan", "Comment the plan (one comment per pull request, updated on each push)")
    assert f'startswith("{MARKER}")' in comment
    assert 'gh api --method PATCH "repos/$GITHUB_REPOSITORY/issues/comments/$id"' in comment


def test_github_fork_plans_against_the_embedded_cloud_without_secrets(tmp_path: Path) -> None:
    job = GITHUB["jobs"]["plan-fork"]
    assert "!= github.repository" in job["if"]
    assert job["permissions"] == {"contents": "read"}
    assert not any("credentials" in s.get("uses", "") for s in job["steps"])
    fork = checkout(tmp_path, "fork", "builds")
    env = {**github_env(tmp_path), "DEPLOY_HOOK_TOKEN": ""}  # what a fork's run gets for a secret
    result = bash(github_step("plan-fork", "Plan against the embedded cloud (--local)"), fork, **env)
    assert result.returncode == 0, result.stderr
    assert "### crnotify plan: 1 to create" in (tmp_path / "summary").read_text()
