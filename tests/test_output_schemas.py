"""Issue 15 item 9: one JSON convention for every `--format json`. Each command runs end to end (the CLI
in-process, against the emulator over HTTP where it talks to a cloud) and its output is validated
against its schema in schemas/output/ with `jsonschema`; every command that offers `--format json`
has a schema, and each document opens with `"format": "crnotify/<command>"` and an integer
`format_version` equal to its schema's."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from alibabacloud_eventbridge20200401 import models as eb_models
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from crnotify.cli import cli
from crnotify.emulator.server import EmulatorServer
from crnotify.model import EventType
from support.cli_run import run_cli, user_workdir

REPO = Path(__file__).resolve().parent.parent
SCHEMAS = REPO / "schemas" / "output"
SECRETS = {"HOOK_TOKEN": "hook-token-schemas-0123", "DT_TOKEN": "dt-token-schemas-0123"}
EXAMPLE_SECRETS = {
    "DINGTALK_RELEASE_TOKEN": "tok-visible-only-to-dingtalk",
    "DINGTALK_RELEASE_SECRET": "SECnever-print-me",
    "AUDIT_HOOK_TOKEN": "audit-secret-value",
    "ECR_HOOK_TOKEN": "ecr-hook-secret",
    "DINGTALK_ECR_TOKEN": "ecr-dingtalk-secret",
    "DEPLOY_HOOK_TOKEN": "deploy-hook-secret",
}
CONFIG = """\
version: 1
registries:
  - {name: prod, provider: alibaba, region: cn-hangzhou, instance_id: cri-schemas01}
  - {name: ecr, provider: aws, region: us-east-1, account: "123456789012"}
rules:
  - name: hook
    registry: prod
    event: build
    scope: {namespaces: [team-a]}
    notify: {https: {url: "https://hooks.example.com/acr", token: "${env:HOOK_TOKEN}"}}
  - name: scans
    registry: prod
    event: scan
    scope: instance
    notify:
      dingtalk: {webhook: "https://oapi.dingtalk.com/robot/send?access_token=${env:DT_TOKEN}"}
    bus: {description: Scans}
"""


def schemas() -> dict[str, dict[str, Any]]:
    return {
        p.name.removesuffix(".schema.json"): json.loads(p.read_text()) for p in sorted(SCHEMAS.glob("*.json"))
    }


REGISTRY = Registry().with_resources(  # apply's schema refers to plan's by its $id
    (schema["$id"], Resource.from_contents(schema)) for schema in schemas().values()
)


def check(command: str, out: str) -> dict[str, Any]:
    """`out` is one JSON document that its command's schema accepts, under the convention."""
    document = json.loads(out)
    schema = schemas()[command]
    errors = sorted(Draft202012Validator(schema, registry=REGISTRY).iter_errors(document), key=str)
    assert not errors, f"{command}: " + "; ".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)
    assert document["format"] == f"crnotify/{command}"
    assert isinstance(document["format_version"], int)
    assert document["format_version"] == schema["properties"]["format_version"]["const"]
    assert schema["$id"] == f"urn:crnotify:schema:output:{command}:{document['format_version']}"
    return document


def json_commands(group: click.Group = cli, prefix: str = "") -> Iterator[str]:
    ctx = click.Context(group)
    for name in group.list_commands(ctx):  # lazily loaded: ask, do not read `.commands`
        command = group.get_command(ctx, name)
        assert command is not None
        if isinstance(command, click.Group):
            yield from json_commands(command, f"{prefix}{name} ")
            continue
        for param in command.params:
            if param.name == "fmt" and isinstance(param.type, click.Choice) and "json" in param.type.choices:
                yield f"{prefix}{name}"


def test_every_json_output_has_a_schema_and_every_schema_a_command() -> None:
    commands = set(json_commands())
    assert {"validate", "plan", "apply", "drift", "test", "trace", "match"} <= commands
    assert commands == set(schemas()), "a --format json without a schema in schemas/output/, or the reverse"
    for schema in schemas().values():
        Draft202012Validator.check_schema(schema)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return user_workdir(tmp_path, monkeypatch, {"rules.yaml": CONFIG}, SECRETS, alibaba_keys=True)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    return run_cli(capsys, [*SECRETS.values(), *EXAMPLE_SECRETS.values()], *argv)


