"""`crnotify trace EVENT_ID`: where an event went — rules matched, targets pushed, with what result."""

# ruff: noqa: PLC0415 -- the core and the SDKs are imported inside commands: `crnotify --help` stays light

from __future__ import annotations

from functools import partial
from typing import Any

import click

from crnotify.cli._app import cloud_options, cloud_session, format_option, paths_argument, run, use_color
from crnotify.errors import EXIT_ERROR, EXIT_OK, ConfigError


@click.command("trace")
@click.argument("event_id")
@paths_argument
@click.option(
    "--region",
    "regions",
    multiple=True,
    help="Region(s) to look in (repeatable); default: the regions of the Alibaba registries in PATHS.",
)
@format_option("text", "json")
@cloud_options
@click.pass_context
def trace_command(  # noqa: PLR0917 (click passes every option as an argument)
    ctx: click.Context,
    event_id: str,
    paths: tuple[str, ...],
    regions: tuple[str, ...],
    fmt: str,
    local: bool,
    endpoint: str | None,
) -> int:
    """Show the EventBridge trace of EVENT_ID on the bus `default`: received, matched, pushed.

    Alibaba Cloud keeps traces for 3 days (QueryEventTraces). Exits 1 when no region knows the event.

    \b
    Examples:
      crnotify trace 5e1c7b0a-4c1d-4a57-9d5b-2f8a1b6c9e01 notifications/
      crnotify trace 5e1c7b0a-4c1d-4a57-9d5b-2f8a1b6c9e01 --region cn-hangzhou --format json
      crnotify trace 5e1c7b0a-4c1d-4a57-9d5b-2f8a1b6c9e01 --local examples/
    """

    def body() -> int:
        from crnotify.config import load
        from crnotify.fanout import Fanout
        from crnotify.model import Config
        from crnotify.providers import cloud
        from crnotify.providers.alibaba.provider import AlibabaProvider, trace_registries
        from crnotify.render import traces_json, traces_text
        from crnotify.render.diagnostics_text import render_diagnostics

        if not event_id.strip():
            raise ConfigError("EVENT_ID is empty: give the id of an event (its CloudEvents `id`)")
        wanted = list(dict.fromkeys(regions))
        if not wanted:
            loaded = load(list(paths) or ["."])
            if loaded.config is None:
                problems = render_diagnostics([d for d in loaded.diagnostics if d.is_error]).rstrip()
                raise ConfigError(
                    "give --region, or PATHS with a valid config to take the regions from:\n" + problems
                )
            registries = loaded.config.registries
            wanted = sorted({r.region for r in registries if cloud(r.provider).has_traces})
            if not wanted:
                raise ConfigError("the config declares no Alibaba Cloud registry; give --region")
        # A config of just the regions: the session then starts (or points at) one cloud per region.
        config = Config(registries=trace_registries(wanted))
        with cloud_session(ctx, paths, local, endpoint, config=config) as session:
            provider = session.provider
            assert isinstance(provider, AlibabaProvider)  # a config of Alibaba regions only
            answers: dict[str, list[dict[str, Any]]] = {}
            fan = Fanout(session.concurrency)  # the regions at once
            for region in wanted:
                fan.submit(
                    partial(provider.event_traces, region, event_id),
                    then=partial(answers.__setitem__, region),
                )
            fan.run()
            found = {region: answers[region] for region in wanted}
        if fmt == "json":
            click.echo(traces_json.render(event_id, found), nl=False)
        else:
            click.echo(traces_text.render(event_id, found, color=use_color()), nl=False)
        return EXIT_OK if any(found.values()) else EXIT_ERROR

    return run(ctx, body)
