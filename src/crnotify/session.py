"""One cloud session for the commands that call the cloud: load the config for the cloud, pick the
Alibaba Cloud endpoints, start the embedded local cloud when asked, and stop it afterwards.

Where the calls go (DESIGN.md §4):
- `--local` (or CRNOTIFY_LOCAL=1): one in-process emulator per region the config uses, all sharing
  `.crnotify/state.sqlite3` under the current directory, signed with the emulator's default key pair,
  under the variants CRNOTIFY_EMULATOR_VARIANTS names (`NAME=VALUE,…`; `crnotify.emulator.variants`).
- `--endpoint HOST:PORT` (or CRNOTIFY_ENDPOINT): every region's calls go there;
  `--endpoint REGION=HOST:PORT,REGION=HOST:PORT` names one endpoint per region. The key pair is
  ALIBABA_CLOUD_ACCESS_KEY_ID/ALIBABA_CLOUD_ACCESS_KEY_SECRET when both are set, else the emulator's
  documented default pair — never the rest of the default chain, whose ECS-metadata, OIDC and STS
  providers would call real cloud addresses on behalf of a local emulator.
- neither: the real regional endpoints, credentials from the default chain.
- `aws` registries: boto3's default chain and endpoints (`AWS_ENDPOINT_URL`); under `--local` they
  are skipped unless `AWS_ENDPOINT_URL` is set.

Heavy imports (SDKs, the emulator) happen inside `open_session`, so importing this module is cheap.
"""

# ruff: noqa: PLC0415 -- the core and the SDKs are imported inside commands: `crnotify --help` stays light

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crnotify.errors import ConfigError
from crnotify.fanout import DEFAULT_CONCURRENCY
from crnotify.model import Config
from crnotify.model import Provider as ProviderKind
from crnotify.providers.base import Provider

LOCAL_STATE = Path(".crnotify") / "state.sqlite3"
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Session:
    config: Config
    provider: Provider
    paths: tuple[str, ...]
    skipped: tuple[str, ...] = ()  # registries this session cannot reach (aws under --local)
    concurrency: int = DEFAULT_CONCURRENCY  # API calls at once, for reads and for apply


def parse_endpoints(text: str) -> dict[str, str]:
    """`HOST:PORT` → {"*": …}; `REGION=HOST:PORT,…` → {region: …}. Raises ConfigError on bad input."""
    text = text.strip()
    if "=" not in text:
        if not _is_host_port(text):
            raise ConfigError(f"--endpoint {text!r} is not HOST:PORT or REGION=HOST:PORT,…")
        return {"*": text}
    endpoints = {}
    for part in text.split(","):
        region, sep, address = part.strip().partition("=")
        if not sep or not region or not _is_host_port(address):
            raise ConfigError(f"--endpoint: {part.strip()!r} is not REGION=HOST:PORT")
        endpoints[region] = address
    return endpoints


def _is_host_port(text: str) -> bool:
    host, sep, port = text.rpartition(":")
    return bool(sep and host and port.isdigit())


def load_config(paths: Sequence[str], env: Mapping[str, str] | None = None) -> Config:
    """The config, loaded for the cloud (unset `${env:…}` is an error); its errors as one ConfigError."""
    from crnotify.config import load
    from crnotify.render.diagnostics import render_diagnostics

    result = load(list(paths) or ["."], env=env, for_cloud=True)
    log.info("read %d YAML file(s): %s", len(result.files), ", ".join(result.files) or "none")
    if result.config is None:
        errors = [d for d in result.diagnostics if d.is_error]
        raise ConfigError("the configuration is not valid:\n" + render_diagnostics(errors).rstrip())
    config = result.config
    log.info("config: %d registries, %d rules", len(config.registries), len(config.rules))
    return config


def regions(config: Config) -> list[str]:
    return sorted({r.region for r in config.registries if r.provider is ProviderKind.ALIBABA})


