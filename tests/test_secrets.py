"""No secret value ever reaches output: a corpus of known secrets, every command, every output format.

The config declares a DingTalk robot (its `access_token` inside the webhook URL, its `SEC…` signing
secret), an HTTPS hook with a token, and a hook whose URL carries a key in its query string — all
from `${env:…}`. The cloud also holds values crnotify never declared: a rule made in the console
with its own token, and an owned rule whose webhook was changed outside crnotify. Every command runs
in every output format the CLI offers (read from the commands themselves, so formats added later are
covered too), with `-vv` debug logs, against the emulator and moto; its failures run too, with the
cloud failing the calls that carry secrets. Then stdout, stderr and every file crnotify wrote are
searched for each value, raw and in every encoding a request or a JSON document would give it.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import click
import pytest
from alibabacloud_eventbridge20200401 import models as eb_models

from conftest import outside_rule
from crnotify.cli import cli, main
from crnotify.emulator.server import EmulatorServer
from crnotify.model import EventType, Notify, NotifyMethod, Rule, SecretText
from crnotify.providers.alibaba.convention import RegistrySpec
from support.cli_run import user_workdir

REPO = Path(__file__).resolve().parent.parent
SECRETS = {
    "DT_TOKEN": "0f1e2d3c4b5a69788796a5b4c3d2e1f0dingtalk",
    "DT_SECRET": "SEC9a8b7c6d5e4f30211203f4e5d6c7b8a9",
    # Quotes, backslashes and non-ASCII: JSON and repr escape them, so logs show them escaped.
    "HOOK_TOKEN": 'hook/Tok+en=4c0"ff\\ee-ünï-4c0ffee',
    "HOOK_KEY": "qkey-77aa88bb99cc",
    "AWS_HOOK_TOKEN": 'aws-"hook"\\t0k3n-é5e5e5e5e',
    "SLACK_PATH": "q8Xv2LmN4pR7sT1wY5zA3bC6",  # a token in a URL path, not its query
}
CONSOLE_TOKEN = "c0n5o1e7o4en0123456789abcdef"  # only in the cloud: a rule made in the console
EDITED_TOKEN = "ed17edf0e1900d5e11a7c0ffee"  # only in the cloud: a webhook changed outside crnotify
CONSOLE_PATH_TOKEN = "Zb3kT9wQ2xV7mN1cL5pR8sD4"  # only in the cloud: a console rule's Slack path token
ALL = [*SECRETS.values(), CONSOLE_TOKEN, EDITED_TOKEN, CONSOLE_PATH_TOKEN]
INSTANCE = "cri-secrets01"
CONFIG = f"""\
version: 1
registries:
  - {{name: prod, provider: alibaba, region: cn-hangzhou, instance_id: {INSTANCE}}}
  - {{name: ecr, provider: aws, region: eu-west-1, account: "123456789012"}}
rules:
  - name: scan-api
    registry: prod
    event: scan
    scope: {{namespace: team-a, repositories: [api]}}
    notify:
      dingtalk:
        webhook: https://oapi.dingtalk.com/robot/send?access_token=${{env:DT_TOKEN}}
        secret: ${{env:DT_SECRET}}
    bus:
      template: {{format: markdown, title: Scan, text: "### ${{RepoName}}:${{Tag}}"}}
  - name: hook
    registry: prod
    event: build
    scope: instance
    notify:
      https: {{url: "https://hooks.example.com/acr", token: "${{env:HOOK_TOKEN}}"}}
  - name: keyed
    registry: prod
    event: synchronization
    scope: {{namespaces: [team-b]}}
    notify:
      https: {{url: "https://hooks.example.com/in?key=${{env:HOOK_KEY}}"}}
  - name: slack
    registry: prod
    event: build
    scope: {{namespaces: [team-s]}}
    notify:
      https: {{url: "https://hooks.slack.com/services/T0AB12CD3/B0EF45GH6/${{env:SLACK_PATH}}"}}
  - name: ecr-slack
    registry: ecr
    event: push
    scope: instance
    notify:
      https: {{url: "https://hooks.slack.com/services/T0AB12CD3/B0EF45GH7/${{env:SLACK_PATH}}"}}
  - name: ecr-scan
    registry: ecr
    event: scan
    scope: instance
    notify:
      https: {{url: "https://hooks.example.com/ecr", token: "${{env:AWS_HOOK_TOKEN}}"}}
