"""`crnotify emulator publish`: make Container Registry emit events, as it would, into the emulator.

Each event goes through what a real one does: an event-center record for every ACR rule whose scope
covers it (ListEventCenterRecord), the bus `default`, the bus rules, real deliveries (a local DingTalk
robot, HTTP receivers) and the traces `crnotify trace` and `crnotify health` read. The events are
`crnotify.offline.samples.acr_event`'s, timed on the clock; with `--per-minute R` they are paced R a
minute (a real wait), otherwise sent as one burst. `--file` takes CloudEvents, one a line.
"""

# ruff: noqa: PLC0415 -- the emulator loads only when the command runs

from __future__ import annotations

import json
import os
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any

import click

from crnotify.cli._app import paths_argument, run
from crnotify.cli.emulator import ROBOT_ENV, _is_http_url
from crnotify.clock import SystemClock
from crnotify.errors import ConfigError, CrnotifyError
from crnotify.model import EventType

PUBLISH_PATH = "/_emulator/acr/events"
TYPE_NAMES = {"sync": EventType.SYNCHRONIZATION} | {t.short_name: t for t in EventType.acr_rule_types()}
_INSTANCE = re.compile(r"cri-[a-z0-9]+")
BATCH = 16  # PutEvents' own limit per call; the emulator cuts larger lists the same way


