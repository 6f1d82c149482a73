"""`crnotify doctor [PATHS…]`: is the cloud ready for crnotify, and does it behave as assumed?

Per registry the cloud's home answers (`Provider.checkup`: `providers/<cloud>/doctor.py`); this
command fills in each observation's emulator default, renders, writes the redacted report, and turns
SIGTERM into an interrupt so that a probe cleans up whichever way it is stopped.
"""

# ruff: noqa: PLC0415 -- the SDKs and the emulator's variant table load only when the command runs

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from types import FrameType

import click

from crnotify.cli._app import cloud_options, cloud_session, format_option, paths_argument, run, scope_options
from crnotify.errors import EXIT_ERROR, CrnotifyError


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM (a CI job cancelled, `kill`) raises KeyboardInterrupt, so `finally` blocks clean up."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@click.command("doctor")
@paths_argument
@click.option(
    "--probe",
    "namespace",
    metavar="NAMESPACE",
    default=None,
    help="Make a scratch rule in this namespace to observe what the cloud does (always cleaned up).",
)
@format_option("text", "json")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the redacted JSON report here (attach it to a bug report; `emulator serve --profile`).",
)
@click.option("--show-account", is_flag=True, help="Show the account id (masked by default).")
@click.option(
    "--wait",
    "wait_s",
    type=click.IntRange(1, 3600),
    default=600,
    show_default=True,
    help="Seconds to wait for a rule you create in the console when the create call is unavailable.",
)
@scope_options
@cloud_options
@click.pass_context
def doctor_command(  # noqa: PLR0917 (click passes every option as an argument)
    ctx: click.Context,
    paths: Sequence[str],
    namespace: str | None,
    fmt: str,
    out: Path | None,
    show_account: bool,
    wait_s: int,
    local: bool,
    endpoint: str | None,
) -> int:
    """Check each registry's credentials, region, EventBridge, API permissions and quotas; with --probe,
    observe how the cloud behaves where the docs are silent. Exit 1 when a problem is found.

    \b
    Examples:
      crnotify doctor notifications/
      crnotify doctor notifications/ --probe team-a --out doctor-report.json
      crnotify doctor notifications/ --format json --show-account
    """

    def body() -> int:
        from crnotify.emulator.variants import VARIANTS
        from crnotify.providers.base import Probe
        from crnotify.render import doctor_json, doctor_text

        defaults = {v.name: v.default for v in VARIANTS}
        probe = None
        if namespace is not None:
            probe = Probe(namespace=namespace, tell=lambda text: click.echo(text, err=True), wait_s=wait_s)
        with _terminate_as_interrupt(), cloud_session(ctx, paths, local, endpoint) as session:
            checkups = [
                session.provider.checkup(registry, probe)
                for registry in session.config.registries
                if registry.name not in session.skipped
            ]
        checkups = [
            replace(
                c, observations=tuple(replace(o, default=defaults.get(o.variant, "")) for o in c.observations)
            )
            for c in checkups
        ]
        if out is not None:
            try:
                out.write_text(doctor_json.render(checkups, show_account=show_account), encoding="utf-8")
            except OSError as exc:
                raise CrnotifyError(f"cannot write the report {out}: {exc.strerror or exc}") from None
        renderer = doctor_json if fmt == "json" else doctor_text
        click.echo(renderer.render(checkups, show_account=show_account), nl=False)
        if session.skipped:
            click.echo(
                f"Skipped registries (no emulator endpoint for their cloud): {', '.join(session.skipped)}",
                err=True,
            )
        return EXIT_ERROR if doctor_json.problems(checkups) else 0

    return run(ctx, body)