"""


def _lower(text: str) -> str:
    return re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), text)


def variants(value: str) -> set[str]:
    """The forms a value takes in a URL, a form body, JSON, a header or a log line."""
    json_forms = {json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]}
    url_forms = {quote(value, safe=""), quote_plus(value), quote(value)}
    return {
        value,
        *url_forms,
        *{_lower(form) for form in url_forms},
        quote(quote(value, safe=""), safe=""),  # a URL inside a URL-encoded parameter
        *json_forms,
        *{quote(form, safe="") for form in json_forms},  # JSON inside a URL-encoded parameter
        *{quote_plus(form) for form in json_forms},
        *{json.dumps(form)[1:-1] for form in json_forms},  # a JSON string inside JSON
        repr(value)[1:-1],
        repr(value.encode())[2:-1],  # bytes, as urllib3 logs bodies
        base64.b64encode(value.encode()).decode(),
    }


FORBIDDEN = {form for value in ALL for form in variants(value)}


def leaks(text: str) -> list[str]:
    return sorted(form for form in FORBIDDEN if form in text)


def formats(command: str) -> list[str]:
    """The --format choices a command offers today."""
    found = cli.get_command(click.Context(cli), command)  # the group loads commands lazily
    assert found is not None, command
    params = {p.name: p for p in found.params}
    option = params.get("fmt")
    return list(option.type.choices) if option is not None and isinstance(option.type, click.Choice) else []


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, aws_env: dict[str, str]) -> Path:
    return user_workdir(tmp_path, monkeypatch, {"rules.yaml": CONFIG}, SECRETS, alibaba_keys=True)


class Corpus:
    """Runs commands and keeps every byte they wrote to stdout and stderr."""

    def __init__(self, capsys: pytest.CaptureFixture[str], endpoint: str) -> None:
        self.capsys, self.endpoint = capsys, endpoint
        self.outputs: list[tuple[str, str]] = []

    def run(self, *argv: str, cloud: bool = True) -> tuple[int, str, str]:
        args = [*argv, "--endpoint", self.endpoint] if cloud else list(argv)
        code = main(args)
        out, err = self.capsys.readouterr()
        self.outputs.append((" ".join(args), out + err))
        assert "Traceback" not in out + err
        return code, out, err

    def run_process(self, *argv: str) -> tuple[int, str]:
        """In a subprocess, so that `-vv` configures logging from scratch as a user's run does."""
        args = [sys.executable, "-m", "crnotify", "-vv", *argv, "--endpoint", self.endpoint]
        env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120, check=False)
        self.outputs.append((" ".join(args[3:]), done.stdout + done.stderr))
        return done.returncode, done.stdout + done.stderr

    def check(self, directory: Path) -> None:
        found = {label: leaks(text) for label, text in self.outputs if leaks(text)}
        for path in sorted(directory.rglob("*")):
            if path.is_file() and path.parent.name not in {"config", ".crnotify"}:
                text = path.read_bytes().decode("utf-8", "replace")
                if leaks(text):
                    found[str(path.relative_to(directory))] = leaks(text)
        assert not found, json.dumps(found, indent=1)


def make_outside_changes(
    server: EmulatorServer, cr_client: Any, eventbridge_client: Any, create: Any
) -> None:
    create(cr_client, INSTANCE, outside_rule(token=CONSOLE_TOKEN))
    slack = SecretText(template="https://hooks.slack.com/services/T9ZZ/B9YY/${env:X}")
    notify = Notify(method=NotifyMethod.HTTPS, url=slack.resolve({"X": CONSOLE_PATH_TOKEN}))
    rule = Rule(name="console-slack", registry="prod", event_type=EventType.SCAN, notify=notify)
    create(cr_client, INSTANCE, RegistrySpec.of(rule).to_params())
    got = eventbridge_client.get_rule(
        eb_models.GetRuleRequest(event_bus_name="default", rule_name="scan-api")
    )
    target = got.body.data.targets[0]
    endpoint = f"https://oapi.dingtalk.com/robot/send?access_token={EDITED_TOKEN}"
    params = [
        eb_models.PutTargetsRequestTargetsParamList(
            resource_key=p.resource_key,
            form=p.form,
            value=endpoint if p.resource_key == "URL" else p.value,
            template=p.template,
        )
        for p in target.param_list
    ]
    eventbridge_client.put_targets(
        eb_models.PutTargetsRequest(
            event_bus_name="default",
            rule_name="scan-api",
            targets=[
                eb_models.PutTargetsRequestTargets(
                    id=target.id,
                    type=target.type,
                    endpoint=endpoint,
                    push_retry_strategy=target.push_retry_strategy,
                    param_list=params,
                )
            ],
        )
    )


