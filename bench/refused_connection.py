"""A refused connection (a stopped emulator) against a trivial command: `crnotify plan --endpoint` to a
port nothing listens on, divided by `crnotify validate` of the same config (issue 16 item 5).

Before the fix the plan took 10–12 s (six tries with backoff); a refused connection to an explicit
endpoint is not transient, so it now fails on the first try and costs what a command that reads the
config costs, plus the SDKs' imports. Both are fresh interpreter processes run alternately; the figure
is median(plan) / median(validate), with the plan's own median (target: under 2 s) the line before:
the plan also imports the SDKs, which validate never does, so the ratio stays above 1.

The port is one an emulator listened on a moment before (`EmulatorServer`, stopped again): nothing
else may listen there while the script runs. The plan's message is checked to be the whole sentence.

Run: `PYTHONPATH=src python bench/refused_connection.py [--runs 7]`. The last line is the ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from crnotify.emulator.server import EmulatorServer

ROOT = Path(__file__).resolve().parent.parent
CONFIG = """\
version: 1
registries:
  - {name: prod-hz, provider: alibaba, region: cn-hangzhou, instance_id: cri-bench0001}
rules:
  - name: acr-scan
    registry: prod-hz
    event: scan
    scope: {namespaces: [team-a]}
    notify:
      https: {url: https://hooks.example.com/acr}
"""


def wall(argv: list[str], env: dict[str, str], expect: int) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=120)
    elapsed = time.perf_counter() - start
    if done.returncode != expect:
        raise SystemExit(f"{' '.join(argv)} exited {done.returncode}:\n{done.stderr}")
    return elapsed, done.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each command (default 7)")
    args = parser.parse_args()
    server = EmulatorServer().start()
    endpoint = server.endpoint
    server.stop()
    with tempfile.TemporaryDirectory(prefix="crnotify-bench-") as work:
        config = Path(work) / "c.yaml"
        config.write_text(CONFIG)
        env = {k: v for k, v in os.environ.items() if not k.startswith("CRNOTIFY_")}
        env.update(PYTHONPATH=str(ROOT / "src"), ALIBABA_CLOUD_ECS_METADATA_DISABLED="true")
        plan = [sys.executable, "-m", "crnotify", "plan", str(config), "--endpoint", endpoint]
        validate = [sys.executable, "-m", "crnotify", "validate", str(config)]
        _, message = wall(plan, env, 1)  # warm-up, and the message checked once
        wall(validate, env, 0)
        first = message.splitlines()[0]
        if not (first.startswith(f"Error: nothing listens at {endpoint}") and first.endswith(" failed")):
            raise SystemExit(f"unexpected message: {message}")
        plans, validates = [], []
        for _ in range(args.runs):
            plans.append(wall(plan, env, 1)[0])
            validates.append(wall(validate, env, 0)[0])
    p, v = statistics.median(plans), statistics.median(validates)
    print(f"message: {first}")
    print(f"crnotify plan --endpoint {endpoint} (refused): median {p * 1000:.0f} ms over {args.runs} runs")
    print(f"crnotify validate: median {v * 1000:.0f} ms over {args.runs} runs")
    print(f"ratio (plan under 2 s): {p / v:.2f}")


if __name__ == "__main__":
    main()
