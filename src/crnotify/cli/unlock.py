"""`crnotify unlock`: release apply-lock leases a killed or failed apply left held, like Terraform's
force-unlock: only with the holder id the refusing apply printed."""

# ruff: noqa: PLC0415 -- the core and the SDKs are imported inside commands: `crnotify --help` stays light

from __future__ import annotations

import sys

import click

from crnotify.cli._app import cloud_options, cloud_session, run
from crnotify.cli.apply import reached
from crnotify.errors import EXIT_OK, ApplyError, ConfigError


@click.command("unlock")
@click.argument("leases", nargs=-1, required=True, metavar="LEASE...")
@click.option(
    "--holder",
    required=True,
    metavar="ID",
    help="The holder id the refusing apply printed; a lease held by anyone else is not released.",
)
@click.option(
    "--config",
    "paths",
    multiple=True,
    metavar="PATH",
    help="YAML file or directory naming the registries whose leases these are (repeatable; "
    "default: the current directory).",
)
@click.option("--force", is_flag=True, help="Do not ask for confirmation (CI, scripts).")
@cloud_options
@click.pass_context
def unlock_command(  # noqa: PLR0917 (click passes every option as an argument)
    ctx: click.Context,
    leases: tuple[str, ...],
    holder: str,
    paths: tuple[str, ...],
    force: bool,
    local: bool,
    endpoint: str | None,
) -> int:
    """Release apply-lock leases a killed or failed apply left held (by holder ID).

    Use it only when no apply is running: after an apply was killed, or failed to release its lock
    (an outage, say), so that you need not wait for the lease to expire. The refusing apply prints
    the exact command. Every lease is checked first: if one is not held by ID, none is released.

    \b
    Examples:
      crnotify unlock crnotify-lock-cri-xxx-000007 --holder alice@laptop
      crnotify unlock crnotify-lock-cri-a-000003 crnotify-lock-cri-b-000002 --holder ID --force
      crnotify unlock crnotify-lock-123456789012-000004 --holder ID --config notifications/
    """

    def body() -> int:
        from crnotify import lock

        with cloud_session(ctx, paths, local, endpoint) as session:
            store = session.provider
            if not isinstance(store, lock.LeaseStore):
                raise ConfigError(f"{type(store).__name__} holds no apply-lock leases")
            found = lock.find_leases(store, reached(session), leases, holder)
            if not found:
                click.echo("Nothing to unlock: the named leases are already released.")
                return EXIT_OK
            for item in found:
                click.echo(f"{item.registry.name}: {lock.blocked_line(item.lease, item.where)}")
            if not force and not _confirm(len(found)):
                raise ApplyError("unlock cancelled; nothing was changed")
            lock.release_leases(store, found)
        click.echo(f"Released {len(found)} lease(s). The next apply takes the lock.")
        return EXIT_OK

    return run(ctx, body)


def _confirm(count: int) -> bool:
    if not sys.stdin.isatty():
        raise ApplyError(
            "refusing to wait for an answer: standard input is not a terminal",
            hint="make sure no apply holding these leases is running, then pass --force",
        )
    answer = click.prompt(
        f"Release {count} lease(s)? Another apply may then run alongside the holder's, if it still "
        "runs. Only 'yes' will be accepted",
        default="",
        show_default=False,
    )
    return str(answer).strip() == "yes"
