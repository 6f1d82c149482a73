"""`crnotify test [PATHS…] --events FILE_OR_DIR`: which rules fire for which events, and what they send.

(The module is not called `test_*.py` so that pytest never collects it.)
"""

from __future__ import annotations

import urllib.parse

import click

from crnotify.cli._app import format_option, paths_argument, run
from crnotify.errors import EXIT_ERROR, EXIT_OK, CrnotifyError


@click.command("test")
@paths_argument
@click.option(
    "--events",
    "events_path",
    required=True,
    metavar="FILE_OR_DIR",
    help="An event (JSON) or a directory of them; NAME.expect.yaml beside NAME.json holds expectations.",
)
@click.option(
    "--deliver",
    is_flag=True,
    help="Also send each message once to its configured endpoint (needs the ${env:…} secrets set).",
)
@click.option(
    "--allow-remote",
    is_flag=True,
    help="With --deliver: allow endpoints other than localhost/127.0.0.1 (a real DingTalk group!).",
)
@click.option(
    "--dingtalk-robot",
    metavar="URL",
    default=None,
    help="With --deliver: send DingTalk messages to this robot (e.g. `crnotify emulator dingtalk`'s "
    "http://127.0.0.1:PORT) instead of oapi.dingtalk.com, signed and with their access token.",
)
@click.option(
    "--robot",
    "channel_robot",
    metavar="URL",
    default=None,
    help="With --deliver: send Lark, WeCom, Slack and Teams messages to this robot (`crnotify emulator "
    "robot`'s http://127.0.0.1:PORT) instead of the channel's host, with their webhook path and query.",
)
@format_option("text", "json")
@click.pass_context
def test(
    ctx: click.Context,
    paths: tuple[str, ...],
    *,
    events_path: str,
    deliver: bool,
    allow_remote: bool,
    dingtalk_robot: str | None,
    channel_robot: str | None,
    fmt: str,
) -> int:
    """Evaluate the declared rules against events offline, with no cloud account.

    For each event, prints which rules fire and the exact message each target would receive, and why
    the other rules do not fire. Exits 1 when an expectation (or, with --deliver, a delivery) fails.
    Secrets are shown as written (${env:NAME}), never their values.

    \b
    Examples:
      crnotify test examples/ --events examples/events/
      crnotify test examples/ --events examples/events/scan-api-release.json --format json
      crnotify test notifications/ --events events/ --deliver     # to local endpoints only
      crnotify test notifications/ --events events/ --deliver --dingtalk-robot http://127.0.0.1:8090
      crnotify test notifications/ --events events/ --deliver --robot http://127.0.0.1:8091
    """

    def body() -> int:
        # Imported here: `crnotify --help` must stay light.
        from crnotify.clock import SystemClock  # noqa: PLC0415
        from crnotify.config import load  # noqa: PLC0415
        from crnotify.delivery.send import HttpSender  # noqa: PLC0415
        from crnotify.offline.expectations import check, load_cases  # noqa: PLC0415
        from crnotify.offline.runner import RuleBook, send  # noqa: PLC0415
        from crnotify.offline.verdicts import EventResult  # noqa: PLC0415
        from crnotify.render import (  # noqa: PLC0415
            diagnostics_text,
            test_json,
            test_text,
        )

        for option, value in (("--dingtalk-robot", dingtalk_robot), ("--robot", channel_robot)):
            if value is None:
                continue
            robot = urllib.parse.urlsplit(value)
            if not deliver:
                raise CrnotifyError(f"{option} needs --deliver")
            if robot.scheme not in ("http", "https") or not robot.hostname:
                raise CrnotifyError(f"{option} {value!r} is not an http(s) URL")
        loaded = load(paths or (".",))
        if loaded.config is None:
            click.echo(
                diagnostics_text.render(loaded.diagnostics, config=None, files=loaded.files, color=False),
                nl=False,
                err=True,
            )
            return EXIT_ERROR
        book = RuleBook.of(loaded.config)
        sender = HttpSender(allow_remote=allow_remote) if deliver else None
        results = []
        for case in load_cases(events_path):
            verdicts = book.evaluate(case.event)
            checks = check(case.expectations, verdicts) if case.expectations is not None else []
            sent = []
            if sender is not None:
                for prepared, verdict in zip(book.rules, verdicts, strict=True):
                    if verdict.fires:
                        sent += send(
                            prepared,
                            case.event,
                            sender=sender,
                            clock=SystemClock(),
                            dingtalk_robot=dingtalk_robot,
                            robot=channel_robot,
                        )
            results.append(
                EventResult(case=case, verdicts=tuple(verdicts), checks=tuple(checks), sent=tuple(sent))
            )
        if sender is not None:
            sender.close()
        render = test_json.render if fmt == "json" else test_text.render
        click.echo(render(results), nl=False)
        return EXIT_ERROR if any(r.failed for r in results) else EXIT_OK

    return run(ctx, body)
