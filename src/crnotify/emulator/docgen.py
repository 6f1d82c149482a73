"""Generate the tables of docs/emulator.md from the routing, error-code and variant tables.

    python -m crnotify.emulator.docgen docs/emulator.md          # rewrite the generated blocks
    python -m crnotify.emulator.docgen --check docs/emulator.md  # exit 1 when they are stale

A generated block sits between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->`.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from crnotify.emulator import cloud_errors as errors
from crnotify.emulator.routing import ROUTES
from crnotify.emulator.variants import VARIANTS


def actions_table() -> str:
    rows = [
        "| Product | Version | Action | Parameters in | What it does |",
        "|---|---|---|---|---|",
    ]
    for route in ROUTES.values():
        action = f"`{route.action}`" + ("" if route.in_sdk else " (not in the SDK: `call_api`)")
        where = "form body" if route.body_params else "query"
        rows.append(f"| {route.product} | {route.version} | {action} | {where} | {route.summary} |")
    return "\n".join(rows)


def errors_table() -> str:
    rows = ["| Code | HTTP | Confirmed by a public doc | When |", "|---|---|---|---|"]
    for code in errors.ALL_CODES:
        rows.append(
            f"| `{code.code}` | {code.http_status} | {'yes' if code.confirmed else 'no'} | {code.when} |"
        )
    return "\n".join(rows)


def variants_table() -> str:
    rows = ["| Variant | Values | Default | What it changes | Source |", "|---|---|---|---|---|"]
    for variant in VARIANTS:
        values = " \\| ".join(f"`{v}`" for v in variant.values)
        rows.append(
            f"| `{variant.name}` | {values} | `{variant.default}` | {variant.meaning.replace('|', '/')} "
            f"| {variant.source.replace('|', '/')} |"
        )
    return "\n".join(rows)


BLOCKS: dict[str, Callable[[], str]] = {
    "actions": actions_table,
    "errors": errors_table,
    "variants": variants_table,
}


def render(text: str) -> str:
    """`text` with every generated block brought up to date."""
    for name, make in BLOCKS.items():
        pattern = re.compile(rf"(<!-- generated:{name} -->\n).*?(\n<!-- /generated:{name} -->)", re.DOTALL)
        match = pattern.search(text)
        if match is None:
            raise ValueError(f"no generated:{name} block")
        text = text[: match.end(1)] + make() + text[match.start(2) :]
    return text


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="fail instead of writing when stale")
    parser.add_argument("path", type=Path)
    args = parser.parse_args(argv)
    current = args.path.read_text(encoding="utf-8")
    fresh = render(current)
    if fresh == current:
        return 0
    if args.check:
        print(
            f"{args.path} is out of date: run python -m crnotify.emulator.docgen {args.path}", file=sys.stderr
        )
        return 1
    args.path.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
