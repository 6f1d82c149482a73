"""`crnotify emulator robot`: local Lark, WeCom, Slack and Teams robots to point notifications at."""

from __future__ import annotations

import secrets

import click

from crnotify.cli._app import listen, run, serve_until_stopped

# The kinds are listed here rather than read from delivery.channels: `crnotify --help` stays light.
KINDS = ("lark", "wecom", "slack", "teams")


@click.command("robot")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=0, show_default=True, help="Port (0: any free port)."
)
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    type=click.Choice(KINDS),
    help="A channel to serve (repeatable). Default: all four, each on its own webhook path.",
)
@click.option(
    "--keyword",
    "keywords",
    multiple=True,
    help="Lark keyword security: a message must contain one (repeatable).",
)
@click.option(
    "--hook",
    "hooks",
    multiple=True,
    help="The robots' credentials (Lark/Slack token, WeCom key, Teams sig; repeatable); others are "
    "refused with the channel's own answer. Default: one random credential, printed at start.",
)
@click.option(
    "--history",
    type=click.IntRange(min=1, max=100_000),
    default=1000,
    show_default=True,
    help="Requests remembered at GET /_received (the oldest drop out).",
)
@click.option("--allow-remote", is_flag=True, help="Allow binding an address other than loopback.")
@click.pass_context
def robot(
    ctx: click.Context,
    *,
    host: str,
    port: int,
    kinds: tuple[str, ...],
    keywords: tuple[str, ...],
    hooks: tuple[str, ...],
    history: int,
    allow_remote: bool,
) -> int:
    """Run local chat robots that check body shape, keywords and rate limits, answering as each channel does.

    Lark answers {"code": …} (19024 no keyword, 11232 rate limited), WeCom {"errcode": …} (45009 rate
    limited), Slack HTTP 400 invalid_payload or 429, Teams HTTP 4xx. What they received is listed at
    GET /_received. Point `crnotify test --deliver --robot URL` at the printed address.

    \b
    Examples:
      crnotify emulator robot --port 8091
      crnotify emulator robot --kind lark --keyword crnotify --hook team-a
    """

    def body() -> int:
        # Imported here so `crnotify --help` does not load the servers.
        from crnotify.clock import SystemClock  # noqa: PLC0415
        from crnotify.emulator.channel_robots import ChannelRobots, RobotServer  # noqa: PLC0415

        chosen = kinds or KINDS
        credentials = hooks or (secrets.token_hex(16),)
        robots = ChannelRobots(
            clock=SystemClock(), kinds=chosen, keywords=keywords, hooks=credentials, history=history
        )
        server = listen(
            lambda: RobotServer(robots, host=host, port=port, allow_remote=allow_remote), host, port
        )
        click.echo(f"Chat robot emulator listening on {server.url} ({', '.join(chosen)})")
        for kind in chosen:
            # A credential the user chose is not echoed (it may be a real one); a generated one must be.
            shown = server.webhook(kind, "…" if hooks else credentials[0])
            click.echo(f"  {kind}: {shown}")
        serve_until_stopped(server)
        return 0

    return run(ctx, body)
