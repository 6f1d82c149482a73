"""One cloud session for the commands that call the cloud: load the config for the cloud, connect to
each cloud the config names (`providers/<cloud>/connect.py` decides where its calls go: the embedded
local cloud under `--local`, an emulator with `--endpoint`, else the real cloud), and stop the
embedded emulators afterwards. Registries of a cloud that cannot be reached this way (aws under
`--local` or `--endpoint` without `AWS_ENDPOINT_URL`: an emulator session never reaches a real
cloud) are skipped, and every command says so.

Heavy imports (SDKs, the emulator) happen inside `open_session`, so importing this module is cheap.
"""

# ruff: noqa: PLC0415 -- the core and the SDKs are imported inside commands: `crnotify --help` stays light

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from crnotify.errors import ConfigError, StalePlanError
from crnotify.fanout import DEFAULT_CONCURRENCY
from crnotify.model import Config
from crnotify.model import Provider as ProviderKind
from crnotify.planner.scope import EVERYTHING, Scope
from crnotify.providers.alibaba.connect import LOCAL_STATE, parse_endpoints
from crnotify.providers.base import Provider

if TYPE_CHECKING:
    from crnotify.planfile import SavedPlan, Target

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Session:
    config: Config
    provider: Provider
    paths: tuple[str, ...]
    skipped: tuple[str, ...] = ()  # registries this session cannot reach (aws under --local/--endpoint)
    concurrency: int = DEFAULT_CONCURRENCY  # API calls at once, for reads and for apply
    scope: Scope = EVERYTHING  # `config` is already narrowed to it; reads of the cloud are too


def load_config(paths: Sequence[str], env: Mapping[str, str] | None = None) -> Config:
    """The config, loaded for the cloud (unset `${env:…}` is an error); its errors as one ConfigError."""
    from crnotify.config import load
    from crnotify.render.diagnostics_text import render_diagnostics

    result = load(list(paths) or ["."], env=env, for_cloud=True)
    log.info("read %d YAML file(s): %s", len(result.files), ", ".join(result.files) or "none")
    if result.config is None:
        errors = [d for d in result.diagnostics if d.is_error]
        raise ConfigError("the configuration is not valid:\n" + render_diagnostics(errors).rstrip())
    config = result.config
    log.info("config: %d registries, %d rules", len(config.registries), len(config.rules))
    return config


@contextmanager
def open_session(
    paths: Sequence[str],
    *,
    local: bool = False,
    endpoint: str | None = None,
    env: Mapping[str, str] | None = None,
    config: Config | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    scope: Scope = EVERYTHING,
) -> Iterator[Session]:
    """A provider for the config at `paths` (or the given `config`), with local emulators if asked.
    The whole config is validated; the session then holds only its `scope` (`planner.scope`), and
    connects only to the clouds of the registries in it."""
    from crnotify.providers import connector
    from crnotify.providers.base import Connection
    from crnotify.providers.by_kind import ByRegistryKind

    if config is None:
        config = load_config(paths, env)
    unmatched = scope.unmatched_registries(config)
    if unmatched:
        declared = ", ".join(r.name for r in config.registries) or "none"
        raise ConfigError(
            f"no declared registry matches --registry {', '.join(unmatched)} (declared: {declared})"
        )
    config = scope.narrow_config(config)
    how = Connection(local=local, endpoint=endpoint, env=env, concurrency=concurrency)
    with ExitStack() as stack:
        providers: dict[ProviderKind, Provider] = {}
        skipped: list[str] = []
        for kind in ProviderKind:
            registries = [r for r in config.registries if r.provider is kind]
            if not registries:
                continue
            provider = connector(kind)(registries, how, stack)
            if provider is None:
                skipped += [r.name for r in registries]
            else:
                providers[kind] = provider
        if skipped:
            log.info("registries skipped (no emulator endpoint for their cloud): %s", ", ".join(skipped))
        log.info("at most %d API call(s) at once", concurrency)
        reach: Provider = next(iter(providers.values())) if len(providers) == 1 else ByRegistryKind(providers)
        yield Session(
            config=config,
            provider=reach,
            paths=tuple(paths),
            skipped=tuple(skipped),
            concurrency=concurrency,
            scope=scope,
        )


def target(session: Session) -> Target:
    """What this session reaches: per cloud of the reached registries, the account of its credentials
    and where its calls go (one cheap call per cloud: `Provider.identity`), and their regions."""
    from crnotify.planfile import Target

    reached = [r for r in session.config.registries if r.name not in session.skipped]
    clouds = []
    for kind in ProviderKind:
        first = next((r for r in reached if r.provider is kind), None)
        if first is not None:
            account, where = session.provider.identity(first)
            clouds.append((kind.value, account, where))
    return Target(clouds=tuple(clouds), regions=tuple(sorted({r.region for r in reached})))


def refuse_another_target(saved: SavedPlan, session: Session, plan_file: object) -> None:
    """A saved plan applies only to the target it was made against; otherwise stop, naming both —
    before anything is read or written (the apply lock included)."""
    here = target(session)
    if here != saved.target:
        raise StalePlanError(
            f"the plan in {plan_file} was made against {saved.target.describe()}, but this apply "
            f"reaches {here.describe()}",
            hint="apply it with the credentials and --endpoint/--local it was made with, or run "
            "`crnotify plan --out FILE` against this target and review that plan",
        )


__all__ = [
    "LOCAL_STATE",
    "Session",
    "load_config",
    "open_session",
    "parse_endpoints",
    "refuse_another_target",
    "target",
]
