"""`crnotify health`: per declared rule, did the events in its scope reach its targets?"""

# ruff: noqa: PLC0415 -- the core and the SDKs are imported inside commands: `crnotify --help` stays light

from __future__ import annotations

import time

import click

from crnotify.cli._app import cloud_options, cloud_session, format_option, paths_argument, run, use_color
from crnotify.errors import ConfigError


@click.command("health")
@paths_argument
@click.option(
    "--since",
    default="24h",
    show_default=True,
    metavar="DURATION",
    help="How far back to look: 90s, 15m, 6h, 3d, 1w. Alibaba Cloud keeps traces 3 days.",
)
@format_option("text", "json", "markdown")
@cloud_options
@click.pass_context
def health_command(  # noqa: PLR0917 (click passes every option as an argument)
    ctx: click.Context,
    paths: tuple[str, ...],
    since: str,
    fmt: str,
    local: bool,
    endpoint: str | None,
) -> int:
    """Report, per declared rule, the events in scope, matched, delivered and failed — with the targets'
    own answers (DingTalk 130101 throttled, 310000 bad signature, HTTP 5xx, timeouts) — and the silent
    rules: events happened in their scope and none was delivered.

    Alibaba Cloud: ACR's event records (ListEventCenterRecord) and EventBridge's traces
    (QueryEventTraces). AWS: each rule's CloudWatch metrics (Invocations, FailedInvocations,
    ThrottledRules). Exits 0 when healthy, 2 when a rule failed deliveries or is silent, 1 on error.

    \b
    Examples:
      crnotify health notifications/
      crnotify health notifications/ --since 3d --format markdown >> "$GITHUB_STEP_SUMMARY"
      crnotify health --local examples/ --format json
    """

    def body() -> int:
        from crnotify import health
        from crnotify.providers import cloud
        from crnotify.providers.base import HealthReader
        from crnotify.render import health_json, health_markdown, health_text

        try:
            seconds = health.parse_duration(since)
        except ValueError as exc:
            raise ConfigError(f"--since: {exc}") from None
        with cloud_session(ctx, paths, local, endpoint) as session:
            provider = session.provider
            if not isinstance(provider, HealthReader):
                raise ConfigError("this session's provider cannot read delivery health")
            until = time.time()
            readings: list[health.Reading] = []
            reached = [r for r in session.config.registries if r.name not in session.skipped]
            for registry in reached:
                rules = session.config.rules_of(registry.name)
                if rules:
                    readings += provider.read_health(registry, rules, since=until - seconds, until=until)
            windows = [cloud(r.provider).health_window_seconds for r in reached]
            report = health.report(
                readings,
                since_seconds=seconds,
                window_seconds=min(windows) if windows else None,
                skipped=session.skipped,
            )
        if fmt == "json":
            click.echo(health_json.render(report), nl=False)
        elif fmt == "markdown":
            click.echo(health_markdown.render(report), nl=False)
        else:
            click.echo(health_text.render(report, color=use_color()), nl=False)
        return report.exit_code

    return run(ctx, body)
