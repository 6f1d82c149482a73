"""`crnotify replay`: what the declared rules would have sent for a recorded event history."""

# ruff: noqa: PLC0415 -- the core and the SDKs are imported inside commands: `crnotify --help` stays light

from __future__ import annotations

import time
from typing import Any

import click

from crnotify.cli._app import cloud_options, cloud_session, format_option, paths_argument, run, use_color
from crnotify.errors import EXIT_OK, ConfigError


def read_history(path: str) -> list[dict[str, Any]]:
    from crnotify import userfile
    from crnotify.offline.replay import parse_history

    try:
        return parse_history(userfile.read_text(path, limit=userfile.HISTORY_BYTES), path)
    except userfile.UnreadableFile as exc:
        raise ConfigError(f"--history: {exc.message}", hint=exc.hint) from None
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


@click.command("replay")
@paths_argument
@click.option(
    "--history", "history", metavar="FILE", help="Events to replay: CloudEvents, one a line (JSONL)."
)
@click.option("--since", metavar="DURATION", help="Replay the cloud's own records of the last DURATION (3d).")
@format_option("text", "json")
@cloud_options
@click.pass_context
def replay_command(  # noqa: PLR0917 (click passes every option as an argument)
    ctx: click.Context,
    paths: tuple[str, ...],
    history: str | None,
    since: str | None,
    fmt: str,
    local: bool,
    endpoint: str | None,
) -> int:
    """Replay an event history through the declared rules, with each channel's rate limits: per target
    the messages sent, the peak minute, when a DingTalk robot would be locked (20 a minute → 10 minutes)
    and which messages would be lost.

    --history FILE is offline; --since DURATION reads ACR's event records (ListEventCenterRecord, the
    events the instance's rules covered; their statuses are not recorded).

    \b
    Examples:
      crnotify replay notifications/ --history burst.jsonl
      crnotify replay notifications/ --since 3d --format json
    """

    def body() -> int:
        from crnotify import health
        from crnotify.offline import replay
        from crnotify.render import replay_json, replay_text

        if (history is None) == (since is None):
            raise ConfigError("give --history FILE or --since DURATION")
        if history is not None:
            events = read_history(history)
            config = _offline_config(paths)
        else:
            assert since is not None
            try:
                seconds = health.parse_duration(since)
            except ValueError as exc:
                raise ConfigError(f"--since: {exc}") from None
            events, config = _recorded(ctx, paths, local, endpoint, seconds)
        result = replay.replay(events, replay.routes_of(config))
        if fmt == "json":
            click.echo(replay_json.render(result), nl=False)
        else:
            click.echo(replay_text.render(result, color=use_color()), nl=False)
        return EXIT_OK

    return run(ctx, body)


def _offline_config(paths: tuple[str, ...]) -> Any:
    """The config as `crnotify test` reads it: secrets stay `${env:…}`, none needs to be set."""
    from crnotify.config import load
    from crnotify.render.diagnostics_text import render_diagnostics

    loaded = load(list(paths) or ["."])
    if loaded.config is None:
        problems = render_diagnostics([d for d in loaded.diagnostics if d.is_error]).rstrip()
        raise ConfigError("the configuration is not valid:\n" + problems)
    return loaded.config


def _recorded(
    ctx: click.Context, paths: tuple[str, ...], local: bool, endpoint: str | None, seconds: float
) -> tuple[list[dict[str, Any]], Any]:
    from crnotify.providers.base import HistoryReader

    until = time.time()
    events: list[dict[str, Any]] = []
    with cloud_session(ctx, paths, local, endpoint) as session:
        provider = session.provider
        for registry in session.config.registries:
            if registry.name in session.skipped:
                continue
            if not isinstance(provider, HistoryReader):
                raise ConfigError("this session's provider cannot read an event history; use --history FILE")
            recorded = provider.read_history(registry, since=until - seconds, until=until)
            if recorded is None:
                raise ConfigError(
                    f"registry {registry.name}: its cloud keeps no event records to replay; "
                    "use --history FILE"
                )
            events += recorded
        return events, session.config
