"""`crnotify validate [PATHS…]`: check the config; exit 0 when valid (warnings allowed), 1 when not."""

from __future__ import annotations

import os
import sys

import click

from crnotify.cli._app import format_option, paths_argument, run
from crnotify.errors import EXIT_ERROR, EXIT_OK


@click.command("validate")
@paths_argument
@format_option("text", "json")
@click.pass_context
def validate(ctx: click.Context, paths: tuple[str, ...], fmt: str) -> int:
    """Check YAML config files (default: the *.yaml files in the current directory).

    Reports YAML, schema and semantic problems as `file:line:col: severity CODE message`, then, when
    the config is valid, the rules it declares. Unset ${env:NAME} references are warnings here.
    """

    def body() -> int:
        # Imported here so that `crnotify --help` does not pay for YAML and JSON Schema.
        from crnotify.config import load  # noqa: PLC0415
        from crnotify.render.diagnostics import render_json, render_text  # noqa: PLC0415

        result = load(paths or (".",))
        if fmt == "json":
            output = render_json(result.diagnostics, config=result.config, files=result.files)
        else:
            color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
            output = render_text(result.diagnostics, config=result.config, files=result.files, color=color)
        click.echo(output, nl=False)
        return EXIT_OK if result.ok else EXIT_ERROR

    return run(ctx, body)
