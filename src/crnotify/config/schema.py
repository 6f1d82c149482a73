"""JSON Schema validation of one document. The only module that imports `jsonschema`.

Every error is reported (`iter_errors`), with a code per failing keyword (CRN1xx), a message written
for the field it is about and a hint taken from the schema (its `patternErrorMessage`, its `examples`,
or a "did you mean" for enums and unknown fields). `oneOf`/`anyOf` failures are never reported as
"is not valid under any of the given schemas": we descend into the branch the value was evidently
meant for (the ranking in ansible-lint's `_deep_match_relevance`, cfn-lint's `e.context` children) and
report its errors; only when the value fits no branch even by type do we say which forms are allowed.

Secrets: values of `secret`/`token` fields are never shown, and URLs are shown without their query.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from crnotify.diagnostics import Diagnostic, codes, error, quote
from crnotify.source import Path, SourceMap, format_path

SCHEMA_RESOURCE = "schemas/crnotify.schema.json"

_CODES = {
    "type": codes.SCHEMA_TYPE,
    "required": codes.SCHEMA_REQUIRED,
    "additionalProperties": codes.SCHEMA_UNKNOWN_FIELD,
    "enum": codes.SCHEMA_VALUE,
    "const": codes.SCHEMA_VALUE,
    "pattern": codes.SCHEMA_PATTERN,
    "minLength": codes.SCHEMA_LENGTH,
    "maxLength": codes.SCHEMA_LENGTH,
    "minItems": codes.SCHEMA_ITEMS,
    "maxItems": codes.SCHEMA_ITEMS,
    "uniqueItems": codes.SCHEMA_ITEMS,
    "minProperties": codes.SCHEMA_ONE_OF_FIELDS,
    "maxProperties": codes.SCHEMA_ONE_OF_FIELDS,
    "oneOf": codes.SCHEMA_NO_FORM,
    "anyOf": codes.SCHEMA_NO_FORM,
}
# Within one instance, which failure explains the most: a wrong type before a wrong value, etc.
_PRIORITY = {"type": 0, "const": 1, "enum": 1, "required": 2, "additionalProperties": 3}
# A branch of oneOf/anyOf that fails one of these on the value itself was not the intended form.
_MISMATCH = {"type", "const", "enum"}
_SECRET_FIELDS = {"secret", "token"}
_URL_FIELDS = {"webhook", "url"}
_KINDS = {
    "object": "a mapping",
    "array": "a list",
    "string": "text",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "empty (null)",
}


@functools.cache
def config_schema() -> Mapping[str, Any]:
    """The JSON Schema of the config format, read from the installed package."""
    text = resources.files("crnotify").joinpath(SCHEMA_RESOURCE).read_text(encoding="utf-8")
    schema: Mapping[str, Any] = json.loads(text)
    return schema


@functools.cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(config_schema())


def is_valid(data: object) -> bool:
    return bool(_validator().is_valid(data))


def check(data: object, source: SourceMap) -> list[Diagnostic]:
    """All schema errors of one document, located through `source`, most specific first per location."""
    leaves = [leaf for err in _validator().iter_errors(data) for leaf in _best_leaves(err)]
    # An empty text also fails its pattern; "must not be empty" says all there is to say.
    empty = {tuple(leaf.absolute_path) for leaf in leaves if leaf.validator == "minLength"}
    leaves = [e for e in leaves if not (e.validator == "pattern" and tuple(e.absolute_path) in empty)]
    leaves.sort(key=_rank)
    diagnostics: list[Diagnostic] = []
    for leaf in leaves:
        diagnostics.extend(_diagnose(leaf, source))
    return diagnostics


def _rank(err: ValidationError) -> tuple[int, int]:
    return (-len(err.absolute_path), _PRIORITY.get(str(err.validator), 9))


def _best_leaves(err: ValidationError) -> list[ValidationError]:
    """Replace a oneOf/anyOf failure by the errors of the branch the value was meant for."""
    if err.validator not in ("oneOf", "anyOf") or not err.context:
        return [err]
    branches: dict[int, list[ValidationError]] = {}
    for sub in err.context:
        branches.setdefault(int(sub.relative_schema_path[0]), []).append(sub)
    viable = [
        errs
        for errs in branches.values()
        if not any(e.validator in _MISMATCH and e.absolute_path == err.absolute_path for e in errs)
    ]
    if not viable:
        return [err]
    best = min(viable, key=lambda errs: (min(_rank(e) for e in errs), len(errs)))
    return [leaf for sub in best for leaf in _best_leaves(sub)]


def _argument(err: ValidationError) -> Any:
    """The failing keyword's value in the schema (e.g. the list of `required` names)."""
    return err.validator_value


