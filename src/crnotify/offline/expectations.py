"""Event files and the expected outcomes kept beside them, for `crnotify test`.

An event is a JSON file holding one event (`events/scan-v1.json`). Its expectations, if any, sit next to
it with the same stem (`events/scan-v1.expect.yaml`):

    fires: [scan-api]              # these rules must fire for the event
    does_not_fire: [build-all]     # these must not
    message_contains:              # every message of the rule must contain the text (or each text)
      scan-api: "team-a/api:v1.2.3"

A rule is named by its name, or by `registry/name` when several registries declare that name.
"""

from __future__ import annotations

import os
from pathlib import Path

from crnotify import jsontext, userfile
from crnotify.config import yaml_load
from crnotify.errors import CrnotifyError
from crnotify.offline.verdicts import Check, EventCase, Expectations, check

EXPECT_SUFFIX = ".expect.yaml"
_KEYS = ("fires", "does_not_fire", "message_contains")


class EventFileError(CrnotifyError):
    """An event or expectation file that cannot be read."""


def find_event_files(location: str) -> list[Path]:
    path = Path(location)
    # Every *.json that is not a directory is read, and one that cannot be (a dangling link, a FIFO)
    # is an error: skipping it would pass a test run that tested nothing.
    if path.is_dir():
        return sorted(p for p in path.rglob("*.json") if not p.is_dir())
    if os.path.lexists(path):
        return [path]
    raise EventFileError(f"{location}: no such file or directory")


def load_cases(location: str) -> list[EventCase]:
    files = find_event_files(location)
    if not files:
        raise EventFileError(f"{location}: no event files (*.json) found")
    if Path(location).is_dir():
        _check_no_orphans(Path(location))
    return [load_case(path) for path in files]


def _check_no_orphans(directory: Path) -> None:
    """An expectation file that pairs with no event would never be checked: a pull request adding
    `scan-v2.expect.yaml` beside `scan-v1.json` must fail, not pass with nothing tested."""
    for path in sorted(directory.rglob("*.expect.y*ml")):
        stem = path.name.removesuffix(".yaml").removesuffix(".yml").removesuffix(".expect")
        event = path.with_name(stem + ".json")
        if not path.name.endswith(EXPECT_SUFFIX):
            raise EventFileError(f"{path}: name expectation files NAME{EXPECT_SUFFIX}")
        if not event.is_file():
            raise EventFileError(f"{path}: no event file {event.name} beside it to check")


def load_case(path: Path) -> EventCase:
    try:
        event = jsontext.loads(userfile.read_text(path, limit=userfile.EVENT_BYTES))
    except userfile.UnreadableFile as exc:
        raise EventFileError(exc.message, hint=exc.hint) from None
    except jsontext.JsonTextError as exc:
        raise EventFileError(f"{path}:{exc.line}:{exc.col}: invalid JSON: {exc.problem}") from None
    if not isinstance(event, dict):
        raise EventFileError(f"{path}: an event file holds one JSON object, not {type(event).__name__}")
    expect_path = path.with_name(path.name.removesuffix(".json") + EXPECT_SUFFIX)
    expectations = load_expectations(expect_path) if os.path.lexists(expect_path) else None
    return EventCase(path=str(path), event=event, expectations=expectations)


def load_expectations(path: Path) -> Expectations:
    try:
        text = userfile.read_text(path, limit=userfile.EXPECTATIONS_BYTES)
    except userfile.UnreadableFile as exc:
        raise EventFileError(exc.message, hint=exc.hint) from None
    # The config's YAML reader: its node and depth budgets, duplicate keys and positions.
    documents, diagnostics = yaml_load.parse(text, str(path))
    problems = [d for d in diagnostics if d.is_error]
    if problems:
        first = problems[0]
        raise EventFileError(f"{first.location}: {first.message}", hint=first.hint)
    if len(documents) > 1:
        raise EventFileError(f"{path}: an expectation file holds one YAML document, not {len(documents)}")
    data = documents[0].data if documents else None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise EventFileError(f"{path}: expected a mapping with keys {', '.join(_KEYS)}")
    unknown = sorted(set(data) - set(_KEYS))
    if unknown:
        raise EventFileError(
            f"{path}: unknown key(s) {', '.join(map(str, unknown))}; expected {', '.join(_KEYS)}"
        )
    contains = data.get("message_contains") or {}
    if not isinstance(contains, dict):
        raise EventFileError(f"{path}: message_contains maps a rule to a text or a list of texts")
    return Expectations(
        path=str(path),
        fires=_names(path, "fires", data.get("fires")),
        does_not_fire=_names(path, "does_not_fire", data.get("does_not_fire")),
        message_contains=tuple(
            (str(rule), _names(path, f"message_contains.{rule}", texts)) for rule, texts in contains.items()
        ),
    )


def _names(path: Path, key: str, value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise EventFileError(f"{path}: {key} must be a string or a list of strings")


__all__ = [
    "Check",
    "EventCase",
    "EventFileError",
    "Expectations",
    "check",
    "find_event_files",
    "load_case",
    "load_cases",
    "load_expectations",
]
