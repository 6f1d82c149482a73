"""The JSON Schema: well-formed, documented field by field, shipped in the package, and the error
ranking of `crnotify.config.schema` (most specific first, never a bare oneOf failure)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from crnotify.config.schema import check, config_schema
from crnotify.model import EventType
from crnotify.source import SourceMap

REPO = Path(__file__).resolve().parent.parent
VALID_EXAMPLES = sorted((REPO / "examples").glob("*.yaml"))


def test_schema_is_valid_draft_2020_12_with_an_id() -> None:
    schema = config_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"]


def test_repository_schema_is_a_relative_symlink_to_the_packaged_one() -> None:
    link = REPO / "schemas" / "crnotify.schema.json"
    assert link.is_symlink()
    assert not os.path.isabs(os.readlink(link))
    assert link.resolve() == (REPO / "src" / "crnotify" / "schemas" / "crnotify.schema.json").resolve()
    assert json.loads(link.read_text()) == config_schema()


def test_event_enum_is_every_event_type_by_short_and_full_name() -> None:
    event = config_schema()["$defs"]["rule"]["properties"]["event"]
    assert event["enum"] == [t.short_name for t in EventType] + [t.value for t in EventType]
    for event_type in EventType:
        assert f"{event_type.short_name} = {event_type.value}" in event["description"]


def _fields(schema: Mapping[str, Any], where: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every subschema that describes a field or an item, with a readable location."""
    for name, sub in schema.get("properties", {}).items():
        yield f"{where}.{name}", sub
        yield from _fields(sub, f"{where}.{name}")
    for name, sub in schema.get("patternProperties", {}).items():
        yield f"{where}[{name}]", sub
    for key in ("items", "additionalProperties", "propertyNames"):
        sub = schema.get(key)
        if isinstance(sub, dict):
            yield f"{where}.<{key}>", sub
            yield from _fields(sub, f"{where}.<{key}>")
    for i, sub in enumerate(schema.get("oneOf", [])):
        if "$ref" not in sub:
            yield f"{where}.<oneOf {i}>", sub