def _path(err: ValidationError) -> Path:
    return tuple(err.absolute_path)


def _field(path: Path) -> str:
    return format_path(path) if path else "the document"


def _label(path: Path, instance: object) -> str:
    """`rules[2] (rule 'scan-api')`: the path, plus the item's name when it has one."""
    label = _field(path)
    if isinstance(instance, Mapping) and isinstance(instance.get("name"), str) and path:
        label += f" ({quote(instance['name'])})"
    return label


def _show(value: object, path: Path) -> str:
    """A value for a message: secrets hidden, URL queries dropped, long text shortened."""
    last = path[-1] if path else None
    if last in _SECRET_FIELDS and isinstance(value, str):
        return "the text given (not shown: it is a secret field)"
    if isinstance(value, str):
        text = value.split("?", 1)[0] + "?…" if last in _URL_FIELDS and "?" in value else value
        if len(text) > 60:
            text = text[:57] + "..."
        return f"the text {quote(text)}"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if value is None:
        return "nothing (null)"
    if isinstance(value, list):
        return "a list"
    return "a mapping"


def _examples_hint(
    schema: Mapping[str, Any], *, field: str | None = None, counts: tuple[int, ...] = (2, 1)
) -> str | None:
    """`for example: "a" or "b"` from the schema's examples (`field: ...` when naming a missing field);
    two examples when they fit, else the first alone."""
    examples = schema.get("examples") or _resolve(schema).get("examples")
    if not isinstance(examples, list) or not examples:
        return None
    prefix = f"{field}: " if field else ""
    for count in counts:
        shown = " or ".join(prefix + _example(e) for e in examples[:count])
        if len(shown) <= 160:
            return f"for example: {shown}"
    return None


def _example(value: object) -> str:
    """Text as YAML would show it (no JSON escaping of backslashes), in double quotes with escapes
    when it spans lines, so a hint stays one copy-pasteable line; other values as JSON flow."""
    if isinstance(value, str) and not any(c in value for c in "\n\r\t"):
        return quote(value)
    return json.dumps(value, ensure_ascii=False)


def _missing_hint(schema: Mapping[str, Any], name: str) -> str | None:
    """Two examples of the missing field, or (when they are too long) its description, which says
    what the choices are better than one long example would."""
    hint = _examples_hint(schema, field=name, counts=(2,))
    if hint is None:
        description = schema.get("description") or _resolve(schema).get("description")
        if isinstance(description, str):
            hint = f"{name}: {description.split('. ')[0].rstrip('.')}"
    return hint


def _did_you_mean(word: object, choices: Iterable[object]) -> str | None:
    options = [str(c) for c in choices]
    matches = difflib.get_close_matches(str(word), options, n=1, cutoff=0.6)
    return f"did you mean {quote(matches[0])}?" if matches else None


def _join(*parts: str | None) -> str | None:
    text = " ".join(p for p in parts if p)
    return text or None


def _diagnose(err: ValidationError, source: SourceMap) -> list[Diagnostic]:
    keyword = str(err.validator)
    path = _path(err)
    schema: Mapping[str, Any] = err.schema if isinstance(err.schema, Mapping) else {}
    value = err.instance
    if keyword == "additionalProperties" and isinstance(value, Mapping):
        allowed = sorted(schema.get("properties", {}))
        extra = [k for k in value if k not in allowed and not _matches_pattern_property(k, schema)]
        return [
            error(
                codes.SCHEMA_UNKNOWN_FIELD,
                f"unknown field {quote(key)} in {_label(path, value)}",
                hint=_join(_did_you_mean(key, allowed), f"allowed fields: {', '.join(allowed)}"),
                path=(*path, key),
            ).located(source, key=True)
            for key in extra
        ]
    if keyword == "required":
        names = [m for m in _argument(err) if not (isinstance(value, Mapping) and m in value)]
        return [
            error(
                codes.SCHEMA_REQUIRED,
                f"{_label(path, value)} is missing the required field {quote(name)}",
                hint=_missing_hint(schema.get("properties", {}).get(name, {}), name),
                path=(*path, name),
            ).located(source)
            for name in names
        ]
    if "propertyNames" in err.schema_path:
        why = schema.get("patternErrorMessage", "is not allowed")
        return [
            error(
                codes.SCHEMA_PATTERN,
                f"{_field(path)} has a key {quote(value)} that {why}",
                hint=_examples_hint(schema),
                path=(*path, str(value)),
            ).located(source, key=True)
        ]
    if keyword in ("type", "const", "enum", "pattern", "oneOf", "anyOf"):
        message, hint = _value_message(err, schema, path)
    else:
        message, hint = _size_message(err, schema, path)
    code = _CODES.get(keyword, codes.SCHEMA_OTHER)
    return [error(code, message, hint=hint, path=path).located(source)]


