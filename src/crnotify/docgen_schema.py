"""Generate docs/reference.md, the config reference, from the JSON Schema (the one source of truth).

    python -m crnotify.docgen_schema docs/reference.md          # write it
    python -m crnotify.docgen_schema --check docs/reference.md  # exit 1 when it differs

One section per object in the schema (the top level, each `$defs` object, and objects written inline
such as `notify.dingtalk`), each a table of its fields with type, whether required, the description
and the constraints (allowed values, pattern, lengths, default, an example); then the value types
(`name`, `url`, `envReference`). Examples are JSON, which YAML reads as it is.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

Schema = Mapping[str, Any]

HEADER = (
    "<!-- Generated from src/crnotify/schemas/crnotify.schema.json by "
    "`python -m crnotify.docgen_schema docs/reference.md`. Do not edit by hand. -->\n"
)


def load_schema() -> Schema:
    text = resources.files("crnotify").joinpath("schemas/crnotify.schema.json").read_text(encoding="utf-8")
    schema: Schema = json.loads(text)
    return schema


def render(schema: Schema) -> str:
    defs: Mapping[str, Schema] = schema.get("$defs", {})
    out = [HEADER, f"# Config reference: {schema['title']}\n"]
    out.append(
        f"Every field of the config, from the schema `schemas/crnotify.schema.json` (JSON Schema "
        f"{_draft(schema)}, `$id` `{schema['$id']}`). Examples are JSON, which YAML reads as it is. "
        "The user guide is [guide.md](guide.md); [config.md](config.md) discusses the fields with "
        "examples and lists every diagnostic code.\n"
    )
    for title, anchor_name, node in _objects(schema, defs):
        out.append(_object_section(title, anchor_name, node, defs))
    scalars = [(name, node) for name, node in defs.items() if not _is_object(node)]
    if scalars:
        out.append("## Value types\n")
        for name, node in scalars:
            out.append(_scalar_section(name, node))
    return "\n".join(out).rstrip("\n") + "\n"


def _objects(schema: Schema, defs: Mapping[str, Schema]) -> Iterator[tuple[str, str, Schema]]:
    """(heading, name, schema) of every object: the top level, then `$defs` in order, each followed
    by the objects written inline in its properties."""
    yield "Top level", "top-level", schema
    for name, node in defs.items():
        if _is_object(node):
            yield from _with_inline(name, node)


def _with_inline(name: str, node: Schema) -> Iterator[tuple[str, str, Schema]]:
    yield f"`{name}`", name, node
    for field, sub in node.get("properties", {}).items():
        if "$ref" not in sub and _is_object(sub):
            yield from _with_inline(f"{name}.{field}", sub)


def _is_object(node: Schema) -> bool:
    return node.get("type") == "object" and "properties" in node


def _object_section(title: str, name: str, node: Schema, defs: Mapping[str, Schema]) -> str:
    lines = [f"## {title}\n", _text(node.get("description", "")) + "\n"]
    rules = _object_rules(node)
    if rules:
        lines.append(rules + "\n")
    lines.append("| Field | Type | Required | Description |")
    lines.append("|---|---|---|---|")
    required = set(node.get("required", ()))
    for field, raw in node.get("properties", {}).items():
        sub = _merged(raw, defs)
        kind = _type(raw, defs, inline_name=f"{name}.{field}")
        text = " ".join(part for part in (_text(sub.get("description", "")), _constraints(sub)) if part)
        lines.append(f"| `{field}` | {kind} | {'yes' if field in required else 'no'} | {_cell(text)} |")
    for pattern, sub in node.get("patternProperties", {}).items():
        text = " ".join(part for part in (_text(sub.get("description", "")), _example(sub)) if part)
        lines.append(f"| fields matching `{_cell(pattern)}` | any | no | {_cell(text)} |")
    if node.get("examples"):
        lines.append("\nExample:\n\n" + _code_block(node["examples"][0]).rstrip("\n"))
    return "\n".join(lines) + "\n"


def _object_rules(node: Schema) -> str:
    rules = []
    if node.get("minProperties") == 1 and node.get("maxProperties") == 1:
        rules.append("Exactly one of the fields below.")
    elif node.get("minProperties") == 1:
        rules.append("At least one of the fields below.")
    if node.get("additionalProperties") is False:
        rules.append("Other fields are errors (CRN103).")
    return " ".join(rules)


def _scalar_section(name: str, node: Schema) -> str:
    lines = [f"### `{name}`\n", _text(node.get("description", ""))]
    constraints = _constraints(node)
    if constraints:
        lines.append("\n" + constraints)
    return "\n".join(lines) + "\n"


def _merged(node: Schema, defs: Mapping[str, Schema]) -> dict[str, Any]:
    """A property with its `$ref` target's keywords underneath its own (the property's win)."""
    ref = node.get("$ref")
    base = dict(defs[_ref_name(ref)]) if isinstance(ref, str) else {}
    base.update({k: v for k, v in node.items() if k != "$ref"})
    return base


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _type(node: Schema, defs: Mapping[str, Schema], *, inline_name: str = "") -> str:
    ref = node.get("$ref")
    if isinstance(ref, str):
        name = _ref_name(ref)
        return f"[{name}](#{slug('`' + name + '`')})"
    if "const" in node:
        return f"`{_json(node['const'])}`"
    if "enum" in node:
        return "one of " + ", ".join(f"`{_cell(_json(v))}`" for v in node["enum"])
    if "oneOf" in node:
        return " or ".join(_type(branch, defs) for branch in node["oneOf"])
    kind = node.get("type")
    if kind == "array":
        return f"list of {_type(node.get('items', {}), defs)}"
    if kind == "object" and "properties" in node and inline_name:
        return f"[object](#{slug('`' + inline_name + '`')})"
    if kind == "object":
        values = node.get("additionalProperties")
        if isinstance(values, Mapping):
            return f"map of text → {_type(values, defs)}"
        return "object"
    return str(kind) if kind else "any"


def _constraints(node: Schema) -> str:
    parts = []
    low, high = node.get("minLength"), node.get("maxLength")
    if low is not None or high is not None:
        parts.append(_range("character", low, high))
    low, high = node.get("minItems"), node.get("maxItems")
    if low is not None or high is not None:
        parts.append(_range("item", low, high))
    if node.get("uniqueItems"):
        parts.append("No repeated items.")
    if "pattern" in node:
        parts.append(f"Pattern: `{node['pattern']}`.")
    names = node.get("propertyNames", {})
    if "pattern" in names:
        parts.append(f"Names: `{names['pattern']}`.")
    values = node.get("additionalProperties")
    if isinstance(values, Mapping) and "pattern" in values:
        parts.append(f"Values: `{values['pattern']}`.")
    items = node.get("items", {})
    if "pattern" in items:
        parts.append(f"Each item: pattern `{items['pattern']}`.")
    if "default" in node:
        parts.append(f"Default: `{_json(node['default'])}`.")
    example = _example(node)
    if example:
        parts.append(example)
    return " ".join(parts)


def _example(node: Schema) -> str:
    examples = node.get("examples")
    if not examples:
        return ""
    shown = ", ".join(f"`{_json(e)}`" for e in examples[:3])
    return f"Example{'s' if len(examples[:3]) > 1 else ''}: {shown}."


def _range(unit: str, low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return f"{low} to {high} {unit}s."
    if low == 1:
        return "Not empty." if unit == "character" else "At least one item."
    if low is not None:
        return f"At least {low} {unit}s."
    return f"At most {high} {unit}s."


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _text(text: str) -> str:
    return text.strip()


def _cell(text: str) -> str:
    """Table-cell text: `|` would end the cell (also inside code spans), newlines would end the row."""
    return text.replace("|", "\\|").replace("\n", " ")


def _code_block(value: object) -> str:
    return "```json\n" + json.dumps(value, indent=2, ensure_ascii=False) + "\n```\n"


def _draft(schema: Schema) -> str:
    match = re.search(r"draft/([0-9-]+)/", str(schema.get("$schema", "")))
    return match.group(1) if match else "draft"


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="fail instead of writing when it differs")
    parser.add_argument("path", type=Path)
    args = parser.parse_args(argv)
    expected = render(load_schema())
    current = args.path.read_text(encoding="utf-8") if args.path.exists() else None
    if args.check:
        if current != expected:
            print(f"{args.path} is stale: run python -m crnotify.docgen_schema {args.path}", file=sys.stderr)
            return 1
        return 0
    if current != expected:
        args.path.write_text(expected, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
