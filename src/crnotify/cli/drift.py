"""`crnotify drift`: what changed outside crnotify, classified; exit 2 when there is drift."""

# ruff: noqa: PLC0415 -- the core and the SDKs are imported inside commands: `crnotify --help` stays light

from __future__ import annotations

import click

from crnotify.cli._app import (
    advice_where,
    cloud_options,
    cloud_session,
    format_option,
    paths_argument,
    read_cloud,
    run,
    use_color,
)
from crnotify.errors import EXIT_CHANGES, EXIT_OK


@click.command("drift")
@paths_argument
@format_option("text", "json", "markdown")
@cloud_options
@click.pass_context
def drift_command(
    ctx: click.Context, paths: tuple[str, ...], fmt: str, local: bool, endpoint: str | None
) -> int:
    """Report drift between PATHS and the cloud (exit 0 none, 2 drift, 1 error).

    Kinds: missing, registry_changed, bus_changed, pending, conflict, marker_removed, unmanaged
    (see the guide).

    \b
    Examples:
      crnotify drift notifications/
      crnotify drift notifications/ --format json
      crnotify drift notifications/ --format markdown >> "$GITHUB_STEP_SUMMARY"
    """

    def body() -> int:
        from crnotify.drift import detect
        from crnotify.redact import mask
        from crnotify.render import drift_json, drift_markdown, drift_text

        with cloud_session(ctx, paths, local, endpoint) as session:
            where = advice_where(ctx, paths, local, endpoint)  # advice runs as printed, from here
            report = detect(session.config, read_cloud(session), skip=session.skipped, where=where)
        if fmt == "json":
            click.echo(drift_json.render(report), nl=False)
        elif fmt == "markdown":
            click.echo(mask(drift_markdown.render(report)), nl=False)
        else:
            click.echo(drift_text.render(report, color=use_color()), nl=False)
        return EXIT_CHANGES if report.has_drift else EXIT_OK

    return run(ctx, body)
