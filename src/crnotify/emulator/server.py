"""One HTTP server for Container Registry and EventBridge, speaking the official SDKs' protocol.

    with EmulatorServer() as server:                      # 127.0.0.1, a free port, state in memory
        config = open_api_models.Config(access_key_id=DEFAULT_ACCESS_KEY_ID,
                                        access_key_secret=DEFAULT_ACCESS_KEY_SECRET,
                                        endpoint=server.endpoint, protocol="http", region_id="cn-hangzhou")

Every API request must carry a valid ACS3-HMAC-SHA256 signature by the configured key pair (one
account, whose id is derived from the key id). The region is the request's `RegionId` parameter when
present (Container Registry calls), else the region of the port it arrived on: the SDKs send the endpoint,
not the region, as Host, and EventBridge calls carry no RegionId. A server for several `regions` listens
on one port per region (the first on `port`, the others on free ports; `endpoints` maps each region to
its `host:port`, and `GET /_emulator/regions` answers the same map) over one shared state, so the same
rule name may exist in two regions and each region has its own quotas. Requests
are routed by `x-acs-version`/`x-acs-action`; bodies over 1 MiB get 413. With `replay_checks` (the
CLI turns them on with --allow-remote) a reused `x-acs-signature-nonce` or an `x-acs-date` more than
15 minutes off is refused with the cloud's codes (`replay.py`).

Faults: each API call first waits `latency_ms` on the clock, then with probability `fault_rate`
(seeded) fails in one of four ways: 429 `TooManyRequests` with `x-acs-retry-after` (ms; the SDK raises
ThrottlingException), 503 `ServiceUnavailable`, a connection closed before the call is applied, or
one closed after it was applied (the caller cannot tell whether it took effect). `inject(action,
fault)` scripts one such fault for the next call of an action, whatever the rate, so a test can lose
exactly the response it means to.

Unsigned local admin endpoints (the server binds loopback only unless told otherwise):
`GET /_emulator/stats` → `{"<Action>": count}` of API calls that passed authentication,
`GET /_emulator/concurrency` → `{"in_flight": n, "max_in_flight": m}` (calls being handled now, and the
most at any moment: how a client's concurrency bound is observed), and `POST /_emulator/reset-stats`,
which clears both.

The call log (`record_calls()`, then `calls`): one `CallRecord` per API call that reached its
handler (its parameters, whether it succeeded), in the order they ended, with the names of the rules
of the region's `default` bus that notify (have a target) right after it — how a test sees what a run
read and wrote, and that no moment of an apply left a notification without a rule (a rename creates
the new rule before it deletes the old one).
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import re
import socket
import threading
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from crnotify import userfile
from crnotify.clock import Clock, SystemClock
from crnotify.config import yaml_load
from crnotify.emulator import cloud_errors as errors
from crnotify.emulator import http_guard, routing
from crnotify.emulator.acr import INSTANCE_ID, InstancePolicy
from crnotify.emulator.replay import SIGNED as REPLAY_SIGNED
from crnotify.emulator.replay import ReplayGuard
from crnotify.emulator.signing import MUST_SIGN, SignedRequest, verify
from crnotify.emulator.state import EmulatorState, account_id_for
from crnotify.emulator.traces import BusRef
from crnotify.emulator.variants import RAM_DENIED_MESSAGE, UNKNOWN_ACTION_MESSAGE, Variants
from crnotify.emulator.wire import ACR_VERSION, Call, OnEvents, error_body
from crnotify.errors import ConfigError

log = logging.getLogger(__name__)

# The documented default key pair: fake by design, so the SDKs work against a fresh emulator.
DEFAULT_ACCESS_KEY_ID = "LTAIcrnotifyEmulatorKey"
DEFAULT_ACCESS_KEY_SECRET = "crnotify-emulator-secret-not-for-real-use"  # noqa: S105
DEFAULT_REGION = "cn-hangzhou"
MAX_BODY_BYTES = 1 << 20
MAX_DRAINED_BYTES = 16 << 20
THROTTLE_RETRY_AFTER_MS = 100
ADMIN_PREFIX = "/_emulator/"
FAULTS = ("throttle", "unavailable", "drop_before", "drop_after")  # drawn at the fault rate
# Scripted only (`inject`), never drawn: a validation error whose message quotes the request's
# parameters, as cloud validation messages quote the offending value — secrets included. It lets
# tests check that crnotify masks what the cloud echoes back.
REJECT = "reject"


def load_instances(path: str) -> InstancePolicy:
    """`--instances FILE`: a YAML list of `{instance_id, region}` mappings."""
    return parse_instances(path)[0]


def parse_instances(path: str) -> tuple[InstancePolicy, dict[tuple[str, str], tuple[str, ...]]]:
    """`--instances FILE`: a YAML list of `{instance_id, region}` mappings, each with an optional
    `repositories: [NS/REPO, …]` the instance holds from the start (ListNamespace, ListRepository);
    (the policy, (region, instance id) → its repositories)."""
    try:
        text = userfile.read_text(path, limit=userfile.INSTANCES_BYTES)
    except userfile.UnreadableFile as exc:
        raise ConfigError(f"the instances file: {exc.message}", hint=exc.hint) from None
    documents, diagnostics = yaml_load.parse(text, path)  # the config's reader: budgets, positions
    problems = [d for d in diagnostics if d.is_error]
    if problems:
        raise ConfigError(f"{problems[0].location}: the instances file: {problems[0].message}")
    entries = documents[0].data if len(documents) == 1 else None
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: expected a list of {{instance_id, region}} mappings")
    allowed: set[tuple[str, str]] = set()
    repositories: dict[tuple[str, str], tuple[str, ...]] = {}
    for index, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or not {"instance_id", "region"} <= set(entry) <= _INSTANCE_KEYS:
            raise ConfigError(
                f"{path}: entry {index}: expected the keys instance_id and region "
                "(and optionally repositories)"
            )
        instance_id, region = entry["instance_id"], entry["region"]
        if not isinstance(instance_id, str) or not INSTANCE_ID.fullmatch(instance_id):
            raise ConfigError(f"{path}: entry {index}: instance_id must look like cri-<lowercase alnum>")
        if not isinstance(region, str) or not region:
            raise ConfigError(f"{path}: entry {index}: region must be a region id such as cn-hangzhou")
        repos = entry.get("repositories", [])
        if not isinstance(repos, list) or not all(isinstance(r, str) and _REPO.fullmatch(r) for r in repos):
            raise ConfigError(f"{path}: entry {index}: repositories must be a list of NS/REPO names")
        allowed.add((region, instance_id))
        repositories[(region, instance_id)] = tuple(repos)
    return InstancePolicy(frozenset(allowed)), repositories


_INSTANCE_KEYS = {"instance_id", "region", "repositories"}
_REPO = re.compile(r"[^/\s]+/[^/\s]+")


@dataclass(frozen=True, slots=True)
class CallRecord:
    action: str
    region: str
    params: Mapping[str, str]  # as sent (they can carry a rule's tokens: for assertions, never printed)
    ok: bool  # False: the service answered with an error
    notifying: frozenset[str]  # rules of `default` in `region` with a target, after the call

    def names(self, text: str) -> bool:
        """Whether any parameter (a rule name, an instance id, a pattern…) mentions `text`."""
        return any(text in value for value in self.params.values())


class EmulatorServer:
    """The emulated cloud on 127.0.0.1 (by default), with its state in SQLite.

    `on_events(bus: BusRef, events: list[dict])` is called after each PutEvents commits; it may be
    set after construction (`server.on_events = hook`) so a hook can close over `server.state`.
    """

    def __init__(
        self,
        *,
        state_path: str = ":memory:",
        host: str = "127.0.0.1",
        port: int = 0,
        access_key_id: str = DEFAULT_ACCESS_KEY_ID,
        access_key_secret: str = DEFAULT_ACCESS_KEY_SECRET,
        region: str = DEFAULT_REGION,
        regions: Sequence[str] = (),
        latency_ms: int = 0,
        fault_rate: float = 0.0,
        seed: int = 0,
        clock: Clock | None = None,
        instances_file: str | None = None,
        on_events: OnEvents | None = None,
        replay_checks: bool = False,
        variants: Variants | None = None,
    ) -> None:
        if not 0.0 <= fault_rate <= 1.0:
            raise ValueError(f"fault_rate must be between 0 and 1, not {fault_rate}")
        if latency_ms < 0:
            raise ValueError(f"latency_ms must not be negative, not {latency_ms}")
        self.regions: tuple[str, ...] = tuple(dict.fromkeys(regions)) or (region,)
        self.host, self.port, self.region = host, port, self.regions[0]
        self.access_key_id = access_key_id
        self.account_id = account_id_for(access_key_id)
        self.latency_ms = latency_ms
        self.clock: Clock = clock or SystemClock()
        self.on_events = on_events
        self._keys = {access_key_id: access_key_secret}
        # Off by default: tests and --local sign with a clock the emulator may not share.
        self._replay = ReplayGuard(self.clock) if replay_checks else None
        self._faults = _Faults(fault_rate, seed)
        self._scripted: dict[str, list[str]] = {}
        self._stats: Counter[str] = Counter()
        self._stats_lock = threading.Lock()
        self._in_flight = self._max_in_flight = 0
        self._calls: list[CallRecord] | None = None  # None: not recording
        instances, repositories = (
            parse_instances(instances_file) if instances_file else (InstancePolicy(), {})
        )
        self.variants = variants or Variants()
        self.state = EmulatorState(state_path, clock=self.clock, instances=instances, variants=self.variants)
        for (where, instance_id), names in repositories.items():
            if names:
                self.state.add_repositories(
                    self.account_id, where, instance_id=instance_id, repositories=names
                )
        self._httpds: list[_HTTPServer] = []
        self._threads: list[threading.Thread] = []

    # --- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> EmulatorServer:
        if self._httpds:
            raise RuntimeError("the emulator is already running")
        try:
            for index, region in enumerate(self.regions):
                self._httpds.append(_HTTPServer((self.host, self.port if index == 0 else 0), self, region))
        except OSError:
            self._close_listeners()
            raise
        for httpd in self._httpds:
            thread = threading.Thread(
                target=httpd.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"crnotify-emulator-{httpd.region}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)
        return self

    def _close_listeners(self) -> None:
        for httpd in self._httpds:
            httpd.server_close()
        self._httpds.clear()

    def stop(self) -> None:
        for httpd in self._httpds:
            httpd.shutdown()
            httpd.close_connections()
        for thread in self._threads:
            thread.join()
        self._threads.clear()
        self._close_listeners()
        self.state.close()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def endpoint(self) -> str:
        """`host:port` as the SDKs' `Config(endpoint=...)` takes it (the first region's port)."""
        return self.endpoints[self.region]

    @property
    def endpoints(self) -> dict[str, str]:
        """{region: `host:port`}: where each served region's calls go."""
        if not self._httpds:
            raise RuntimeError("the emulator is not running")
        return {
            httpd.region: f"{httpd.server_address[0]!s}:{httpd.server_address[1]}" for httpd in self._httpds
        }

    def endpoint_setting(self) -> str:
        """The `--endpoint`/CRNOTIFY_ENDPOINT value that sends each served region to its port."""
        return ",".join(f"{region}={address}" for region, address in self.endpoints.items())

    @property
    def url(self) -> str:
        return f"http://{self.endpoint}"

    # --- request counter -----------------------------------------------------------------------------

    def stats(self) -> dict[str, int]:
        with self._stats_lock:
            return dict(sorted(self._stats.items()))

    def concurrency(self) -> dict[str, int]:
        """API calls being handled now, and the most handled at once since the last reset."""
        with self._stats_lock:
            return {"in_flight": self._in_flight, "max_in_flight": self._max_in_flight}

    def reset_stats(self) -> None:
        with self._stats_lock:
            self._stats.clear()
            self._max_in_flight = self._in_flight

    def _begin(self, action: str) -> None:
        with self._stats_lock:
            self._stats[action] += 1
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)

    def _end(self) -> None:
        with self._stats_lock:
            self._in_flight -= 1

    def record_calls(self) -> None:
        """Start the call log (empty)."""
        with self._stats_lock:
            self._calls = []

    @property
    def calls(self) -> tuple[CallRecord, ...]:
        with self._stats_lock:
            return tuple(self._calls or ())

    def calls_naming(self, text: str) -> list[CallRecord]:
        return [call for call in self.calls if call.names(text)]

    def _record(self, action: str, call: Call, *, ok: bool) -> None:
        with self._stats_lock:
            if self._calls is None:
                return
        rules = self.state.all_rules(call.account, call.region, bus="default")
        record = CallRecord(
            action=action,
            region=call.region,
            params=dict(call.params),
            ok=ok,
            notifying=frozenset(r.name for r in rules if r.targets),
        )
        with self._stats_lock:
            if self._calls is not None:
                self._calls.append(record)

    # --- ACR's events --------------------------------------------------------------------------------

    def publish(self, body: bytes) -> dict[str, Any]:
        """`POST /_emulator/acr/events` `{"instance_id", "region"?, "events": [CloudEvent…]}`: ACR emits
        the events (`EmulatorState.publish_acr_events`), then the `on_events` hook delivers them.
        Unsigned like the other admin endpoints: the server binds loopback unless told otherwise."""
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            raise errors.INVALID_PARAMETER.error("the body is not JSON") from None
        if not isinstance(request, dict) or not isinstance(request.get("events"), list):
            raise errors.INVALID_PARAMETER.error('expected {"instance_id": …, "events": [CloudEvent, …]}')
        instance_id = request.get("instance_id")
        region = request.get("region") or self.region
        if not isinstance(instance_id, str) or not isinstance(region, str):
            raise errors.MISSING_PARAMETER.error("instance_id (and region, if given) must be strings")
        events = [e for e in request["events"] if isinstance(e, dict)]
        if len(events) != len(request["events"]) or not events:
            raise errors.EVENT_INVALID.error("events must be a non-empty list of JSON objects")
        self.state.settle()
        accepted = self.state.publish_acr_events(
            self.account_id, region, instance_id=instance_id, events=events
        )
        if self.on_events is not None:
            self.on_events(BusRef(self.account_id, region, "default"), accepted)
        return {"EventIds": [e["id"] for e in accepted]}

    # --- faults -------------------------------------------------------------------------------------

    def inject(self, action: str, fault: str, times: int = 1) -> None:
        """Make the next `times` calls of `action` (e.g. "CreateRule") fail with `fault` (one of FAULTS,
        or REJECT)."""
        if fault not in (*FAULTS, REJECT):
            raise ValueError(f"unknown fault {fault!r}; expected one of {', '.join((*FAULTS, REJECT))}")
        with self._stats_lock:
            self._scripted.setdefault(action, []).extend([fault] * times)

    def _scripted_fault(self, action: str) -> str | None:
        with self._stats_lock:
            queue = self._scripted.get(action)
            return queue.pop(0) if queue else None

    # --- one API call --------------------------------------------------------------------------------

    def handle(
        self, request: SignedRequest, request_id: str, region: str | None = None
    ) -> tuple[str | None, dict[str, Any] | None]:
        """(fault to act on, response body) for one request arriving on `region`'s port.

        Raises ServiceError."""
        if self._replay is None:
            verify(request, self._keys)
        else:
            verify(request, self._keys, must_sign=(*MUST_SIGN, *REPLAY_SIGNED))
            self._replay.check(request)
        version = _first(request.headers, "x-acs-version")
        action = _first(request.headers, "x-acs-action")
        self._begin(action)
        try:
            return self._call(request, request_id, version, action, region or self.region)
        finally:
            self._end()

    def _call(
        self, request: SignedRequest, request_id: str, version: str, action: str, port_region: str
    ) -> tuple[str | None, dict[str, Any] | None]:
        if self.latency_ms:
            # A real sleep on this request's own thread with the default SystemClock (concurrent calls
            # overlap, as on the cloud); with a ManualClock it only advances the clock.
            self.clock.sleep(self.latency_ms / 1000)
        fault = self._scripted_fault(action) or self._faults.draw()
        if fault == "drop_before":
            return fault, None
        if fault == "throttle":
            raise errors.THROTTLING.error("Request was denied due to request throttling.")
        if fault == "unavailable":
            raise errors.SERVICE_UNAVAILABLE.error("The service is unavailable; try again later.")
        route = routing.find(version, action)
        if action == "CreateEventCenterRule" and version == ACR_VERSION:
            _create_call(self.variants.create_call)
        params = dict(request.query)
        if _first(request.headers, "content-type").startswith("application/x-www-form-urlencoded"):
            try:
                params.update(parse_qsl(request.body.decode("utf-8"), keep_blank_values=True))
            except UnicodeDecodeError:
                raise errors.INVALID_PARAMETER.error("the form body is not UTF-8") from None
        if fault == REJECT:
            quoted = json.dumps(params, sort_keys=True, ensure_ascii=False)
            raise errors.INVALID_PARAMETER.error(f"a parameter is invalid: {quoted}")
        region = params.get("RegionId") or port_region
        if len(self.regions) > 1 and region not in self.regions:
            # A multi-region server answers only the regions it was asked to serve (one port each).
            raise errors.INVALID_PARAMETER.error(
                f"region {region} is not served by this emulator (it serves {', '.join(self.regions)}); "
                f"restart it with --regions {','.join((*self.regions, region))}"
            )
        call = Call(
            state=self.state,
            account=self.account_id,
            region=region,
            params=params,
            request_id=request_id,
            on_events=self.on_events,
        )
        self.state.settle()  # regeneration=async: bus rules now due appear before the call sees the bus
        try:
            body = route.handler(call)
            self._record(action, call, ok=True)
            return fault, body
        except errors.ServiceError as exc:
            self._record(action, call, ok=False)
            if self.variants.errors != "body":
                raise
            # errors=body: the service's own errors (not the gateway's: signature, throttling, an
            # unknown action) arrive in an HTTP 200 body with `Success: false`.
            return fault, error_body(exc.code, exc.message, request_id)