def scenario(corpus: Corpus, workdir: Path, emulator: EmulatorServer, outside: Any, *, logs: bool) -> None:
    """Every command and format on a fresh cloud, after outside changes, and failing. With `logs`,
    the commands that talk to the cloud also run as `crnotify -vv …` in their own process."""

    def debug(*argv: str) -> tuple[int, str]:
        return corpus.run_process(*argv) if logs else (0, "")

    for fmt in formats("validate"):
        assert corpus.run("validate", "config", "--format", fmt, cloud=False)[0] == 0
    event = str(REPO / "examples" / "events" / "scan-api-release.json")
    for fmt in formats("test"):
        corpus.run("test", "config", "--events", event, "--format", fmt, cloud=False)
    for fmt in formats("plan"):
        assert "sensitive" in corpus.run("plan", "config", "--format", fmt)[1]  # shown, masked
    assert corpus.run("plan", "config", "--out", "plan-before.json")[0] == 0
    debug("plan", "config")
    code, out, err = corpus.run("apply", "config", "--auto-approve")
    assert code == 0, out + err

    outside()
    for fmt in formats("plan"):
        code, out, _ = corpus.run("--debug", "plan", "config", "--format", fmt)
        assert code == 0
    assert "scan-api" in out
    for fmt in formats("drift"):
        assert corpus.run("drift", "config", "--format", fmt)[0] == 2
    assert corpus.run("plan", "config", "--out", "plan.json")[0] == 0
    assert corpus.run("apply", "--plan", "plan.json")[0] == 1  # refused: it discards the edited webhook
    corpus.run("import", "config", "--registry", "prod")
    corpus.run("import", "config", "--registry", "ecr")
    corpus.run("import", "config", "--registry", "prod", "--out", "imported.yaml")
    imported = (workdir / "imported.yaml").read_text()
    assert "CONSOLE_MADE" in imported
    # A token in a URL path becomes a placeholder, like a query value (issue 13 item 5).
    assert "https://hooks.slack.com/services/T9ZZ/B9YY/${env:CONSOLE_SLACK_URL_PATH_1}" in imported
    assert "/B0EF45GH6/${env:SLACK_PATH}" in imported  # the name the configuration already uses
    debug("plan", "config")
    debug("drift", "config")
    debug("import", "config", "--registry", "prod")
    code, out, err = corpus.run("apply", "config", "--auto-approve", "--overwrite-bus-edits")
    assert code == 0, out + err
    corpus.run("import", "config", "--registry", "prod", "--adopt", "--all", "--out", "adopted.yaml")

    # The cloud quoting the parameters of a call it rejects, secrets included (the emulator's `reject`):
    # a registry save (its EventConfig holds the URL and the token), then PutTargets (scan-api's
    # template changes: the DingTalk URL and signing secret go with it).
    rejected = CONFIG.replace("team-b", "team-r").replace("/acr", "/rejected")
    (workdir / "config" / "rules.yaml").write_text(rejected)
    emulator.inject("UpdateEventCenterRule", "reject")
    code, out, err = corpus.run("apply", "config", "--auto-approve")
    assert (code, "InvalidParameter: a parameter is invalid" in out) == (1, True)
    (workdir / "config" / "rules.yaml").write_text(rejected.replace("title: Scan,", "title: Scanned,"))
    emulator.inject("PutTargets", "reject")
    code, out, err = corpus.run("apply", "config", "--auto-approve")
    assert (code, "InvalidParameter: a parameter is invalid" in out) == (1, True)

    # Failures of the very calls that carry secrets (the registry save, PutTargets): their messages.
    os.environ["CRNOTIFY_MAX_ATTEMPTS"] = "1"
    try:
        changed = CONFIG.replace("team-b", "team-c").replace("/acr", "/v2").replace("/ecr", "/ecr2")
        (workdir / "config" / "rules.yaml").write_text(changed)
        emulator.inject("UpdateEventCenterRule", "unavailable")
        emulator.inject("PutTargets", "throttle")
        code, out, err = corpus.run("--debug", "apply", "config", "--auto-approve")
        assert code == 1
        assert "failed" in out
        if logs:
            emulator.inject("UpdateEventCenterRule", "drop_before", times=2)
            code, output = corpus.run_process("apply", "config", "--auto-approve")
            assert code == 1
            assert "UpdateEventCenterRule" in output
    finally:
        del os.environ["CRNOTIFY_MAX_ATTEMPTS"]
    assert (
        debug("apply", "config", "--auto-approve")
        if logs
        else corpus.run("apply", "config", "--auto-approve")
    )[0] == 0

    # doctor (issue 14 item 6): every format, with a probe, and the report it writes; the account id
    # stays masked unless asked for.
    for fmt in formats("doctor"):
        corpus.run("doctor", "config", "--format", fmt, "--probe", "team-a", "--out", f"doctor-{fmt}.json")
        assert emulator.account_id not in corpus.outputs[-1][1]
        assert emulator.account_id not in (workdir / f"doctor-{fmt}.json").read_text()
    debug("doctor", "config", "--probe", "team-a")
    corpus.check(workdir)


@pytest.mark.slow
@pytest.mark.parametrize(
    "logs",
    [
        pytest.param(False, id="outputs"),
        # `-vv` logs carry the SDKs' request URLs and parameters; the CLI's log handler masks them.
        pytest.param(True, id="debug-logs"),
    ],
)
def test_no_command_format_or_debug_log_shows_a_secret(
    logs: bool,
    workdir: Path,
    emulator: EmulatorServer,
    capsys: pytest.CaptureFixture[str],
    cr_client: Any,
    eventbridge_client: Any,
    create_event_center_rule: Any,
) -> None:
    def outside() -> None:
        make_outside_changes(emulator, cr_client, eventbridge_client, create_event_center_rule)

    scenario(Corpus(capsys, emulator.endpoint), workdir, emulator, outside, logs=logs)
