"""Delivery throughput: the emulator's dispatcher versus plain sequential urllib POSTs (issue 8, 4d).

Both sides post to the same local HTTP receiver (stdlib ThreadingHTTPServer on 127.0.0.1, HTTP/1.1).
The dispatcher side does everything the emulator does per event — match the rule's compiled pattern,
render the target's Body (ORIGINAL: the whole CloudEvent), POST it, record the PutEvent/FilterEvent/
PushEvent traces in memory. The baseline only POSTs the already-serialised body with
`urllib.request.urlopen`. Rounds alternate between the two to share any machine noise; the figure is
the median over rounds of (dispatcher events/s ÷ urllib POSTs/s). Target ≥ 0.8.

Run: `PYTHONPATH=src python bench/delivery_throughput.py [--events 300] [--rounds 5]`
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from crnotify.clock import SystemClock
from crnotify.emulator.bus_router import Dispatcher, Route
from crnotify.model import EventType, NotifyMethod, Scope
from crnotify.offline.samples import acr_event
from crnotify.patterns import compile_pattern
from crnotify.providers.alibaba.convention import RegistrySpec, default_bus_rule


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


class MemoryTraces:
    """Keeps traces in a list, as cheaply as the emulator's state could at best."""

    def __init__(self) -> None:
        self.traces: list[dict[str, Any]] = []

    def record_trace(self, account: str, region: str, **fields: Any) -> None:
        self.traces.append({"account": account, "region": region, **fields})


def run_dispatcher(dispatcher: Dispatcher, routes: list[Route], events: list[dict[str, Any]]) -> float:
    start = time.perf_counter()
    for event in events:
        result = dispatcher.dispatch("1234567890123456", "cn-hangzhou", "default", event, routes)
        assert result.outcomes, result
        assert all(o.ok for o in result.outcomes), result
    return len(events) / (time.perf_counter() - start)


def run_urllib(url: str, bodies: list[bytes]) -> float:
    start = time.perf_counter()
    for body in bodies:
        request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
            assert response.status == 200
    return len(bodies) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=300, help="events per round and side")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        spec = RegistrySpec(
            rule_name="bench", event_type=EventType.SCAN, scope=Scope(), tag_pattern=".*",
            method=NotifyMethod.HTTP, url=url, secret="bench-token",
        )  # fmt: skip
        rule = default_bus_rule(spec, "cri-bench")
        routes = [Route(name=rule.name, matcher=compile_pattern(rule.pattern), targets=rule.targets)]
        events = [
            acr_event(
                EventType.SCAN,
                instance_id="cri-bench",
                namespace="team",
                repository="api",
                tag=f"v{i}",
                at=1_767_225_600 + i,
            )
            for i in range(args.events)
        ]
        bodies = [json.dumps(e, ensure_ascii=False, separators=(",", ":")).encode() for e in events]
        dispatcher = Dispatcher(clock=SystemClock(), traces=MemoryTraces(), seed=0)
        run_dispatcher(dispatcher, routes, events[:20])  # warm up both paths
        run_urllib(url, bodies[:20])
        ratios = []
        for round_no in range(args.rounds):
            if round_no % 2 == 0:
                ours, base = run_dispatcher(dispatcher, routes, events), run_urllib(url, bodies)
            else:
                base, ours = run_urllib(url, bodies), run_dispatcher(dispatcher, routes, events)
            ratios.append(ours / base)
            print(f"round {round_no + 1}: dispatcher {ours:7.0f} events/s, urllib {base:7.0f} POSTs/s")
        dispatcher.close()
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
    print("delivery throughput ÷ sequential urllib POSTs (median, target ≥ 0.8):")
    print(f"{statistics.median(ratios):.2f}")


if __name__ == "__main__":
    main()
