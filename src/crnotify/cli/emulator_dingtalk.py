"""`crnotify emulator dingtalk`: a local DingTalk custom robot to point notifications at."""

from __future__ import annotations

import secrets

import click

from crnotify.cli._app import listen, run, serve_until_stopped


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
    help="The robots' tokens (repeatable); other tokens get errcode 300001, as on DingTalk. "
    "Default: one random token, printed in the webhook URL at start.",
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
def dingtalk(
    ctx: click.Context,
    *,
    host: str,
    port: int,
    secret: str | None,
    keywords: tuple[str, ...],
    access_tokens: tuple[str, ...],
    history: int,
    allow_remote: bool,
) -> int:
    """Run a DingTalk robot that checks tokens, signatures and keywords and enforces 20 messages a minute.

    It answers like DingTalk (errcode 0, 300001, 310000, 130101; 460101 for a message over 20,000
    bytes) and lists what it received at GET /_received.

    \b
    Examples:
      crnotify emulator dingtalk --port 8090 --keyword crnotify
      CRNOTIFY_DINGTALK_SECRET=SECexample crnotify emulator dingtalk --access-token team-a
    """

    def body() -> int:
        # Imported here so `crnotify --help` does not load the servers.
        from crnotify.clock import SystemClock  # noqa: PLC0415
        from crnotify.emulator.dingtalk_server import DingTalkRobots, DingTalkServer  # noqa: PLC0415

        # DingTalk's tokens are 64 hex characters; an unguessable one keeps the robot a robot only
        # for whoever started it, as the real webhook URL is.
        tokens = access_tokens or (secrets.token_hex(32),)
        robots = DingTalkRobots(
            clock=SystemClock(),
            secret=secret or None,
            keywords=keywords,
            access_tokens=tokens,
            history=history,
        )
        server = listen(
            lambda: DingTalkServer(robots, host=host, port=port, allow_remote=allow_remote), host, port
        )
        checks = ["signing on" if secret else "signing off"]
        if keywords:
            checks.append(f"keywords: {', '.join(keywords)}")
        # A token the user chose is not echoed (it may be a real robot's); a generated one must be.
        webhook = f"{server.url}/robot/send?access_token=…" if access_tokens else server.webhook(tokens[0])
        click.echo(f"DingTalk robot emulator listening on {webhook} ({'; '.join(checks)})")
        serve_until_stopped(server)
        return 0

    return run(ctx, body)