def _resolved(sub: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = sub.get("$ref")
    return config_schema()["$defs"][ref.split("/")[-1]] if ref else {}


def test_every_field_has_a_description_and_examples() -> None:
    schema = config_schema()
    places = [("$", schema), *_fields(schema, "$")]
    places += [(f"$defs.{n}", d) for n, d in schema["$defs"].items()]
    places += [p for n, d in schema["$defs"].items() for p in _fields(d, f"$defs.{n}")]
    assert len(places) > 40  # the walk really visits the fields
    for where, sub in places:
        merged = {**_resolved(sub), **sub}
        assert isinstance(merged.get("description"), str), where
        assert merged["description"], where
        assert isinstance(merged.get("examples"), list), where
        assert merged["examples"], where


def test_examples_in_the_schema_are_valid_for_their_field() -> None:
    schema = config_schema()
    for name, definition in schema["$defs"].items():
        validator = Draft202012Validator({**definition, "$defs": schema["$defs"]})
        for example in definition["examples"]:
            assert validator.is_valid(example), (name, example)
    for example in schema["examples"]:
        assert Draft202012Validator(schema).is_valid(example)


@pytest.mark.parametrize("path", VALID_EXAMPLES, ids=lambda p: p.name)
def test_valid_examples_validate_against_the_schema_and_name_it(path: Path) -> None:
    text = path.read_text()
    first = text.splitlines()[0]
    assert first.startswith("# yaml-language-server: $schema=")
    assert (path.parent / first.split("=", 1)[1]).resolve() == (
        REPO / "schemas/crnotify.schema.json"
    ).resolve()
    Draft202012Validator(config_schema()).validate(yaml.safe_load(text))


def test_invalid_examples_name_the_schema_too() -> None:
    # examples/events/ holds `crnotify test` expectations, not configs.
    for path in sorted(
        [*(REPO / "examples").glob("invalid/*.yaml"), *(REPO / "examples").glob("warnings/*.yaml")]
    ):
        first = path.read_bytes().splitlines()[0].decode()
        target = (path.parent / first.split("=", 1)[1]).resolve()
        assert target == (REPO / "schemas/crnotify.schema.json").resolve(), path


# --- ranking -------------------------------------------------------------------------------------

RULE = {
    "name": "r",
    "registry": "prod",
    "event": "scan",
    "scope": "instance",
    "notify": {"https": {"url": "https://hooks.example.com/x"}},
}


def diagnose(**changes: object) -> list[tuple[str, str, str]]:
    data = {"version": 1, "rules": [{**RULE, **changes}]}
    return [(d.code, d.path_text or "", d.message) for d in check(data, SourceMap("f.yaml"))]


def test_a_value_that_fits_no_form_names_the_forms() -> None:
    ((code, path, message),) = diagnose(scope="namespace")
    assert (code, path) == ("CRN109", "rules[0].scope")
    assert '"instance" or a mapping' in message
    assert "valid under" not in message


def test_the_intended_form_is_descended_into() -> None:
    # A mapping can only be the mapping form: report inside it, not "matches no form".
    assert diagnose(scope={"namespaces": "team-a"}) == [
        (
            "CRN101",
            "rules[0].scope.namespaces",
            "rules[0].scope.namespaces must be a list, not the text 'team-a'",
        )
    ]
    ((code, path, _),) = diagnose(scope={"namspaces": ["a"]})
    assert (code, path) == ("CRN103", "rules[0].scope.namspaces")
    ((code, path, _),) = diagnose(scope={"namespaces": ["a", "a"]})
    assert (code, path) == ("CRN107", "rules[0].scope.namespaces")


def test_all_errors_are_reported_most_specific_first() -> None:
    found = diagnose(event="scanned", tags=7, notify={"https": {"url": "ftp://x"}}, extra=1)
    assert [(c, p) for c, p, _ in found] == [
        ("CRN105", "rules[0].notify.https.url"),  # deepest first
        ("CRN101", "rules[0].tags"),  # then, at one depth, a wrong type before a wrong value
        ("CRN104", "rules[0].event"),
        ("CRN103", "rules[0].extra"),
    ]


def test_unknown_field_suggests_the_nearest_name() -> None:
    data = {"version": 1, "rules": [{**RULE, "tag": "v.*"}]}
    (d,) = check(data, SourceMap("f.yaml"))
    assert d.hint is not None
    assert d.hint.startswith("did you mean 'tags'?")


def test_x_extension_fields_are_allowed_at_the_top_only() -> None:
    assert check({"version": 1, "x-anchors": {"a": 1}}, SourceMap("f")) == []
    assert [d.code for d in check({"version": 1, "rules": [{**RULE, "x-a": 1}]}, SourceMap("f"))] == [
        "CRN103"
    ]


def test_secret_values_are_never_echoed() -> None:
    literal = "SEC0123456789abcdef"
    notify = {
        "dingtalk": {"webhook": "ftp://oapi.dingtalk.com/robot/send?access_token=tok123", "secret": literal}
    }
    found = diagnose(notify=notify)
    assert {p for _, p, _ in found} == {"rules[0].notify.dingtalk.secret", "rules[0].notify.dingtalk.webhook"}
    for _, _, message in found:
        assert literal not in message
        assert "tok123" not in message


def test_numbers_where_text_is_expected_suggest_quoting() -> None:
    data = {
        "version": 1,
        "registries": [{"name": "e", "provider": "aws", "region": "us-east-1", "account": 1234}],
    }
    (d,) = check(data, SourceMap("f"))
    assert d.code == "CRN101"
    assert d.hint == 'quote the value (account: "1234") so YAML reads it as text'


def test_an_empty_text_is_one_diagnostic_not_also_a_pattern_mismatch() -> None:
    assert diagnose(name="") == [("CRN106", "rules[0].name", "rules[0].name must not be empty")]


# One document per mistake a newcomer makes in each part of the format: whatever the keyword, the
# diagnostic names the field, never says "is not valid under any of the given schemas", and has a hint.
MISTAKES: list[dict[str, object]] = [
    {"notify": "https://hooks.example.com/x"},
    {"notify": []},
    {"notify": {}},
    {"notify": {"https": "https://hooks.example.com/x"}},
    {"notify": {"https": {"url": 5}}},
    {"notify": {"dingtalk": {"webhook": "x"}}},
    {"notify": {"dingtalk": {}}},
    {"notify": {"https": {"url": "https://hooks.example.com/x", "token": "abc"}}},
    {"notify": {"email": {"to": "x"}}},
    {"scope": 5},
    {"scope": []},
    {"scope": {}},
    {"scope": None},
    {"scope": {"namespaces": [], "repositories": ["x"]}},
    {"scan_status": "COMPLETE"},
    {"scan_status": ["DONE"]},
    {"event": 5},
    {"event": None},
    {"tags": ""},
    {"tags": None},
    {"name": "a b"},
    {"name": None},
    {"bus": 5},
    {"bus": {"template": 5}},
    {"bus": {"template": {"format": "xml"}}},
    {"bus": {"enabled": "yes"}},
    {"bus": {"description": 5}},
    {"bus": {"template": {"format": "json", "text": "{}", "variables": []}}},
    {"bus": {"template": {"format": "json", "text": "{}", "variables": {"1bad": "$.x"}}}},
]
TOP_MISTAKES: list[object] = [
    [],
    {"version": 1, "registries": {}},
    {"version": 1, "registries": [5]},
    {"version": 1, "rules": None},
    {"version": "1"},
    {"version": 1, "registries": [{"name": "a", "provider": "aws", "region": "us-east-1", "account": "12"}]},
    {"version": 1, "registries": [{"name": "a", "provider": "alibaba", "region": "hz", "instance_id": "i"}]},
]


@pytest.mark.parametrize(
    "data",
    [{"version": 1, "rules": [{**RULE, **m}]} for m in MISTAKES] + TOP_MISTAKES,
)
def test_every_schema_diagnostic_names_its_field_and_has_a_hint(data: object) -> None:
    found = check(data, SourceMap("f.yaml"))
    assert found
    for d in found:
        assert "valid under" not in d.message
        assert d.code != "CRN110", d.message  # the catch-all: every keyword the format uses has its own
        assert d.hint, d.message
