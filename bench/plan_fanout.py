"""Plan wall time for 6 registries x 10 rules at 30 ms per API call, divided by the ideal; calls vs minimum.

Issue 8, benchmark a (targets: wall time / ideal <= 1.5; calls made / minimum = 1).

Setup: six registries, one per region (a region takes at most 10 ACR-generated bus rules, so 60 rules
need six regions), ten declared rules each (DingTalk or HTTPS, half with a bus template). One emulator
server per region on one SQLite state file — as `--local` runs — each sleeping `--latency-ms` on the
request's own thread before every API call. The servers run in a child process so that their work does
not compete with the client for this interpreter's lock. The rules are applied first (through
`crnotify.apply`), so the timed plan reads full state: every rule exists and is owned.

Timed: `read_live` + `plan` with a fresh `AlibabaProvider` (new SDK clients) per run — what `crnotify
plan` does once the YAML is loaded — through the official SDKs over HTTP. Median of `--runs`.

Minimum calls: one `ListRules` per region (every rule of a bus, 100 a page: the only way to see rules
that select an instance), one `ListEventCenterRuleName` per instance (the only source of registry-rule
ids), one `GetRule` per declared rule (the only single call giving a rule's targets with their
parameters). The emulator's counters (`GET /_emulator/stats`) give the calls made.

Ideal: every call takes `latency`; with `concurrency` calls at once and a dependency depth of 2 (the
list calls, then the GetRules they reveal), no schedule beats max(2, ceil(calls / concurrency)) rounds.

Run: `PYTHONPATH=src python bench/plan_fanout.py [--runs 5] [--concurrency 8] [--latency-ms 30]`.
The last line is the wall-time ratio; the line before it, the calls ratio.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

REGIONS = ("cn-hangzhou", "cn-shanghai", "cn-beijing", "cn-shenzhen", "cn-qingdao", "cn-zhangjiakou")
RULES_PER_REGISTRY = 10
SECRETS = {"DT_TOKEN": "dt-token-bench-0123", "DT_SECRET": "SECbench0123", "HOOK_TOKEN": "hook-bench-0123"}
DEPTH = 2  # list calls, then the GetRule calls they reveal


def serve(state: str, latency_ms: int) -> None:
    """Child process: one emulator per region on `state`; print their endpoints; stop at stdin EOF."""
    from crnotify.emulator.server import EmulatorServer  # noqa: PLC0415

    servers = [EmulatorServer(state_path=state, region=r, latency_ms=latency_ms).start() for r in REGIONS]
    print(json.dumps({s.region: s.endpoint for s in servers}), flush=True)
    sys.stdin.read()
    for server in servers:
        server.stop()


def config_yaml() -> str:
    lines = ["version: 1", "registries:"]
    for index, region in enumerate(REGIONS):
        lines += [f"  - name: reg{index}", "    provider: alibaba", f"    region: {region}"]
        lines += [f"    instance_id: cri-bench{index}"]
    lines.append("rules:")
    for index in range(len(REGIONS)):
        for number in range(RULES_PER_REGISTRY):
            lines += [f"  - name: r{index}-{number}", f"    registry: reg{index}", "    event: scan"]
            lines += ["    scope:", f"      namespaces: [team-{number}]", "    notify:"]
            if number % 2:
                lines += ["      https:", f"        url: https://hooks.example.com/{index}/{number}"]
                lines += ["        token: ${env:HOOK_TOKEN}"]
            else:
                lines += ["      dingtalk:"]
                lines += [
                    "        webhook: https://oapi.dingtalk.com/robot/send?access_token=${env:DT_TOKEN}"
                ]
                lines += ["        secret: ${env:DT_SECRET}"]
                lines += ["    bus:", "      template:", "        format: text"]
                lines += ["        text: '${RepoName}:${Tag} scanned'"]
    return "\n".join(lines) + "\n"


def admin(endpoint: str, path: str, method: str = "GET") -> dict[str, int]:
    request = urllib.request.Request(f"http://{endpoint}/_emulator/{path}", method=method)
    with urllib.request.urlopen(request, timeout=10) as response:
        answer: dict[str, int] = json.loads(response.read())
        return answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--latency-ms", type=int, default=30)
    parser.add_argument("--serve", nargs=2, metavar=("STATE", "LATENCY_MS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]))
        return

    from crnotify.apply import apply, read_live  # noqa: PLC0415
    from crnotify.cli.session import load_config  # noqa: PLC0415
    from crnotify.emulator.server import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET  # noqa: PLC0415
    from crnotify.planner import plan  # noqa: PLC0415
    from crnotify.providers.alibaba import AlibabaProvider  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="crnotify-bench-") as tmp:
        (Path(tmp) / "crnotify.yaml").write_text(config_yaml(), encoding="utf-8")
        config = load_config([tmp], env=SECRETS)
        child = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(Path(tmp) / "state.sqlite3"), str(args.latency_ms)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert child.stdout is not None
            endpoints: dict[str, str] = json.loads(child.stdout.readline())

            def provider() -> AlibabaProvider:
                keys = (DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET)
                return AlibabaProvider(endpoints=endpoints, access_key=keys, concurrency=args.concurrency)

            setup = provider()
            first = plan(config, read_live(config, setup))
            applied = apply(first, setup, config, concurrency=args.concurrency)
            if not applied.converged:
                raise SystemExit(f"setup apply did not converge: {applied}")

            walls, calls = [], Counter[str]()
            for _ in range(args.runs):
                for endpoint in endpoints.values():
                    admin(endpoint, "reset-stats", "POST")
                start = time.perf_counter()
                result = plan(config, read_live(config, provider()))
                walls.append(time.perf_counter() - start)
                if not result.is_empty or result.errors:
                    raise SystemExit("the plan after apply is not empty")
                run_calls = Counter[str]()
                for endpoint in endpoints.values():
                    run_calls.update(admin(endpoint, "stats"))
                if calls and run_calls != calls:
                    raise SystemExit(f"runs made different calls: {calls} then {run_calls}")
                calls = run_calls
        finally:
            if child.stdin is not None:
                child.stdin.close()
            child.wait(timeout=30)

    registries, rules = len(REGIONS), len(REGIONS) * RULES_PER_REGISTRY
    minimum = Counter({"ListRules": len(REGIONS), "ListEventCenterRuleName": registries, "GetRule": rules})
    made, least = sum(calls.values()), sum(minimum.values())
    rounds = max(DEPTH, math.ceil(least / args.concurrency))
    ideal = rounds * args.latency_ms / 1000
    wall = statistics.median(walls)
    print(
        f"{registries} registries x {RULES_PER_REGISTRY} rules in {len(REGIONS)} regions, "
        f"{args.latency_ms} ms per call, concurrency {args.concurrency}"
    )
    print("API calls made: " + ", ".join(f"{action} {count}" for action, count in sorted(calls.items())))
    print("minimum:        " + ", ".join(f"{action} {count}" for action, count in sorted(minimum.items())))
    print(
        f"plan wall time: median {wall * 1000:.0f} ms over {args.runs} runs "
        f"(min {min(walls) * 1000:.0f}, max {max(walls) * 1000:.0f}); "
        f"ideal {ideal * 1000:.0f} ms = {rounds} rounds of {args.concurrency} calls x {args.latency_ms} ms"
    )
    print(f"API calls / minimum (target 1): {made}/{least} = {made / least:.2f}")
    print(f"wall time / ideal (target <= 1.5): {wall / ideal:.2f}")


if __name__ == "__main__":
    main()
