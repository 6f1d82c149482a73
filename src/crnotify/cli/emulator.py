"""`crnotify emulator …`: run the local cloud.

The group is the extension point for other emulator commands: define a click command in its own
module and register it with `emulator.add_command(...)` in `crnotify/cli/__init__.py`.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import urllib.parse
from typing import Any

import click

from crnotify.cli._app import run
from crnotify.errors import CrnotifyError


@click.group("emulator")
def emulator() -> None:
    """A local cloud: Container Registry event rules and EventBridge behind the real SDK protocol.

    \b
    Examples:
      crnotify emulator serve --port 8080
      crnotify plan notifications/ --endpoint 127.0.0.1:8080
    """


# The local chat robots deliveries go to, for `serve` and `publish --local` alike (one setting for a shell).
ROBOT_ENV = "CRNOTIFY_ROBOT"


def _is_http_url(text: str) -> bool:
    parts = urllib.parse.urlsplit(text)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


# Remote serving needs a key pair an attacker cannot guess: the lengths of Alibaba's own (a 24-character
# LTAI… id, a 30-character secret), and never the pair this project publishes.
MIN_REMOTE_KEY_ID = 16
MIN_REMOTE_SECRET = 30


def _check_remote_keys(key_id: str | None, secret: str | None, defaults: tuple[str, str]) -> None:
    if key_id is None or secret is None:
        raise CrnotifyError("--allow-remote needs your own --access-key-id and --access-key-secret")
    if key_id in defaults or secret in defaults:
        raise CrnotifyError(
            "--allow-remote refuses the documented default key pair: anyone can read it in docs/emulator.md",
            hint="generate your own, e.g. --access-key-id LTAI$(openssl rand -hex 10) and "
            "CRNOTIFY_EMULATOR_ACCESS_KEY_SECRET=$(openssl rand -base64 30)",
        )
    if len(key_id) < MIN_REMOTE_KEY_ID:
        raise CrnotifyError(
            f"--allow-remote needs an --access-key-id of at least {MIN_REMOTE_KEY_ID} characters"
        )
    if len(secret) < MIN_REMOTE_SECRET:
        raise CrnotifyError(
            f"--allow-remote needs an --access-key-secret of at least {MIN_REMOTE_SECRET} characters",
            hint="generate one, e.g. CRNOTIFY_EMULATOR_ACCESS_KEY_SECRET=$(openssl rand -base64 30)",
        )


def _served_regions(regions: str | None, region: str) -> tuple[str, ...]:
    if regions is None:
        return (region,)
    names = tuple(dict.fromkeys(name.strip() for name in regions.split(",") if name.strip()))
    if not names:
        raise CrnotifyError("--regions needs at least one region id, e.g. --regions cn-hangzhou,cn-shanghai")
    return names


def _listening(
    server: Any, served: tuple[str, ...], key_id: str, state_path: str, robot: str | None = None
) -> list[str]:
    lines = [f"crnotify emulator listening on {server.url}"]
    if len(served) == 1:
        lines.append(f"  endpoint {server.endpoint}  region {served[0]}  access key id {key_id}")
    else:
        lines += [f"  region {name} at {address}" for name, address in server.endpoints.items()]
        lines.append(f"  access key id {key_id}")
        lines.append(f"  export CRNOTIFY_ENDPOINT={server.endpoint_setting()}")
    lines.append(f"  state {state_path}  account {server.account_id}")
    if robot is not None:
        lines.append(f"  Lark, WeCom, Slack and Teams messages go to the robot at {robot}")
    return lines


@emulator.command("serve")
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to bind (loopback only by default)."
)
@click.option(
    "--port", type=click.IntRange(0, 65535), default=0, show_default=True, help="0 = any free port."
)
@click.option(
    "--state",
    "state_path",
    default=":memory:",
    show_default=True,
    metavar="FILE",
    help="SQLite file holding the emulated cloud; several servers may share one.",
)
@click.option(
    "--latency-ms", type=click.IntRange(min=0), default=0, show_default=True, help="Delay of every API call."
)
@click.option(
    "--fault-rate",
    type=click.FloatRange(0.0, 1.0),
    default=0.0,
    show_default=True,
    help="Share of API calls that fail: throttled, 503, or a dropped connection.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the fault sequence.")
@click.option(
    "--access-key-id", default=None, help="Key id callers must sign with (default: the documented pair)."
)
@click.option(
    "--access-key-secret",
    envvar="CRNOTIFY_EMULATOR_ACCESS_KEY_SECRET",
    default=None,
    help="Its secret. Env: CRNOTIFY_EMULATOR_ACCESS_KEY_SECRET.",
)
@click.option("--region", default="cn-hangzhou", show_default=True, help="Region of calls without RegionId.")
@click.option(
    "--regions",
    default=None,
    metavar="REGION,…",
    help="Serve these regions, one port each over one state (the first on --port); prints the "
    "CRNOTIFY_ENDPOINT value to export. Overrides --region.",
)
@click.option(
    "--instances",
    "instances_file",
    type=click.Path(dir_okay=False, path_type=str),
    default=None,
    help="YAML list of {instance_id, region[, repositories: [NS/REPO…]]}: the only Enterprise Edition "
    "instances (default: any cri-… id), and the repositories they hold.",
)
@click.option(
    "--allow-remote",
    is_flag=True,
    help="Allow binding an address other than loopback; needs your own strong key pair, and turns "
    "--replay-checks on.",
)
@click.option(
    "--replay-checks",
    is_flag=True,
    help="Refuse a reused x-acs-signature-nonce or an x-acs-date more than 15 minutes off, as the cloud "
    "does (SignatureNonceUsed, InvalidTimeStamp.Expired).",
)
@click.option(
    "--delivery/--no-delivery",
    default=True,
    show_default=True,
    help="Deliver PutEvents events to the targets of matching rules (HTTP(S), DingTalk), with traces.",
)
@click.option(
    "--deliver-remote",
    is_flag=True,
    help="Let delivery reach hosts other than loopback (by default only localhost/127.0.0.1 receive).",
)
@click.option(
    "--dingtalk-robot",
    metavar="URL",
    default=None,
    help="Deliver DingTalk messages to this robot (e.g. `crnotify emulator dingtalk`'s "
    "http://127.0.0.1:PORT) instead of oapi.dingtalk.com, signed and with their access token.",
)
@click.option(
    "--robot",
    "channel_robot",
    metavar="URL",
    envvar=ROBOT_ENV,
    default=None,
    help="Deliver Lark, WeCom, Slack and Teams messages to this robot (`crnotify emulator robot`'s "
    f"http://127.0.0.1:PORT) instead of the channel's host, on its webhook path. Env: {ROBOT_ENV}.",
)
@click.option(
    "--variant",
    "variant_items",
    metavar="NAME=VALUE",
    multiple=True,
    help="Behave as one plausible variant of an unconfirmed cloud behaviour (repeatable); "
    "see --list-variants.",
)
@click.option(
    "--profile",
    "profile",
    metavar="REPORT",
    type=click.Path(dir_okay=False, path_type=str),
    default=None,
    help="Behave as a `crnotify doctor --out REPORT` observed the real cloud (its settled variants; "
    "--variant overrides them).",
)
@click.option(
    "--list-variants", is_flag=True, help="Print every variant (values, default, source) as JSON and exit."
)
@click.pass_context
def serve(  # noqa: PLR0917 (click passes every option as an argument)
    ctx: click.Context,
    host: str,
    port: int,
    state_path: str,
    latency_ms: int,
    fault_rate: float,
    seed: int,
    access_key_id: str | None,
    access_key_secret: str | None,
    region: str,
    regions: str | None,
    instances_file: str | None,
    allow_remote: bool,
    replay_checks: bool,
    delivery: bool,
    deliver_remote: bool,
    dingtalk_robot: str | None,
    channel_robot: str | None,
    variant_items: tuple[str, ...],
    profile: str | None,
    list_variants: bool,
) -> int:
    """Serve the emulator until Ctrl-C; point the SDKs (or `--endpoint`) at the printed endpoint.

    \b
    Examples:
      crnotify emulator serve
      crnotify emulator serve --port 8080 --state .crnotify/cloud.sqlite
      crnotify emulator serve --latency-ms 50 --fault-rate 0.1 --seed 7
      crnotify emulator serve --variant success-code=200 --variant regeneration=async:500
      crnotify emulator serve --regions cn-hangzhou,cn-shanghai
      crnotify emulator serve --profile doctor-report.json
      crnotify emulator serve --robot http://127.0.0.1:8091
    """

    def body() -> int:
        from crnotify.emulator import variants  # noqa: PLC0415

        if list_variants:
            click.echo(json.dumps(variants.describe(), indent=2, ensure_ascii=False))
            return 0
        active = variants.configured(variant_items, profile=profile)
        # Imported here: `crnotify --help` must stay light (COMMON.md).
        from crnotify.emulator.http_guard import require_loopback  # noqa: PLC0415
        from crnotify.emulator.server import (  # noqa: PLC0415
            DEFAULT_ACCESS_KEY_ID,
            DEFAULT_ACCESS_KEY_SECRET,
            EmulatorServer,
        )

        require_loopback(
            host,
            allow_remote=allow_remote,
            what="the emulator",
            why="it accepts a well-known default key pair",
            hint="bind 127.0.0.1, or pass --allow-remote with your own key pair "
            "(--access-key-id/--access-key-secret)",
        )
        if (access_key_id is None) != (access_key_secret is None):
            raise CrnotifyError("pass --access-key-id and --access-key-secret together")
        for option, value in (("--dingtalk-robot", dingtalk_robot), ("--robot", channel_robot)):
            if value is not None and not _is_http_url(value):
                raise CrnotifyError(f"{option} {value!r} is not an http(s) URL")
        if allow_remote:
            _check_remote_keys(
                access_key_id, access_key_secret, (DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET)
            )
        key_id = access_key_id or DEFAULT_ACCESS_KEY_ID
        served = _served_regions(regions, region)
        try:
            server = EmulatorServer(
                state_path=state_path,
                host=host,
                port=port,
                access_key_id=key_id,
                access_key_secret=access_key_secret or DEFAULT_ACCESS_KEY_SECRET,
                regions=served,
                latency_ms=latency_ms,
                fault_rate=fault_rate,
                seed=seed,
                instances_file=instances_file,
                replay_checks=replay_checks or allow_remote,
                variants=active,
            )
        except (sqlite3.Error, ValueError) as exc:
            raise CrnotifyError(f"cannot open the state file {state_path}: {exc}") from None
        hook = None
        if delivery:
            from crnotify.emulator.delivery_hook import DeliveryHook  # noqa: PLC0415

            # Background: a BACKOFF_RETRY waits 10–20 s between attempts; PutEvents must not.
            hook = DeliveryHook(
                server.state,
                clock=server.clock,
                allow_remote=deliver_remote,
                seed=seed,
                background=True,
                dingtalk_robot=dingtalk_robot,
                channel_robot=channel_robot,
            )
            server.on_events = hook
        try:
            server.start()
        except OSError as exc:
            server.stop()
            if hook is not None:
                hook.close()
            raise CrnotifyError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
        lines = _listening(server, served, key_id, state_path, channel_robot)
        if replay_checks or allow_remote:
            lines.append("  replay checks on: a reused nonce or an x-acs-date 15 minutes off is refused")
        if latency_ms or fault_rate:
            lines.append(
                f"  latency {latency_ms} ms per call  faults {fault_rate:.0%} of calls (seed {seed})"
            )
        if active.spelled():
            lines.append(f"  variants {' '.join(active.spelled())}")
        click.echo("\n".join([*lines, "Press Ctrl-C to stop."]))
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            click.echo("Stopped.")
        finally:
            server.stop()
            if hook is not None:
                hook.close()
        return 0

    return run(ctx, body)