def _value_message(err: ValidationError, schema: Mapping[str, Any], path: Path) -> tuple[str, str | None]:
    """Messages for a value of the wrong type, outside a set, of the wrong shape or form."""
    keyword, field, value = err.validator, _field(path), err.instance
    hint = _examples_hint(schema)
    if keyword == "type":
        expected = _argument(err)
        kinds = [expected] if isinstance(expected, str) else list(expected)
        wanted = " or ".join(_KINDS.get(k, k) for k in kinds)
        if "string" in kinds and isinstance(value, int | float) and not isinstance(value, bool):
            hint = f'quote the value ({field.rsplit(".", 1)[-1]}: "{value}") so YAML reads it as text'
        elif not path:
            hint = "a config file is a mapping: `version: 1`, then `registries:` and/or `rules:` lists"
        elif hint is None and kinds == ["array"]:
            hint = "write one item per line, each starting with `- `, indented under the field"
        elif hint is None and kinds == ["object"]:
            hint = "write `field: value` lines indented under it"
        return f"{field} must be {wanted}, not {_show(value, path)}", hint
    if keyword == "const":
        return f"{field} must be {json.dumps(_argument(err))}, not {_show(value, path)}", hint
    if keyword == "enum":
        choices = ", ".join(str(c) for c in _argument(err))
        hint = _did_you_mean(value, _argument(err)) or hint
        return f"{field} must be one of {choices}; not {_show(value, path)}", hint
    if keyword == "pattern":
        custom = schema.get("patternErrorMessage")
        message = f"{field} {custom}" if custom else f"{field} must match {_argument(err)}"
        if path and path[-1] not in _SECRET_FIELDS:
            message += f"; got {_show(value, path)}"
        return message, hint
    forms = " or ".join(_describe_form(branch) for branch in _argument(err))
    if isinstance(value, str):
        hint = _did_you_mean(value, _consts(_argument(err))) or hint
    return f"{field} must be {forms}; not {_show(value, path)}", hint


def _size_message(err: ValidationError, schema: Mapping[str, Any], path: Path) -> tuple[str, str | None]:
    """Messages for lengths, list sizes, repeated items and field counts."""
    keyword, field, value, limit = err.validator, _field(path), err.instance, _argument(err)
    hint = _examples_hint(schema)
    if keyword == "minLength":
        return f"{field} must not be empty", hint
    if keyword == "maxLength":
        length = len(value) if isinstance(value, str) else 0
        return f"{field} is {length} characters long; at most {limit} are allowed", hint
    if keyword == "minItems":
        return f"{field} must list at least {'one item' if limit == 1 else f'{limit} items'}", hint
    if keyword == "maxItems":
        return f"{field} may list at most {limit} item(s)", hint
    if keyword == "uniqueItems":
        return f"{field} lists {_duplicate(value)} more than once", "remove the repeated item"
    if keyword in ("minProperties", "maxProperties"):
        fields = ", ".join(sorted(schema.get("properties", {})))
        exactly = schema.get("maxProperties") == 1
        message = f"{field} needs {'exactly one' if exactly else 'at least one'} of {fields}"
        if isinstance(value, Mapping) and value:
            message += f"; found {', '.join(sorted(value))}"
        if exactly:
            hint = "a rule notifies one destination; write another rule for another one"
        return message, hint
    return f"{field} is not allowed here ({keyword})", hint


def _matches_pattern_property(key: str, schema: Mapping[str, Any]) -> bool:
    return any(re.search(p, key) for p in schema.get("patternProperties", {}))


def _duplicate(value: object) -> str:
    if isinstance(value, list):
        seen: list[object] = []
        for item in value:
            if item in seen:
                return json.dumps(item, ensure_ascii=False) if not isinstance(item, str) else repr(item)
            seen.append(item)
    return "an item"


def _resolve(branch: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = branch.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        resolved: Mapping[str, Any] = config_schema()["$defs"][ref.removeprefix("#/$defs/")]
        return resolved
    return branch


def _describe_form(branch: Mapping[str, Any]) -> str:
    branch = _resolve(branch)
    if "const" in branch:
        return json.dumps(branch["const"])
    kind = branch.get("type")
    if isinstance(kind, str):
        described = _KINDS.get(kind, kind)
        if kind == "object" and "properties" in branch:
            described += f" ({', '.join(branch['properties'])})"
        return described
    return "another form"


def _consts(branches: Sequence[Mapping[str, Any]]) -> list[object]:
    return [_resolve(b)["const"] for b in branches if "const" in _resolve(b)]
