"""`crnotify apply`: show the plan, ask, apply it in order, and prove it by planning again."""

# ruff: noqa: PLC0415 -- the core and the SDKs are imported inside commands: `crnotify --help` stays light

from __future__ import annotations

import os
import sys
from contextlib import ExitStack
from pathlib import Path
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
from crnotify.errors import EXIT_ERROR, EXIT_OK, ApplyError, ConfigError, StalePlanError
from crnotify.model import Config, Registry

if TYPE_CHECKING:
    from crnotify.cli.session import Session


@click.command("apply")
@paths_argument
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Apply a plan saved by `plan --out`, refusing it if the objects it read have changed.",
)
@click.option("--auto-approve", is_flag=True, help="Do not ask for confirmation (CI).")
@click.option(
    "--overwrite-bus-edits",
    is_flag=True,
    help="Allow discarding bus-rule edits made outside crnotify that the YAML does not declare.",
)
@click.option(
    "--no-lock",
    is_flag=True,
    help="Do not take the apply lock (a lease in the cloud, see docs/plan-apply.md). Only when no "
    "other apply can be running.",
)
@format_option("text", "json")
@scope_options
@cloud_options
@click.pass_context
def apply_command(  # noqa: PLR0917 (click passes every option as an argument)
    ctx: click.Context,
    paths: tuple[str, ...],
    plan_file: Path | None,
    auto_approve: bool,
    overwrite_bus_edits: bool,
    no_lock: bool,
    fmt: str,
    local: bool,
    endpoint: str | None,
) -> int:
    """Make the cloud match PATHS (or a saved plan).

    Shows the plan and asks before changing anything (--auto-approve in CI). Registry writes come
    first, then the declared bus customisations are re-applied; bus edits made outside crnotify
    that the YAML does not declare are never discarded without --overwrite-bus-edits.

    \b
    Examples:
      crnotify apply notifications/
      crnotify apply notifications/ --auto-approve
      crnotify apply --plan plan.json --auto-approve
      crnotify apply notifications/ --overwrite-bus-edits
      crnotify apply --plan plan.json --format json > apply.json
      crnotify apply notifications/ --registry prod-hz --auto-approve

    Each step is printed as it ends, numbered, in plan order (stderr), so a CI log reads as a
    history; --format json puts the plan, that history and the outcome on stdout as one document
    (the plan is then shown on stderr).
    """

    def body() -> int:
        from crnotify import lock, planfile
        from crnotify.apply import apply, refuse_discards
        from crnotify.cli._app import scope
        from crnotify.cli._progress import progress
        from crnotify.cli.session import refuse_another_target
        from crnotify.planner import config_digest, plan
        from crnotify.render import apply_json, apply_text, plan_text

        as_json = fmt == "json"
        color = use_color(sys.stderr) if as_json else use_color()
        saved = None
        config_paths: tuple[str, ...] = paths
        if plan_file is not None:
            if paths:
                raise click.UsageError("give either PATHS or --plan FILE, not both")
            if not scope(ctx).is_everything:
                raise click.UsageError(
                    "a saved plan applies within the scope it was made in: drop --registry/--rule"
                )
            saved = planfile.load(plan_file)
            config_paths = saved.config_paths
        with ExitStack() as stack:
            session = stack.enter_context(
                cloud_session(
                    ctx,
                    config_paths,
                    local,
                    endpoint,
                    config=None if saved is None else _saved_config(plan_file, config_paths),
                    within=None if saved is None else saved.scope,
                )
            )
            if saved is not None:  # another account or endpoint: refused before the lock's first write
                refuse_another_target(saved, session, plan_file)
            # The lock is taken before reading, so that the plan is made from a state no one else changes.
            guard = stack.enter_context(lock.hold(session.provider, reached(session), enabled=not no_lock))
            config = session.config
            live = read_cloud(session)
            where = advice_where(ctx, config_paths, local, endpoint)  # advice runs as printed, from here
            current = plan(config, live, skip=session.skipped, where=where)
            if saved is not None:
                if config_digest(config) != saved.desired_digest:
                    raise StalePlanError(
                        f"the configuration (or a secret it references) changed since {plan_file} was made",
                        hint="run `crnotify plan --out FILE` again",
                    )
                problems = planfile.stale_objects(saved, live, current)
                if problems:
                    raise StalePlanError(
                        f"the plan in {plan_file} is stale; changed since it was made:\n  "
                        + "\n  ".join(problems),
                        hint="run `crnotify plan --out FILE` again and review the new plan",
                    )
            # Under --format json stdout holds only the document; the plan is still in the log.
            click.echo(plan_text.render(current, color=color), nl=False, err=as_json)
            if current.errors or current.is_empty:
                if as_json:
                    click.echo(apply_json.render(current, None), nl=False)
                return EXIT_ERROR if current.errors else EXIT_OK
            if not overwrite_bus_edits:
                refuse_discards(current)
            if saved is None and not auto_approve and not _confirm(err=as_json):
                raise ApplyError("apply cancelled; nothing was changed")

            with progress("Applying") as shown:
                result = apply(
                    current,
                    session.provider,
                    config,
                    overwrite_bus_edits=overwrite_bus_edits,
                    on_step=lambda step: shown.echo(apply_text.step_line(step, color=color)),
                    skip=session.skipped,
                    concurrency=session.concurrency,
                    guard=guard,
                    live=live,
                    scope=session.scope,
                )
        click.echo(apply_text.render(result, color=color), nl=False, err=as_json)
        if as_json:
            click.echo(apply_json.render(current, result), nl=False)
        return EXIT_OK if result.converged else EXIT_ERROR

    return run(ctx, body)


def _saved_config(plan_file: Path | None, paths: tuple[str, ...]) -> Config:
    """The config a saved plan names. A plan file may come from anywhere (a CI artifact, a pull
    request), and its paths could name any file this runner can read: they are read as config only
    (directories and *.yaml/*.yml files), and when they do not load the error names where and why by
    code, never quoting what the files hold (a diagnostic quotes keys and values)."""
    from crnotify.config import load
    from crnotify.config.load import YAML_SUFFIXES
    from crnotify.diagnostics.codes import TITLES

    for path in paths:
        if not (os.path.isdir(path) or path.endswith(YAML_SUFFIXES)):
            raise ConfigError(
                f"{plan_file} names {path} as its configuration, which is neither a directory nor a "
                "*.yaml or *.yml file",
                hint="run `crnotify plan --out FILE` again on the configuration",
            )
    result = load(list(paths) or ["."], for_cloud=True)
    if result.config is None:
        # The code's title, not the message: titles are fixed texts, messages quote the file.
        where = [
            f"{d.location or '-'}: {d.code} {TITLES.get(d.code, '')}"
            for d in result.diagnostics
            if d.is_error
        ]
        raise ConfigError(
            f"the configuration {plan_file} was made from does not load now:\n  " + "\n  ".join(where),
            hint="run `crnotify validate` on it to see why, then `crnotify plan --out FILE` again",
        )
    return result.config


def reached(session: Session) -> list[Registry]:
    """The registries an apply reads and writes (`apply.read_live`): all but those skipped."""
    return [r for r in session.config.registries if r.name not in session.skipped]


def _confirm(*, err: bool = False) -> bool:
    if not sys.stdin.isatty():
        raise ApplyError(
            "refusing to wait for an answer: standard input is not a terminal",
            hint="review the plan and pass --auto-approve (or apply a saved plan with --plan FILE)",
        )
    answer = click.prompt(
        "Do you want to perform these actions? Only 'yes' will be accepted",
        default="",
        show_default=False,
        err=err,
    )
    return str(answer).strip() == "yes"
