"""Issue 16 item 7: `apply` prints, and `apply --format json` records, what it did step by step — each
step numbered, with its registry, rule, action, outcome and error, in plan order whatever order the
concurrent calls ended in — so a CI log after a bad apply reads as a history of what was done, what
failed and what was never attempted. End to end through the CLI against the emulator over HTTP."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from crnotify.emulator.server import EmulatorServer
from support.cli_run import run_cli, user_workdir

SECRETS = {"HOOK_TOKEN": "hook-token-history-0123"}
REGISTRIES = """\
version: 1
registries:
  - {name: prod, provider: alibaba, region: cn-hangzhou, instance_id: cri-history01}
"""


def rule(name: str, event: str = "build") -> str:
    return f"""\
  - name: {name}
    registry: prod
    event: {event}
    scope: {{namespaces: [team-a]}}
    notify: {{https: {{url: "https://hooks.example.com/{name}", token: "${{env:HOOK_TOKEN}}"}}}}
    bus: {{description: "{name} hook"}}
"""


def rules(*names: str) -> str:
    return "version: 1\nrules:\n" + "".join(rule(n) for n in names)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    files = {"registries.yaml": REGISTRIES, "rules.yaml": rules("keep", "old-a", "old-b")}
    monkeypatch.setenv("CRNOTIFY_MAX_ATTEMPTS", "1")  # no retries: an injected fault fails its step
    return user_workdir(tmp_path, monkeypatch, files, SECRETS, alibaba_keys=True)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    return run_cli(capsys, SECRETS.values(), *argv)


def bad_apply(workdir: Path, emulator: EmulatorServer, capsys: Any, *extra: str) -> tuple[int, str, str]:
    """Two rules to delete and two to create, and the first create fails: the deletes are done, the
    failed create's bus step is never attempted, the other create goes on."""
    at = ("--endpoint", emulator.endpoint)
    assert run(capsys, "apply", "config", "--auto-approve", *at)[0] == 0
    (workdir / "config" / "rules.yaml").write_text(rules("keep", "new-a", "new-b"))
    emulator.inject("CreateEventCenterRule", "reject")
    return run(capsys, "apply", "config", "--auto-approve", *at, *extra)


HISTORY = [
    # sequence, rule, action, outcome, attempted
    (1, "old-a", "delete", "applied", True),
    (2, "old-b", "delete", "applied", True),
    (3, "new-a", "create", "?", True),
    (4, "new-a", "reapply-bus", "?", "?"),
    (5, "new-b", "create", "?", True),
    (6, "new-b", "reapply-bus", "?", "?"),
]


def check_history(steps: list[dict[str, Any]]) -> None:
    """Plan order, numbered from 1; of the two creates exactly one failed (which one is the thread
    that reached the emulator first) and its bus step was skipped, not attempted."""
    assert [(s["sequence"], s["rule"], s["action"]) for s in steps] == [h[:3] for h in HISTORY]
    assert [s["outcome"] for s in steps[:2]] == ["applied", "applied"]
    by_rule = {(s["rule"], s["action"]): s for s in steps}
    outcomes = sorted(
        (by_rule[n, "create"]["outcome"], by_rule[n, "reapply-bus"]["outcome"]) for n in ("new-a", "new-b")
    )
    assert outcomes == [("applied", "applied"), ("failed", "skipped")]
    for step in steps:
        assert step["attempted"] is (step["outcome"] in ("applied", "failed"))
        assert (step["error"] is not None) is (step["outcome"] in ("failed", "skipped"))
        assert step["registry"] == "prod"


def test_a_bad_apply_in_json_is_the_history_with_the_failure_and_what_was_not_attempted(
    workdir: Path, emulator: EmulatorServer, capsys: Any
) -> None:
    code, out, err = bad_apply(workdir, emulator, capsys, "--format", "json")
    assert code == 1
    document = json.loads(out)  # stdout is the document alone: the plan and the steps are on stderr
    assert document["format"] == "crnotify/apply"
    assert document["format_version"] == 1
    check_history(document["steps"])
    (failed,) = [s for s in document["steps"] if s["outcome"] == "failed"]
    assert failed["error"].startswith(
        "Alibaba Cloud call failed: CreateEventCenterRule on instance cri-history01"
    )
    assert document["summary"] == {
        "applied": 4,
        "failed": 1,
        "refused": 0,
        "skipped": 1,
        "not_attempted": 1,
    }
    assert document["applied"] is False
    assert document["converged"] is False
    assert document["plan"]["summary"] == {"create": 2, "update": 0, "delete": 2, "rename": 0}
    assert "Apply failed part-way." in err
    assert "Not attempted: 1 of these" in err


def test_the_text_log_is_numbered_in_plan_order(workdir: Path, emulator: EmulatorServer, capsys: Any) -> None:
    code, out, err = bad_apply(workdir, emulator, capsys)
    assert code == 1
    # Progress lines (stderr) come in history order, one per step, numbered 1..6.
    numbered = re.findall(r"^\[(\d+)\] \S+ prod/([\w-]+): [^:]+: (\w+)$", err, flags=re.MULTILINE)
    assert [(int(n), name) for n, name, _ in numbered] == [(h[0], h[1]) for h in HISTORY]
    assert "Apply failed part-way." in out
    assert re.search(
        r"Not applied \(2\):\n  \[\d\] \+ prod/new-[ab]: create the registry rule: failed\n", out
    )
    assert "Not attempted: 1 of these (refused, or skipped after an earlier step failed)." in out
    # The way out: a rerun plans from what is live and finishes the job.
    code, out, _ = run(capsys, "apply", "config", "--auto-approve", "--endpoint", emulator.endpoint)
    assert code == 0
    assert "Apply complete!" in out


def test_the_history_does_not_depend_on_concurrency(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    """The same plan, one call at a time or eight: the same numbered history."""
    histories = []
    for concurrency in ("1", "8"):
        root = tmp_path / concurrency
        root.mkdir()
        files = {"registries.yaml": REGISTRIES, "rules.yaml": rules("a", "b", "c", "d")}
        user_workdir(root, monkeypatch, files, SECRETS, alibaba_keys=True)
        with EmulatorServer() as emulator:
            code, out, _ = run(
                capsys,
                "apply",
                "config",
                "--auto-approve",
                "--format",
                "json",
                "--concurrency",
                concurrency,
                "--endpoint",
                emulator.endpoint,
            )
        assert code == 0
        histories.append(
            [(s["sequence"], s["rule"], s["action"], s["outcome"]) for s in json.loads(out)["steps"]]
        )
    assert histories[0] == histories[1]
    assert [h[:3] for h in histories[0]] == [
        (1, "a", "create"),
        (2, "a", "reapply-bus"),
        (3, "b", "create"),
        (4, "b", "reapply-bus"),
        (5, "c", "create"),
        (6, "c", "reapply-bus"),
        (7, "d", "create"),
        (8, "d", "reapply-bus"),
    ]


def test_nothing_to_do_in_json_is_an_empty_history(
    workdir: Path, emulator: EmulatorServer, capsys: Any
) -> None:
    at = ("--endpoint", emulator.endpoint)
    assert run(capsys, "apply", "config", "--auto-approve", *at)[0] == 0
    code, out, err = run(capsys, "apply", "config", "--auto-approve", "--format", "json", *at)
    assert code == 0
    document = json.loads(out)
    assert document["steps"] == []
    assert document["converged"] is True
    assert "No changes" in err
