"""Where Alibaba Cloud calls go (DESIGN.md §4), and the provider that makes them.

- `--local` (or CRNOTIFY_LOCAL=1): one in-process emulator per region the config uses, all sharing
  `.crnotify/state.sqlite3` under the current directory, signed with the emulator's default key pair,
  under the variants CRNOTIFY_EMULATOR_VARIANTS names (`NAME=VALUE,…`; `crnotify.emulator.variants`),
  over those of the `crnotify doctor` report CRNOTIFY_EMULATOR_PROFILE names.
- `--endpoint HOST:PORT` (or CRNOTIFY_ENDPOINT): every region's calls go there, unless the emulator
  there answers `GET /_emulator/regions` (`emulator serve --regions …`): then each region goes to the
  port that serves it. `--endpoint REGION=HOST:PORT,REGION=HOST:PORT` names one endpoint per region.
  A region of the config that no endpoint serves is refused here, before any call, naming the fix:
  EventBridge calls carry no RegionId, so they would land in another region's bus. The key pair is
  ALIBABA_CLOUD_ACCESS_KEY_ID/ALIBABA_CLOUD_ACCESS_KEY_SECRET when both are set, else the emulator's
  documented default pair — never the rest of the default chain, whose ECS-metadata, OIDC and STS
  providers would call real cloud addresses on behalf of a local emulator.
- neither: the real regional endpoints, credentials from the default chain.

The SDKs and the emulator are imported inside `connect`, so importing this module is cheap.
"""

# ruff: noqa: PLC0415 -- the SDKs and the emulator load only when a session connects

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from crnotify.errors import ConfigError
from crnotify.model import Registry
from crnotify.providers.base import Connection, Provider

LOCAL_STATE = Path(".crnotify") / "state.sqlite3"
log = logging.getLogger("crnotify.cli.session")  # what users filter on with -v


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


def connect(registries: Sequence[Registry], how: Connection, stack: ExitStack) -> Provider:
    from crnotify.providers.alibaba.provider import AlibabaProvider

    regions = sorted({r.region for r in registries})
    if how.local:
        endpoints, access_key = _start_local(stack, regions)
        log.info("embedded local cloud (state %s): %s", LOCAL_STATE, _listed(endpoints))
        return AlibabaProvider(
            endpoints=endpoints, access_key=access_key, concurrency=how.concurrency, where="local"
        )
    if how.endpoint:
        endpoints = _served(parse_endpoints(how.endpoint), regions)
        log.info("Alibaba Cloud calls go to %s", _listed(endpoints))
        return AlibabaProvider(
            endpoints=endpoints,
            access_key=_endpoint_keys(how.env),
            concurrency=how.concurrency,
            where=how.endpoint.strip(),
        )
    log.info(
        "Alibaba Cloud: the regional endpoints of %s, credentials from the default chain",
        ", ".join(regions) or "no region",
    )
    return AlibabaProvider(concurrency=how.concurrency)


def _served(endpoints: dict[str, str], regions: Sequence[str]) -> dict[str, str]:
    """The endpoint of every region, asking an emulator which regions it serves; refuses unserved ones."""
    if "*" in endpoints:
        answered = _emulator_regions(endpoints["*"])
        if answered is None:  # not our emulator (or an older one): every region goes there, as asked
            return endpoints
        endpoints = answered
    missing = [region for region in regions if region not in endpoints]
    if missing:
        wanted = ",".join(dict.fromkeys([*endpoints, *missing]))
        raise ConfigError(
            f"no endpoint serves region {', '.join(missing)} (served: {', '.join(endpoints) or 'none'}); "
            "one emulator port answers EventBridge for one region only",
            hint=f"run `crnotify emulator serve --regions {wanted}` and export the CRNOTIFY_ENDPOINT it "
            "prints, or name each region's endpoint: --endpoint REGION=HOST:PORT,…",
        )
    return endpoints


def _emulator_regions(address: str) -> dict[str, str] | None:
    """{region: host:port} from an emulator's admin endpoint, or None when `address` does not answer it."""
    import json
    import urllib.error
    import urllib.request

    try:
        # A loopback emulator answers in milliseconds; a stopped one refuses at once.
        with urllib.request.urlopen(f"http://{address}/_emulator/regions", timeout=2) as response:
            answer = json.loads(response.read(65536))
    except (OSError, ValueError, urllib.error.URLError):
        return None
    if not isinstance(answer, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and _is_host_port(v) for k, v in answer.items()
    ):
        return None
    return answer


def _listed(endpoints: Mapping[str, str]) -> str:
    return ", ".join(
        f"{region} at {address}" if region != "*" else address for region, address in endpoints.items()
    )


def _endpoint_keys(env: Mapping[str, str] | None) -> tuple[str, str]:
    environment = os.environ if env is None else env
    key_id = environment.get("ALIBABA_CLOUD_ACCESS_KEY_ID")
    secret = environment.get("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
    if key_id and secret:
        return key_id, secret
    from crnotify.emulator.server import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET

    return DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET


def _start_local(stack: ExitStack, names: Sequence[str]) -> tuple[dict[str, str], tuple[str, str]]:
    from crnotify.emulator import variants
    from crnotify.emulator.server import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, EmulatorServer
    from crnotify.emulator.store import check_file

    active = variants.configured(
        profile=os.environ.get(variants.PROFILE_VARIABLE) or None, env=os.environ.get(variants.ENV_VARIABLE)
    )
    if active.spelled():
        log.info("embedded local cloud variants: %s", " ".join(active.spelled()))
    LOCAL_STATE.parent.mkdir(parents=True, exist_ok=True)
    check_file(str(LOCAL_STATE), created_ms=int(time.time() * 1000))
    endpoints = {}
    for region in names:
        server: Any = EmulatorServer(state_path=str(LOCAL_STATE), region=region, variants=active)
        server.start()
        stack.callback(server.stop)
        endpoints[region] = server.endpoint
    return endpoints, (DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET)