def post_events(url: str, instance_id: str, region: str, events: Sequence[Mapping[str, Any]]) -> list[str]:
    """POST events to an emulator's publish endpoint (`url` = http://HOST:PORT); the event ids."""
    body = json.dumps({"instance_id": instance_id, "region": region, "events": list(events)}).encode()
    request = urllib.request.Request(  # noqa: S310 (an http:// URL the caller built from HOST:PORT)
        url.rstrip("/") + PUBLISH_PATH, data=body, method="POST", headers={"content-type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            answer = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        try:
            detail = json.loads(exc.read()).get("Message", "")
        except ValueError:
            detail = ""
        raise CrnotifyError(f"the emulator refused the events: HTTP {exc.code} {detail}".rstrip()) from None
    except (OSError, ValueError) as exc:
        raise CrnotifyError(f"cannot reach the emulator at {url}: {exc}") from None
    return [str(i) for i in answer.get("EventIds", [])]


def generated(  # noqa: PLR0917 (one event's every field)
    event_type: EventType,
    instance_id: str,
    region: str,
    repo: str,
    tag: str,
    status: str | None,
    at: float,
) -> dict[str, Any]:
    from crnotify.offline import samples

    namespace, _, name = repo.partition("/")
    try:
        return samples.acr_event(
            event_type, instance_id=instance_id, namespace=namespace, repository=name, tag=tag,
            status=status, at=at, region=region,
        )  # fmt: skip
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def read_events(path: str) -> list[dict[str, Any]]:
    """EVENTS.jsonl: one CloudEvent (an object) a line; blank lines are skipped."""
    from crnotify import userfile
    from crnotify.offline.replay import parse_history

    try:
        events = parse_history(userfile.read_text(path, limit=userfile.HISTORY_BYTES), path)
    except userfile.UnreadableFile as exc:
        raise ConfigError(f"--file: {exc.message}", hint=exc.hint) from None
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    if not events:
        raise ConfigError(f"{path}: no events")
    return events


def registry_instance(name: str, paths: Sequence[str], region: str | None) -> tuple[str, str]:
    """(instance id, region) of `--registry`: a `cri-…` id as given, else a registry of the config."""
    if _INSTANCE.fullmatch(name):
        return name, region or "cn-hangzhou"
    from crnotify.cli.session import load_config

    config = load_config(paths)
    for registry in config.registries:
        if registry.name == name and registry.instance_id:
            return registry.instance_id, region or registry.region
    raise ConfigError(
        f"--registry {name!r}: no Alibaba Cloud registry of that name in {', '.join(paths) or '.'}",
        hint="name a registry of the config, or give an instance id (cri-…) with --region",
    )


@contextmanager
def emulator_url(endpoint: str | None, robot: str | None, channel_robot: str | None = None) -> Iterator[str]:
    """The emulator to publish to: `--endpoint`'s, or the embedded one under `--local`, delivering."""
    if endpoint:
        yield "http://" + endpoint.strip()
        return
    from crnotify.emulator import variants
    from crnotify.emulator.delivery_hook import DeliveryHook
    from crnotify.emulator.server import EmulatorServer
    from crnotify.emulator.store import check_file
    from crnotify.providers.alibaba.connect import LOCAL_STATE

    LOCAL_STATE.parent.mkdir(parents=True, exist_ok=True)
    check_file(str(LOCAL_STATE), created_ms=int(time.time() * 1000))
    active = variants.from_env(os.environ.get(variants.ENV_VARIABLE))
    with ExitStack() as stack:
        server = EmulatorServer(state_path=str(LOCAL_STATE), variants=active)
        hook = DeliveryHook(
            server.state, clock=server.clock, dingtalk_robot=robot, channel_robot=channel_robot
        )
        server.on_events = hook
        server.start()
        stack.callback(hook.close)
        stack.callback(server.stop)
        yield server.url


@click.command("publish")
@paths_argument
@click.option(
    "--registry", "registry", required=True, help="A registry of the config, or an instance id cri-…."
)
@click.option("--region", default=None, help="Region of a cri-… --registry (default cn-hangzhou).")
@click.option("--type", "type_name", type=click.Choice(sorted(TYPE_NAMES)), help="Event type to emit.")
@click.option("--repo", metavar="NS/REPO", help="Repository the events are about.")
@click.option("--tag", default="latest", show_default=True, help="Image tag the events are about.")
@click.option("--status", default=None, help="The type's status (scan COMPLETE|FAILED, build SUCCESS|…).")
@click.option("--count", type=click.IntRange(1, 100_000), default=1, show_default=True, help="How many.")
@click.option(
    "--per-minute", type=click.FloatRange(min=0, min_open=True), default=None, help="Pace R events a minute."
)
@click.option(
    "--file", "file", type=click.Path(dir_okay=False, path_type=str), help="CloudEvents, one a line."
)
@click.option("--local", is_flag=True, help="Publish into the embedded local cloud (.crnotify/), delivering.")
@click.option("--endpoint", metavar="HOST:PORT", default=None, help="A running `crnotify emulator serve`.")
@click.option(
    "--dingtalk-robot", metavar="URL", default=None, help="Under --local: the DingTalk robot to use."
)
@click.option(
    "--robot",
    "channel_robot",
    metavar="URL",
    envvar=ROBOT_ENV,
    default=None,
    help="Under --local: the Lark, WeCom, Slack and Teams robot to use (`crnotify emulator robot`). "
    f"Env: {ROBOT_ENV}.",
)
@click.pass_context
def publish(  # noqa: PLR0917 (click passes every option as an argument)
    ctx: click.Context,
    paths: tuple[str, ...],
    registry: str,
    region: str | None,
    type_name: str | None,
    repo: str | None,
    tag: str,
    status: str | None,
    count: int,
    per_minute: float | None,
    file: str | None,
    local: bool,
    endpoint: str | None,
    dingtalk_robot: str | None,
    channel_robot: str | None,
) -> int:
    """Emit Container Registry events into the emulator: recorded, routed, delivered and traced.

    Under --local the deliveries run before the command returns, push retries included (BACKOFF_RETRY
    waits 10–20 s between attempts); a running `crnotify emulator serve` delivers in the background.

    \b
    Examples:
      crnotify emulator publish --local --registry prod --type scan --repo team-a/api --tag v1 --status FAILED
      crnotify emulator publish --endpoint 127.0.0.1:8080 --registry cri-abc --type build --repo t/a --count 9
      crnotify emulator publish --local --registry prod --file burst.jsonl --per-minute 30
      crnotify emulator publish --local --robot http://127.0.0.1:8091 --registry prod --type build --repo t/a
    """

    def body() -> int:
        if local == bool(endpoint):
            raise ConfigError("give --local or --endpoint HOST:PORT (a running `crnotify emulator serve`)")
        if file is None and (type_name is None or repo is None):
            raise ConfigError("give --type and --repo NS/REPO, or --file EVENTS.jsonl")
        if repo is not None and not re.fullmatch(r"[^/\s]+/[^/\s]+", repo):
            raise ConfigError(f"--repo {repo!r} is not NS/REPO")
        given_robot = ctx.get_parameter_source("channel_robot") is click.core.ParameterSource.COMMANDLINE
        if endpoint and channel_robot is not None and given_robot:
            raise ConfigError(
                "--robot is for --local; a running `crnotify emulator serve` takes its own --robot"
            )
        if local and channel_robot is not None and not _is_http_url(channel_robot):
            raise ConfigError(f"--robot {channel_robot!r} is not an http(s) URL")
        instance_id, where = registry_instance(registry, paths or (".",), region)
        given = read_events(file) if file else None
        pause = 60.0 / per_minute if per_minute else 0.0
        published: list[str] = []
        paced = bool(pause)
        clock = SystemClock()  # the pace is real: a running emulator delivers on its own clock
        with emulator_url(endpoint, dingtalk_robot, channel_robot if local else None) as url:
            if given is not None:
                total = len(given)
                size = 1 if paced else BATCH
                for index, start in enumerate(range(0, total, size)):
                    if index and paced:
                        clock.sleep(pause)
                    published += post_events(url, instance_id, where, given[start : start + size])
            else:
                assert type_name is not None
                assert repo is not None
                total, kind = count, TYPE_NAMES[type_name]
                for index in range(count if paced else 1):
                    if index and paced:
                        clock.sleep(pause)
                    events = [
                        generated(kind, instance_id, where, repo, tag, status, clock.now())
                        for _ in range(1 if paced else count)
                    ]
                    published += post_events(url, instance_id, where, events)
        click.echo(f"published {len(published)} of {total} event(s) to {instance_id} ({where})")
        for event_id in published:
            click.echo(f"  {event_id}")
        return 0

    return run(ctx, body)
