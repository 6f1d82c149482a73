"""`crnotify plan`: read the cloud, diff it against the YAML, show what apply would do."""

# ruff: noqa: PLC0415 -- the core and the SDKs are imported inside commands: `crnotify --help` stays light

from __future__ import annotations

from pathlib import Path
from typing import Any

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
from crnotify.errors import EXIT_CHANGES, EXIT_ERROR, EXIT_OK


@click.command("plan")
@paths_argument
@format_option("text", "json", "markdown")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Save the plan for `apply --plan`."
)
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 2 when there are changes (0 none, 1 error), like Terraform.",
)
@scope_options
@click.option(
    "--history",
    metavar="FILE",
    default=None,
    help="Replay this event history (JSONL) through the rules before and after the plan, and warn "
    "when a change would have locked a DingTalk robot or lost messages.",
)
@cloud_options
@click.pass_context
def plan_command(  # noqa: PLR0917 (click passes every option as an argument)
    ctx: click.Context,
    paths: tuple[str, ...],
    fmt: str,
    out: Path | None,
    detailed_exitcode: bool,
    history: str | None,
    local: bool,
    endpoint: str | None,
) -> int:
    """Show the changes apply would make to match PATHS (YAML files or directories).

    Formats: text (Terraform-style), json (versioned), markdown (a pull-request comment: summary
    table, a collapsible section per rule, discarded bus edits called out, under GitHub's size
    limit). Secrets are only ever shown as "sensitive: changed/unchanged".

    \b
    Examples:
      crnotify plan notifications/
      crnotify plan notifications/ --detailed-exitcode --out plan.json
      crnotify plan notifications/ --format markdown > plan.md
      crnotify plan --local examples/
      crnotify plan notifications/ --registry prod-hz --rule 'ci-*'
      crnotify plan notifications/ --history last-week.jsonl
    """

    def body() -> int:
        from crnotify import planfile
        from crnotify.cli.session import target
        from crnotify.planner import config_digest, plan
        from crnotify.redact import mask
        from crnotify.render import matching_text, plan_json, plan_markdown, plan_text

        where = advice_where(ctx, paths, local, endpoint)  # advice runs as printed, from here
        recorded = None
        if history is not None:
            from crnotify.cli.replay import read_history

            recorded = read_history(history)
        with cloud_session(ctx, paths, local, endpoint) as session:
            live = read_cloud(session)
            reached = None if out is None else target(session)
            result = plan(session.config, live, skip=session.skipped, where=where)
            reach: list[Any] = []
            matching: list[Any] = []
            if fmt != "json" and result.changes:  # who is told what, and which events match, before/after
                from crnotify.cli._reach import matching_changes, reach_changes

                # Repositories are listed (one call set per registry) for the Markdown comment only.
                lister = session.provider if fmt == "markdown" else None
                reach = reach_changes(result, session.config, live, lister)
                matching = matching_changes(result, session.config, live, reach, recorded)
        warnings: list[str] = []
        if recorded is not None:
            from crnotify.cli._reach import flood_warnings

            warnings = flood_warnings(result, session.config, live, recorded)
        for warning in warnings:
            click.echo(f"Warning: {warning}", err=True)
        if fmt == "json":
            click.echo(plan_json.render(result), nl=False)
        elif fmt == "markdown":  # for a public pull-request comment: mask once more, to be sure
            click.echo(
                mask(plan_markdown.render(result, reach=reach, warnings=warnings, matching=matching)),
                nl=False,
            )
        else:
            click.echo(plan_text.render(result, color=use_color()), nl=False)
            click.echo(matching_text.render(matching, color=use_color()), nl=False)
        if out is not None and reached is not None:
            saved = planfile.capture(
                result, live, paths or (".",), config_digest(session.config), reached, scope=session.scope
            )
            out.write_text(planfile.dumps(saved, plan_json.document(result), out), encoding="utf-8")
            click.echo(f"Saved the plan to {out}; apply it with `crnotify apply --plan {out}`.", err=True)
        if result.errors:
            return EXIT_ERROR
        return EXIT_CHANGES if detailed_exitcode and result.changes else EXIT_OK

    return run(ctx, body)
