"""`crnotify match`: does an event match an EventBridge pattern, and why (no cloud involved)."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from crnotify import jsontext, userfile
from crnotify.cli._app import format_option, run
from crnotify.errors import EXIT_OK, CrnotifyError


@click.command("match")
@click.option(
    "--dialect",
    type=click.Choice(["alibaba", "aws"]),
    default="alibaba",
    show_default=True,
    help="Pattern syntax: Alibaba Cloud EventBridge or Amazon EventBridge.",
)
@format_option("text", "json")
@click.argument("pattern")
@click.argument("event")
@click.pass_context
def match(ctx: click.Context, dialect: str, fmt: str, pattern: str, event: str) -> int:
    """Print `true` or `false`: whether EVENT matches PATTERN, then why, field by field.

    PATTERN and EVENT are each a JSON file, inline JSON, or `-` for standard input (one of them).
    Exits 0 for either answer and 1 when the pattern is invalid or the input cannot be read.

    \b
    Examples:
      crnotify match pattern.json event.json
      crnotify match --dialect aws '{"detail":{"image-tag":[{"prefix":"v"}]}}' event.json
      cat event.json | crnotify match pattern.json - --format json
    """

    def body() -> int:
        # Imported here so that `crnotify --help` and `validate` do not pay for it.
        from crnotify.patterns import InvalidPatternError, compile_pattern  # noqa: PLC0415

        if pattern == "-" and event == "-":
            raise CrnotifyError("only one of PATTERN and EVENT can be read from standard input (-)")
        pattern_value, pattern_origin = _read_json(pattern, "PATTERN")
        event_value, event_origin = _read_json(event, "EVENT")
        if not isinstance(event_value, dict):
            kind = type(event_value).__name__
            raise CrnotifyError(f"EVENT ({event_origin}) must be a JSON object, not {kind}")
        try:
            compiled = compile_pattern(pattern_value, dialect)  # type: ignore[arg-type]
        except InvalidPatternError as exc:
            raise CrnotifyError(f"invalid {dialect} pattern ({pattern_origin}): {exc}") from None
        explanation = compiled.explain(event_value)
        if fmt == "json":
            from crnotify.render import match_json  # noqa: PLC0415

            click.echo(match_json.render(dialect, explanation), nl=False)
        else:
            click.echo("true" if explanation.matched else "false")
            click.echo(_encodable(str(explanation)))
        return EXIT_OK

    return run(ctx, body)


def _read_json(argument: str, label: str) -> tuple[Any, str]:
    """The parsed JSON of a file path, inline JSON or `-`, and a short name of where it came from."""
    try:
        if argument == "-":
            origin = "standard input"
            raw = userfile.read_stream(sys.stdin.buffer, limit=userfile.EVENT_BYTES, name=origin)
            text = userfile.decode(raw, origin)
        elif argument.lstrip()[:1] in ("{", "["):
            origin, text = "inline JSON", argument
        else:
            origin = argument
            if not os.path.lexists(argument):
                raise CrnotifyError(f"{label}: no such file {argument!r} (and it is not inline JSON)")
            text = userfile.read_text(argument, limit=userfile.EVENT_BYTES)
    except userfile.UnreadableFile as exc:
        raise CrnotifyError(f"{label}: {exc.message}", hint=exc.hint) from None
    try:
        return jsontext.loads(text), origin
    except jsontext.JsonTextError as exc:
        raise CrnotifyError(f"{label} ({origin}) is not valid JSON: {exc}") from None


def _encodable(text: str) -> str:
    """Keep the check marks where the terminal can show them; fall back to ASCII where it cannot."""
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return text.replace("✓", "+").replace("✗", "-").encode(encoding, "replace").decode(encoding)
    return text