@contextmanager
def open_session(
    paths: Sequence[str],
    *,
    local: bool = False,
    endpoint: str | None = None,
    env: Mapping[str, str] | None = None,
    config: Config | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> Iterator[Session]:
    """A provider for the config at `paths` (or the given `config`), with local emulators if asked."""
    if config is None:
        config = load_config(paths, env)
    from crnotify.providers.alibaba import AlibabaProvider

    with ExitStack() as stack:
        if local:
            endpoints, access_key = _start_local(stack, regions(config))
            log.info("embedded local cloud (state %s): %s", LOCAL_STATE, _listed(endpoints))
            alibaba: Provider = AlibabaProvider(
                endpoints=endpoints, access_key=access_key, concurrency=concurrency
            )
        elif endpoint:
            endpoints = parse_endpoints(endpoint)
            alibaba = AlibabaProvider(
                endpoints=endpoints, access_key=_endpoint_keys(), concurrency=concurrency
            )
            log.info("Alibaba Cloud calls go to %s", _listed(endpoints))
        else:
            alibaba = AlibabaProvider(concurrency=concurrency)
            log.info(
                "Alibaba Cloud: the regional endpoints of %s, credentials from the default chain",
                ", ".join(regions(config)) or "no region",
            )
        provider, skipped = _with_aws(config, alibaba, local=local, env=env, concurrency=concurrency)
        if skipped:
            log.info("aws registries not reachable from the embedded local cloud: %s", ", ".join(skipped))
        log.info("at most %d API call(s) at once", concurrency)
        yield Session(
            config=config, provider=provider, paths=tuple(paths), skipped=skipped, concurrency=concurrency
        )


def _with_aws(
    config: Config,
    alibaba: Provider,
    *,
    local: bool,
    env: Mapping[str, str] | None,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> tuple[Provider, tuple[str, ...]]:
    """Add the AWS provider when the config has `aws` registries.

    boto3 finds credentials and endpoints itself (its default chain, `AWS_ENDPOINT_URL`). Under
    `--local` nothing may reach a real cloud, and the embedded cloud emulates Alibaba Cloud only, so
    aws registries are skipped (and the plan says so) unless `AWS_ENDPOINT_URL` points every AWS
    call (EventBridge and STS) somewhere explicit, such as a local moto server.
    """
    names = tuple(r.name for r in config.registries if r.provider is ProviderKind.AWS)
    if not names:
        return alibaba, ()
    environment = os.environ if env is None else env
    if local and not environment.get("AWS_ENDPOINT_URL"):
        return alibaba, names
    from crnotify.providers.aws.events import AwsProvider
    from crnotify.providers.dispatch import ByRegistryKind

    aws = AwsProvider(env=environment, concurrency=concurrency)
    return ByRegistryKind({ProviderKind.ALIBABA: alibaba, ProviderKind.AWS: aws}), ()


def _listed(endpoints: Mapping[str, str]) -> str:
    return ", ".join(
        f"{region} at {address}" if region != "*" else address for region, address in endpoints.items()
    )


def _endpoint_keys() -> tuple[str, str]:
    key_id = os.environ.get("ALIBABA_CLOUD_ACCESS_KEY_ID")
    secret = os.environ.get("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
    if key_id and secret:
        return key_id, secret
    from crnotify.emulator.server import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET

    return DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET


def _start_local(stack: ExitStack, names: Sequence[str]) -> tuple[dict[str, str], tuple[str, str]]:
    from crnotify.emulator import variants
    from crnotify.emulator.server import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, EmulatorServer

    active = variants.from_env(os.environ.get(variants.ENV_VARIABLE))
    if active.spelled():
        log.info("embedded local cloud variants: %s", " ".join(active.spelled()))
    LOCAL_STATE.parent.mkdir(parents=True, exist_ok=True)
    endpoints = {}
    for region in names:
        server: Any = EmulatorServer(state_path=str(LOCAL_STATE), region=region, variants=active)
        server.start()
        stack.callback(server.stop)
        endpoints[region] = server.endpoint
    return endpoints, (DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET)
