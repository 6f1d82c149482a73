"""Files crnotify cannot or must not read in full (issue 13, items 1, 8, 9 and the smaller bullets):
every one is a clear error with its location, through the CLI, and nothing in the cloud is lost.

Time and memory bounds are measured by bench/hostile_inputs.py, not asserted here.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_eventbridge20200401 import models as eb_models

from crnotify import jsontext, userfile
from crnotify.config import yaml_load
from crnotify.emulator.server import EmulatorServer, load_instances
from crnotify.errors import ConfigError
from support.cli_run import run_cli, user_workdir
from test_cli_cloud import REGISTRIES, RULES, SECRETS

EVENT = {"source": "acs.cr", "type": "cr:Artifact:SynchronizationCompleted", "data": {"tag": "v1"}}


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    files = {"registries.yaml": REGISTRIES, "rules.yaml": RULES}
    return user_workdir(tmp_path, monkeypatch, files, SECRETS, alibaba_keys=True)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    return run_cli(capsys, SECRETS.values(), *argv)


def dangling(path: Path) -> None:
    path.symlink_to(path.parent / "gone.yaml")


def loop(path: Path) -> None:
    path.symlink_to(path)


def fifo(path: Path) -> None:
    os.mkfifo(path)


HOSTILE: dict[str, tuple[Callable[[Path], None], str]] = {
    "dangling": (dangling, "which does not exist"),
    "loop": (loop, "a loop"),
    "fifo": (fifo, "named pipe (FIFO)"),
}


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_an_unreadable_file_in_a_config_directory_stops_every_command_and_deletes_nothing(
    kind: str, workdir: Path, emulator: EmulatorServer, capsys: Any, eventbridge_client: Any
) -> None:
    at = ("--endpoint", emulator.endpoint)
    assert run(capsys, "apply", "config", "--auto-approve", *at)[0] == 0
    rules = workdir / "config" / "rules.yaml"
    rules.unlink()
    make, reason = HOSTILE[kind]
    make(rules)
    (workdir / "event.json").write_text(json.dumps(EVENT))

    code, out, _ = run(capsys, "validate", "config")
    assert code == 1
    assert "config/rules.yaml: error CRN001 cannot read config/rules.yaml: " in out
    assert reason in out
    for argv in (
        ("plan", "config", *at),
        ("apply", "config", "--auto-approve", *at),
        ("drift", "config", *at),
        ("import", "config", "--registry", "prod", *at),
        ("test", "config", "--events", "event.json"),
    ):
        code, _, err = run(capsys, *argv)
        assert code == 1, argv
        assert "config/rules.yaml: error CRN001" in err, (argv, err)
    listed = eventbridge_client.list_rules(eb_models.ListRulesRequest(event_bus_name="default"))
    names = sorted(r.rule_name for r in listed.body.data.rules)
    assert [n for n in names if not n.startswith(("crnotify-lock-", "crnotify-owned-"))] == [
        "hook",
        "scan-api",
    ]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_a_file_without_read_permission_is_an_error(workdir: Path, capsys: Any) -> None:
    (workdir / "config" / "rules.yaml").chmod(0)
    code, out, _ = run(capsys, "validate", "config")
    assert code == 1
    assert "cannot read config/rules.yaml: permission denied" in out


def test_match_refuses_devices_fifos_and_oversized_files(workdir: Path, capsys: Any) -> None:
    os.mkfifo(workdir / "pipe.json")
    (workdir / "big.json").write_text('{"a": "' + "x" * userfile.EVENT_BYTES + '"}')
    for argv, message in (
        (("match", "{}", "/dev/zero"), "EVENT: cannot read /dev/zero: it is a character device"),
        (("match", "/dev/zero", "{}"), "PATTERN: cannot read /dev/zero: it is a character device"),
        (("match", "{}", "pipe.json"), "it is a named pipe (FIFO), not a regular file"),
        (("match", "{}", "big.json"), "cannot read big.json: it is larger than 1 MiB"),
    ):
        code, _, err = run(capsys, *argv)
        assert code == 1, argv
        assert message in err, (argv, err)


def test_apply_refuses_a_plan_that_is_a_device_or_a_fifo(workdir: Path, capsys: Any) -> None:
    os.mkfifo(workdir / "plan.json")
    for plan, kind in (("/dev/zero", "a character device"), ("plan.json", "a named pipe (FIFO)")):
        code, _, err = run(capsys, "apply", "--plan", plan, "--endpoint", "cn-hangzhou=127.0.0.1:9")
        assert code == 1
        assert f"cannot read the plan file {plan}: it is {kind}, not a regular file" in err


def test_test_refuses_unreadable_event_and_expectation_files(workdir: Path, capsys: Any) -> None:
    events = workdir / "events"
    events.mkdir()
    (events / "one.json").write_text(json.dumps(EVENT))
    dangling(events / "two.json")
    code, _, err = run(capsys, "test", "config", "--events", "events")
    assert code == 1
    assert "events/two.json: it is a symbolic link to" in err
    (events / "two.json").unlink()
    os.mkfifo(events / "one.expect.yaml")
    code, _, err = run(capsys, "test", "config", "--events", "events")
    assert code == 1
    assert "one.expect.yaml: it is a named pipe (FIFO)" in err


def test_the_instances_file_is_read_capped_and_with_the_config_reader(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="it is a character device"):
        load_instances("/dev/zero")
    flow = tmp_path / "instances.yaml"
    flow.write_text("[" + ",".join(["1"] * (yaml_load.MAX_NODES + 10)) + "]")
    with pytest.raises(ConfigError, match="more than 10,000 YAML values"):
        load_instances(str(flow))


def test_a_long_flow_list_stops_at_the_node_budget_while_composing() -> None:
    text = "[" + ",".join(["1"] * 200_000) + "]"
    docs, diagnostics = yaml_load.parse(text, "f.yaml")
    assert docs == []
    [diagnostic] = diagnostics
    assert (diagnostic.code, diagnostic.message) == ("CRN006", "the file holds more than 10,000 YAML values")
    assert "alias" not in diagnostic.message + (diagnostic.hint or "")
    # Reported where composing stopped (item 10,000, column ~20,000), not after reading all 200,000.
    assert diagnostic.line == 1
    assert diagnostic.col is not None
    assert 19_000 < diagnostic.col < 21_000


HOSTILE_JSON = {
    "nan": ('{"data": {"n": NaN}}', "NaN is not JSON", 1, 16),
    "infinity": ('{\n  "data": [1, -Infinity]\n}', "-Infinity is not JSON", 2, 15),
    "huge-float": ('{"n": 1e999}', "the number 1e999 is out of range", 1, 7),
    "digits": ('{"n": ' + "7" * 5000 + "}", "an integer of 5,000 digits (at most 1,000)", 1, 7),
    "surrogate": (
        '{"tag": "v\\ud800"}',
        "a text holds half of a UTF-16 surrogate pair, which is not a character",
        1,
        9,
    ),
    "deep": ("[" * 5000 + "]" * 5000, "nested more than 64 levels deep", 1, 66),
}


@pytest.mark.parametrize("name", list(HOSTILE_JSON))
def test_hostile_json_is_a_located_error_in_match_and_test(name: str, workdir: Path, capsys: Any) -> None:
    text, problem, line, col = HOSTILE_JSON[name]
    (workdir / "event.json").write_text(text)
    code, _, err = run(capsys, "match", "{}", "event.json")
    assert code == 1
    assert f"EVENT (event.json) is not valid JSON: {problem} at line {line}, column {col}" in err
    code, _, err = run(capsys, "test", "config", "--events", "event.json")
    assert code == 1
    assert f"event.json:{line}:{col}: invalid JSON: {problem}" in err
    with pytest.raises(jsontext.JsonTextError):
        jsontext.loads(text)


def test_a_lone_surrogate_in_a_description_is_a_located_validation_error(
    workdir: Path, emulator: EmulatorServer, capsys: Any
) -> None:
    rules = workdir / "config" / "rules.yaml"
    rules.write_text(RULES.replace("description: Release scans", 'description: "Release \\ud83d scans"'))
    code, out, _ = run(capsys, "validate", "config", "--format", "json")
    assert code == 1
    [problem] = [d for d in json.loads(out)["diagnostics"] if d["severity"] == "error"]
    assert (problem["code"], problem["file"], problem["line"]) == ("CRN003", "config/rules.yaml", 15)
    assert "\\ud83d, half of a UTF-16 surrogate pair" in problem["message"]
    code, out, err = run(capsys, "plan", "config", "--endpoint", emulator.endpoint)
    assert code == 1
    assert "config/rules.yaml:15:20: error CRN003" in err
    assert "No changes" not in out + err
    assert "codec" not in out + err


def test_a_saved_plan_never_quotes_the_files_its_config_paths_name(
    workdir: Path, emulator: EmulatorServer, capsys: Any
) -> None:
    at = ("--endpoint", emulator.endpoint)
    assert run(capsys, "plan", "config", "--out", "plan.json", *at)[0] == 0
    document = json.loads((workdir / "plan.json").read_text())
    for name, text in (
        ("notes.txt", "db-password: hunter2-notes\n"),
        ("creds.yaml", "db-password: hunter2\n"),
    ):
        (workdir / name).write_text(text)
        document["config_paths"] = [str(workdir / name)]
        (workdir / "tampered.json").write_text(json.dumps(document))
        code, out, err = run(capsys, "apply", "--plan", "tampered.json", "--auto-approve", *at)
        assert code == 1
        assert "hunter2" not in out + err
        assert "db-password" not in out + err
        assert str(workdir / name) in err
    assert "creds.yaml:1:1: CRN103 a field that the format does not have" in err


@pytest.mark.parametrize("damage", ["garbage", "json"])
def test_a_damaged_local_state_names_the_file_and_how_to_reset_it(
    damage: str, workdir: Path, capsys: Any
) -> None:
    assert run(capsys, "apply", "--local", "config", "--auto-approve")[0] == 0
    state = workdir / ".crnotify" / "state.sqlite3"
    if damage == "garbage":
        for suffix in ("-wal", "-shm"):
            Path(f"{state}{suffix}").unlink(missing_ok=True)
        state.write_bytes(b"not a database " * 1000)
    else:
        with sqlite3.connect(state) as db:
            db.execute("UPDATE bus_rules SET targets = '{bad'")
    code, out, err = run(capsys, "plan", "--local", "config")
    assert code == 1
    assert err.startswith("Error: the emulator's state .crnotify/state.sqlite3 ")
    assert "hint: delete .crnotify/state.sqlite3" in err
    assert "Traceback" not in out + err
    assert err.count("Error:") == 1