def _create_call(variant: str) -> None:
    """Variant create-call: CreateEventCenterRule unknown to the gateway, or denied by RAM."""
    if variant == "absent":
        raise errors.UNKNOWN_ACTION.error(UNKNOWN_ACTION_MESSAGE)
    if variant == "forbidden":
        raise errors.RAM_DENIED.error(RAM_DENIED_MESSAGE)


def _first(headers: dict[str, list[str]] | Any, name: str) -> str:
    values = headers.get(name) or [""]
    return str(values[0])


class _Faults:
    def __init__(self, rate: float, seed: int) -> None:
        self._rate = rate
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def draw(self) -> str | None:
        if self._rate <= 0:
            return None
        with self._lock:
            return self._rng.choice(FAULTS) if self._rng.random() < self._rate else None


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], emulator: EmulatorServer, region: str) -> None:
        self.emulator = emulator
        self.region = region  # calls without a RegionId arriving on this port are in this region
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """End kept-alive connections, so no handler thread serves a stopped emulator."""
        with self._open_lock:
            for connection in self._open:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
            self._open.clear()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the SDKs' connection pool expects
    # TCP_NODELAY: the status line and headers, then the body, are two writes; with Nagle's algorithm
    # on a kept-alive connection the body waits for the client's delayed ACK (~40 ms on Linux) —
    # far more than the call itself, and more than any --latency-ms a benchmark sets.
    disable_nagle_algorithm = True
    timeout = 60  # seconds an idle kept-alive connection is held
    server: _HTTPServer

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def _handle(self) -> None:
        url = urlsplit(self.path)
        if url.path.startswith(ADMIN_PREFIX):
            self._admin(url.path)
            return
        request_id = str(uuid.uuid4()).upper()
        emulator = self.server.emulator
        try:
            body = self._read_body()
            headers: dict[str, list[str]] = {}
            for name, value in self.headers.items():
                headers.setdefault(name.lower(), []).append(value)
            request = SignedRequest(
                method=self.command,
                path=url.path,
                query=parse_qsl(url.query, keep_blank_values=True),
                headers=headers,
                body=body,
            )
            fault, response = emulator.handle(request, request_id, self.server.region)
        except errors.ServiceError as exc:
            extra = (
                {"x-acs-retry-after": str(THROTTLE_RETRY_AFTER_MS)}
                if exc.code == errors.THROTTLING.code
                else {}
            )
            self._send(exc.http_status, error_body(exc.code, exc.message, request_id), request_id, extra)
            return
        except Exception:
            log.exception("emulator bug while handling %s", self.headers.get("x-acs-action"))
            failure = errors.INTERNAL_ERROR
            self._send(
                failure.http_status, error_body(failure.code, "internal error", request_id), request_id
            )
            return
        if fault in ("drop_before", "drop_after") or response is None:
            self._drop()
            return
        self._send(200, response, request_id)

    def _read_body(self) -> bytes:
        try:
            return http_guard.read_body(self, limit=MAX_BODY_BYTES, drain_limit=MAX_DRAINED_BYTES)
        except http_guard.BodyRefused as exc:
            failure = errors.BODY_TOO_LARGE if exc.too_large else errors.INVALID_PARAMETER
            raise failure.error(exc.reason) from None

    def _admin(self, path: str) -> None:
        emulator = self.server.emulator
        try:
            body = self._read_body()
            if path == ADMIN_PREFIX + "acr/events" and self.command == "POST":
                self._send(200, emulator.publish(body), "admin")
                return
        except errors.ServiceError as exc:
            self._send(exc.http_status, error_body(exc.code, exc.message, "admin"), "admin")
            return
        if path == ADMIN_PREFIX + "stats" and self.command == "GET":
            self._send(200, emulator.stats(), "admin")
        elif path == ADMIN_PREFIX + "regions" and self.command == "GET":
            self._send(200, emulator.endpoints, "admin")
        elif path == ADMIN_PREFIX + "concurrency" and self.command == "GET":
            self._send(200, emulator.concurrency(), "admin")
        elif path == ADMIN_PREFIX + "reset-stats" and self.command == "POST":
            emulator.reset_stats()
            self._send(200, {}, "admin")
        else:
            self._send(
                404, error_body("NotFound", f"no admin endpoint {self.command} {path}", "admin"), "admin"
            )

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (a request line over 64 KiB, bad headers) in the JSON shape the
        SDKs parse, so the caller gets a ClientException with a code, not an HTML page it cannot read."""
        failure = errors.URI_TOO_LONG if code == errors.URI_TOO_LONG.http_status else errors.BAD_REQUEST
        self.close_connection = True
        request_id = str(uuid.uuid4()).upper()
        self._send(code, error_body(failure.code, message or failure.when, request_id), request_id)

    def _send(self, status: int, body: Any, request_id: str, extra: dict[str, str] | None = None) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-acs-request-id", request_id)
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def log_message(self, format: str, *args: Any) -> None:
        # Query strings carry rule settings, DingTalk tokens included: never log them.
        log.debug(re.sub(r"\?\S*", "?…", format % args))