def test_the_cloud_commands_outputs_follow_their_schemas(
    workdir: Path,
    emulator: EmulatorServer,
    capsys: Any,
    eventbridge_client: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    at = ("--endpoint", emulator.endpoint)
    code, out, _ = run(capsys, "validate", "config", "--format", "json")
    assert code == 0
    assert check("validate", out)["valid"] is True
    code, out, _ = run(capsys, "validate", "config", "missing.yaml", "--format", "json")
    assert code == 1
    assert check("validate", out)["valid"] is False

    code, out, _ = run(capsys, "plan", "config", "--format", "json", *at)
    assert code == 0
    document = check("plan", out)
    assert document["summary"]["create"] == 2
    assert document["skipped_registries"] == ["ecr"]  # aws, and no AWS_ENDPOINT_URL

    code, out, _ = run(capsys, "drift", "config", "--format", "json", *at)
    assert code == 2
    assert {d["kind"] for d in check("drift", out)["drift"]} == {"missing"}

    code, out, _ = run(capsys, "apply", "config", "--auto-approve", "--format", "json", *at)
    assert code == 0
    document = check("apply", out)
    assert document["converged"] is True
    assert [s["sequence"] for s in document["steps"]] == list(range(1, len(document["steps"]) + 1))

    monkeypatch.setenv("CRNOTIFY_MAX_ATTEMPTS", "1")
    (workdir / "config" / "rules.yaml").write_text(
        CONFIG.replace("namespaces: [team-a]", "namespaces: [team-b]")
    )
    emulator.inject("UpdateEventCenterRule", "reject")
    code, out, _ = run(capsys, "apply", "config", "--auto-approve", "--format", "json", *at)
    assert code == 1
    assert [s["outcome"] for s in check("apply", out)["steps"]] == ["failed", "skipped"]

    code, out, _ = run(capsys, "drift", "config", "--format", "json", *at)
    assert code == 2
    assert "registry_changed" in {d["kind"] for d in check("drift", out)["drift"]}

    event = eb_models.PutEventsRequestEventList(
        id="evt-schemas-1", source="acs.cr", type=EventType.SCAN.value
    )
    eventbridge_client.put_events(eb_models.PutEventsRequest(event_bus_name="default", event_list=[event]))
    code, out, _ = run(capsys, "trace", "evt-schemas-1", "config", "--format", "json", *at)
    assert code == 0
    assert check("trace", out)["regions"]["cn-hangzhou"]

    code, out, _ = run(capsys, "health", "config", "--format", "json", *at)
    assert code in (0, 2)  # 2: a rule failing or silent
    assert {r["rule"] for r in check("health", out)["rules"]} == {"hook", "scans"}

    code, out, _ = run(capsys, "doctor", "config", "--format", "json", *at)
    assert code in (0, 1)  # 1: a check found a problem, e.g. an action the emulator denies
    assert [r["registry"] for r in check("doctor", out)["registries"]] == ["prod"]


def test_the_offline_commands_outputs_follow_their_schemas(
    capsys: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(REPO)
    for name, value in EXAMPLE_SECRETS.items():
        monkeypatch.setenv(name, value)
    code, out, _ = run(capsys, "test", "examples/", "--events", "examples/events/", "--format", "json")
    assert code == 0
    assert check("test", out)["summary"]["expectations_failed"] == 0
    code, out, _ = run(capsys, "validate", "examples/", "--format", "json")
    assert code == 0
    assert check("validate", out)["rules"]
    pattern = '{"source": ["acs.cr"], "data": {"Tag": [{"prefix": "release-"}]}}'
    code, out, _ = run(
        capsys, "match", pattern, '{"source": "acs.cr", "data": {"Tag": "v1.2"}}', "--format", "json"
    )
    assert code == 0
    assert check("match", out)["matched"] is False
    code, out, _ = run(capsys, "map", "examples/", "--format", "json")
    assert code == 0
    assert check("map", out)["rules"]
    history = tmp_path / "history.jsonl"
    events = sorted((REPO / "examples" / "events").glob("*.json"))
    history.write_text("".join(json.dumps(json.loads(p.read_text())) + "\n" for p in events))
    code, out, _ = run(capsys, "replay", "examples/", "--history", str(history), "--format", "json")
    assert code == 0
    assert check("replay", out)["events"] == len(events)


def test_a_saved_plan_from_before_the_convention_still_applies(
    workdir: Path, emulator: EmulatorServer, capsys: Any
) -> None:
    """A saved plan file has its own format (`planfile.FORMAT_VERSION`); the plan document it carries
    for people is never read back, so a file saved with the old `"format_version": "1.0"` inside
    still applies."""
    at = ("--endpoint", emulator.endpoint)
    code, _, err = run(capsys, "plan", "config", "--out", "plan.json", *at)
    assert code == 0, err
    saved = json.loads((workdir / "plan.json").read_text())
    assert saved["format_version"] == 2
    assert saved["plan"]["format"] == "crnotify/plan"
    del saved["plan"]["format"]
    saved["plan"]["format_version"] = "1.0"
    (workdir / "plan.json").write_text(json.dumps(saved))
    code, out, err = run(capsys, "apply", "--plan", "plan.json", "--format", "json", *at)
    assert code == 0, err
    assert check("apply", out)["converged"] is True


def test_the_schemas_refuse_the_old_headers() -> None:
    """The check above can fail: a plan in the form before the convention is refused by its schema."""
    old = {"format_version": "1.0", "summary": {"create": 0, "update": 0, "delete": 0}, "changes": []}
    old |= {"errors": [], "unmanaged": [], "skipped_registries": []}
    with pytest.raises(AssertionError, match="format"):
        check("plan", json.dumps(old))
