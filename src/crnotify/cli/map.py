"""`crnotify map`: who is told about what — registry → where → tags → event and status → channel."""

# ruff: noqa: PLC0415 -- the core is imported inside commands: `crnotify --help` stays light

from __future__ import annotations

import click

from crnotify.cli._app import format_option, paths_argument, run
from crnotify.errors import EXIT_OK, ConfigError


@click.command("map")
@paths_argument
@format_option("text", "mermaid", "markdown", "json")
@click.pass_context
def map_command(ctx: click.Context, paths: tuple[str, ...], fmt: str) -> int:
    """Show who is told about what: per declared rule, the namespaces and repositories it covers, its
    tags, event and status, and the channel it notifies (named without secrets). Offline.

    \b
    Examples:
      crnotify map notifications/
      crnotify map notifications/ --format mermaid > reach.mmd
      crnotify map notifications/ --format markdown >> "$GITHUB_STEP_SUMMARY"
    """

    def body() -> int:
        from crnotify import reach
        from crnotify.config import load
        from crnotify.render import map_json, map_markdown, map_mermaid, map_text
        from crnotify.render.diagnostics_text import render_diagnostics

        loaded = load(list(paths) or ["."])
        if loaded.config is None:
            problems = render_diagnostics([d for d in loaded.diagnostics if d.is_error]).rstrip()
            raise ConfigError("the configuration is not valid:\n" + problems)
        reaches = [reach.from_rule(rule) for rule in loaded.config.rules]
        renderer = {"json": map_json, "mermaid": map_mermaid, "markdown": map_markdown}.get(fmt, map_text)
        click.echo(renderer.render(reaches), nl=False)
        return EXIT_OK

    return run(ctx, body)
