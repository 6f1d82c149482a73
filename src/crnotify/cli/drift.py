"""`crnotify drift`: what changed outside crnotify, classified; exit 2 when there is drift."""

# ruff: noqa: PLC0415 -- the core and the SDKs are imported inside commands: `crnotify --help` stays light

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from crnotify.cli._app import (
    advice_where,
    cloud_options,
    cloud_session,
    format_option,
    paths_argument,
    read_cloud,
    run,
    scope_options,
    use_color,
)
from crnotify.errors import EXIT_CHANGES, EXIT_OK

if TYPE_CHECKING:
    from crnotify.planner.assessment import DriftKind


@click.command("drift")
@paths_argument
@format_option("text", "json", "markdown")
@click.option(
    "--fail-on",
    "fail_on",
    metavar="KINDS",
    default=None,
    help="Comma-separated drift kinds that fail the run (exit 2), or 'all'. "
    "Default: every kind but unmanaged.",
)
@scope_options
@cloud_options
@click.pass_context
def drift_command(  # noqa: PLR0917 (click passes every option as an argument)
    ctx: click.Context,
    paths: tuple[str, ...],
    fmt: str,
    fail_on: str | None,
    local: bool,
    endpoint: str | None,
) -> int:
    """Report drift between PATHS and the cloud (exit 0 none, 2 drift that fails the run, 1 error).

    Kinds: missing, registry_changed, bus_changed, pending, conflict, marker_removed, unmanaged (see
    the guide). By default every kind but unmanaged fails the run (--fail-on); rules the config's
    `ignore:` names are never shown and never fail it (--format json lists them with "ignored": true).

    \b
    Examples:
      crnotify drift notifications/
      crnotify drift notifications/ --format json
      crnotify drift notifications/ --fail-on missing,conflict
      crnotify drift notifications/ --registry prod-hz
      crnotify drift notifications/ --format markdown >> "$GITHUB_STEP_SUMMARY"
    """

    def body() -> int:
        from crnotify.drift import detect
        from crnotify.redact import mask
        from crnotify.render import drift_json, drift_markdown, drift_text

        failing = _kinds(fail_on)  # a typo is a usage error before anything is read
        with cloud_session(ctx, paths, local, endpoint) as session:
            where = advice_where(ctx, paths, local, endpoint)  # advice runs as printed, from here
            report = detect(
                session.config, read_cloud(session), skip=session.skipped, where=where, fail_on=failing
            )
        if fmt == "json":
            click.echo(drift_json.render(report), nl=False)
        elif fmt == "markdown":
            click.echo(mask(drift_markdown.render(report)), nl=False)
        else:
            click.echo(drift_text.render(report, color=use_color()), nl=False)
        return EXIT_CHANGES if report.fails else EXIT_OK

    return run(ctx, body)


def _kinds(text: str | None) -> frozenset[DriftKind]:
    """`--fail-on`'s kinds: the default when not given, every kind for `all`."""
    from crnotify.drift import DEFAULT_FAIL_ON, DriftKind

    if text is None:
        return DEFAULT_FAIL_ON
    words = [word.strip() for word in text.split(",") if word.strip()]
    if words == ["all"]:
        return frozenset(DriftKind)
    known = {kind.value: kind for kind in DriftKind}
    unknown = [word for word in words if word not in known]
    if unknown or not words:
        raise click.BadParameter(
            f"unknown drift kind {', '.join(unknown) or '(none given)'}; expected 'all' or a "
            f"comma-separated list of {', '.join(known)}",
            param_hint="--fail-on",
        )
    return frozenset(known[word] for word in words)
