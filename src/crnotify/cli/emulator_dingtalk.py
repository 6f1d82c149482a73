"""`crnotify emulator dingtalk`: a local DingTalk custom robot to point notifications at."""

from __future__ import annotations

import click

from crnotify.cli._app import run
from crnotify.errors import CrnotifyError


@click.command("dingtalk")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default=True,
    help="Port to listen on (0: any free port).",
)
@click.option(
    "--secret",
    envvar="CRNOTIFY_DINGTALK_SECRET",
    default=None,
    metavar="SEC…",
    help="Signing secret; requests must carry a valid timestamp and sign. Env: CRNOTIFY_DINGTALK_SECRET.",
)
@click.option(
    "--keyword", "keywords", multiple=True, help="A message must contain one of these (repeatable)."
)
@click.option(
    "--access-token",
    "access_tokens",
    multiple=True,
    help="Accept only these robot tokens (repeatable); default: any token is a robot.",
)
@click.pass_context
def dingtalk(
    ctx: click.Context,
    *,
    host: str,
    port: int,
    secret: str | None,
    keywords: tuple[str, ...],
    access_tokens: tuple[str, ...],
) -> int:
    """Run a DingTalk robot that checks signatures and keywords and enforces 20 messages a minute.

    It answers like DingTalk (errcode 0, 310000, 130101) and lists what it received at GET /_received.

    \b
    Examples:
      crnotify emulator dingtalk --port 8090 --keyword crnotify
      CRNOTIFY_DINGTALK_SECRET=SECexample crnotify emulator dingtalk --access-token team-a
    """

    def body() -> int:
        # Imported here so `crnotify --help` does not load the servers.
        from crnotify.clock import SystemClock  # noqa: PLC0415
        from crnotify.emulator.dingtalk_server import DingTalkRobots, DingTalkServer  # noqa: PLC0415

        robots = DingTalkRobots(
            clock=SystemClock(),
            secret=secret or None,
            keywords=keywords,
            access_tokens=access_tokens or None,
        )
        try:
            server = DingTalkServer(robots, host=host, port=port)
        except OSError as exc:
            raise CrnotifyError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
        checks = ["signing on" if secret else "signing off"]
        if keywords:
            checks.append(f"keywords: {', '.join(keywords)}")
        webhook = f"{server.url}/robot/send?access_token=…"
        click.echo(f"DingTalk robot emulator listening on {webhook} ({'; '.join(checks)})")
        click.echo(f"Received messages: {server.url}/_received. Press Ctrl-C to stop.", err=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            click.echo("Stopped.", err=True)
        finally:
            server.stop()
        return 0

    return run(ctx, body)
