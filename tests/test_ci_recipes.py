"""The CI recipes (examples/ci/*.yml), the pre-commit hook and the docs cannot drift from the CLI: every
`crnotify …` command line in them parses with the real click CLI, the recipes use the flags CI needs,
and the GitLab plan job's script runs in bash against the local cloud and posts its note to a local
HTTP receiver standing in for the GitLab API."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import click
import pytest
import yaml

from support.cli_parse import crnotify_commands, parse

REPO = Path(__file__).resolve().parent.parent
GITHUB = REPO / "examples" / "ci" / "github-actions.yml"
GITLAB = REPO / "examples" / "ci" / "gitlab-ci.yml"
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def _scripts(node: Any) -> Iterator[str]:
    """Every shell script in a workflow: GitHub `run:` values, GitLab `script`-like lists."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "run" and isinstance(value, str):
                yield value
            elif key in {"script", "before_script", "after_script"} and isinstance(value, list):
                yield from (line for line in value if isinstance(line, str))
            else:
                yield from _scripts(value)
    elif isinstance(node, list):
        for item in node:
            yield from _scripts(item)


def recipe_commands(path: Path) -> list[list[str]]:
    return [cmd for script in _scripts(yaml.safe_load(path.read_text())) for cmd in crnotify_commands(script)]


@pytest.mark.parametrize("path", [GITHUB, GITLAB], ids=lambda p: p.name)
def test_every_command_in_the_recipes_parses(path: Path) -> None:
    commands = recipe_commands(path)
    assert len(commands) >= 5
    for args in commands:
        parse(args)  # raises click.UsageError (unknown option, bad choice, missing argument) on drift


@pytest.mark.parametrize("path", [GITHUB, GITLAB], ids=lambda p: p.name)
def test_the_recipes_do_what_the_issue_asks(path: Path) -> None:
    used = {
        (ctx.info_name, tuple(sorted(ctx.params.items(), key=str)))
        for ctx in map(parse, recipe_commands(path))
    }
    flags = {(name, key, value) for name, params in used for key, value in params}
    assert ("validate", "fmt", "sarif") in flags
    assert ("plan", "fmt", "markdown") in flags
    assert ("plan", "detailed_exitcode", True) in flags
    assert any(name == "plan" and key == "out" and value for name, key, value in flags)
    assert ("apply", "auto_approve", True) in flags
    assert ("drift", "fmt", "markdown") in flags
    assert any(name == "test" and key == "events_path" and value for name, key, value in flags)
    if path == GITHUB:
        assert ("validate", "fmt", "github") in flags


def test_recipes_use_short_lived_credentials_only() -> None:
    for path in (GITHUB, GITLAB):
        text = path.read_text()
        assert "ACCESS_KEY_SECRET" not in text
        assert "aws-secret-access-key" not in text
    github = yaml.safe_load(GITHUB.read_text())
    assert github["permissions"]["id-token"] == "write"
    assert yaml.safe_load(GITLAB.read_text())["default"]["id_tokens"]


def test_the_pre_commit_entry_parses() -> None:
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    args = shlex.split(hook["entry"])
    assert args[0] == "crnotify"
    assert parse([*args[1:], "notifications/"]).info_name == "validate"


def _doc_commands() -> Iterator[tuple[str, list[str]]]:
    for path in DOCS:
        for kind, block in re.findall(
            r"```(sh|bash|console|shell)\n(.*?)```", path.read_text(), flags=re.DOTALL
        ):
            for line in block.splitlines():
                if kind == "console" and not line.startswith("$ "):
                    continue  # console blocks show output too; only `$ ` lines are commands
                for args in crnotify_commands(line.removeprefix("$ ")):
                    yield f"{path.name}: {line}", args


def test_every_command_in_the_docs_parses() -> None:
    seen = 0
    for where, args in _doc_commands():
        try:
            parse(args)
        except click.UsageError as exc:
            pytest.fail(f"{where}: {exc}")
        seen += 1
    assert seen >= 10


# --- the GitLab plan job, run --------------------------------------------------------------------

CONFIG = """\
version: 1
registries:
  - {name: prod, provider: alibaba, region: cn-hangzhou, instance_id: cri-recipe01}
rules:
  - name: builds
    registry: prod
    event: build
    scope: instance
    notify: {https: {url: "https://hooks.example.com/acr", token: "${env:DEPLOY_HOOK_TOKEN}"}}
"""


class _Notes(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str, dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(201)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def gitlab_api() -> Iterator[tuple[str, list[tuple[str, dict[str, str], bytes]]]]:
    received: ClassVar[list[tuple[str, dict[str, str], bytes]]] = []
    handler = type("Notes", (_Notes,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/v4", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_gitlab_plan_job_script_runs_and_posts_the_note(
    tmp_path: Path, gitlab_api: tuple[str, list[tuple[str, dict[str, str], bytes]]]
) -> None:
    url, received = gitlab_api
    (tmp_path / "notifications").mkdir()
    (tmp_path / "notifications" / "rules.yaml").write_text(CONFIG)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "crnotify").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m crnotify "$@"\n')
    (bin_dir / "crnotify").chmod(0o755)
    script = "\n".join(yaml.safe_load(GITLAB.read_text())["plan"]["script"])
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(REPO / "src"),
        "CONFIG": "notifications/",
        "CRNOTIFY_LOCAL": "1",
        "DEPLOY_HOOK_TOKEN": "hook-secret-value-1",
        "CRNOTIFY_NOTE_TOKEN": "glpat-note-token",
        "CI_API_V4_URL": url,
        "CI_PROJECT_ID": "42",
        "CI_MERGE_REQUEST_IID": "7",
    }
    result = subprocess.run(
        ["bash", "-eo", "pipefail", "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2, result.stderr  # changes: the job's allow_failure exit code
    assert "### crnotify plan: 1 to create" in result.stdout
    ((path, headers, body),) = received
    assert path == "/api/v4/projects/42/merge_requests/7/notes"
    assert headers["private-token"] == "glpat-note-token"
    note = json.loads(body)["body"]
    assert note.startswith("<!-- crnotify:plan -->")
    assert "hook-secret-value-1" not in note
    assert (tmp_path / "plan.json").exists()
