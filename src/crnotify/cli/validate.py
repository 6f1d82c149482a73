"""`crnotify validate [PATHS…]`: check the config; exit 0 when valid (warnings allowed), 1 when not."""

from __future__ import annotations

import os

import click

from crnotify import __version__
from crnotify.cli._app import format_option, paths_argument, run, use_color, verbosity
from crnotify.errors import EXIT_ERROR, EXIT_OK


@click.command("validate")
@paths_argument
@format_option("text", "json", "sarif", "github")
@click.pass_context
def validate(ctx: click.Context, paths: tuple[str, ...], fmt: str) -> int:
    """Check YAML config files (default: the *.yaml files in the current directory).

    Reports YAML, schema and semantic problems as `file:line:col: severity CODE message`, then, when
    the config is valid, the rules it declares. Unset ${env:NAME} references are warnings here.

    Formats: text (for people), json (versioned, for scripts), sarif (SARIF 2.1.0 for code-scanning
    uploads; paths relative to the working directory), github (workflow commands that GitHub Actions
    turns into annotations on the pull request).

    \b
    Examples:
      crnotify validate notifications/
      crnotify validate registries.yaml team-a.yaml --format json
      crnotify validate notifications/ --format sarif > crnotify.sarif
      crnotify validate notifications/ --format github     # in a GitHub Actions step
    """

    def body() -> int:
        # Imported here so that `crnotify --help` does not pay for YAML and JSON Schema.
        from crnotify.config import load  # noqa: PLC0415
        from crnotify.diagnostics.codes import TITLES  # noqa: PLC0415
        from crnotify.render import (  # noqa: PLC0415
            diagnostics_github,
            diagnostics_json,
            diagnostics_sarif,
            diagnostics_text,
        )

        result = load(paths or (".",))
        if verbosity(ctx):  # logging is imported only when asked for: validate starts fast
            import logging  # noqa: PLC0415

            log = logging.getLogger("crnotify.validate")
            log.info("read %d YAML file(s): %s", len(result.files), ", ".join(result.files) or "none")
            errors = sum(d.is_error for d in result.diagnostics)
            log.info("%d error(s), %d warning(s)", errors, len(result.diagnostics) - errors)
        if fmt == "json":
            output = diagnostics_json.render(result.diagnostics, config=result.config, files=result.files)
        elif fmt == "sarif":
            output = diagnostics_sarif.render(
                result.diagnostics, catalogue=TITLES, version=__version__, base=os.getcwd()
            )
        elif fmt == "github":
            output = diagnostics_github.render(result.diagnostics, files=result.files)
        else:
            output = diagnostics_text.render(
                result.diagnostics, config=result.config, files=result.files, color=use_color()
            )
        click.echo(output, nl=False)
        return EXIT_OK if result.ok else EXIT_ERROR

    return run(ctx, body)
