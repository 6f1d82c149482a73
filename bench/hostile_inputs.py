"""Time and peak memory of `crnotify` on each hostile input of issue 13, against a trivial valid one.

    PYTHONPATH=src python bench/hostile_inputs.py [--timeout 60]

Each case (tests/support/hostile_files.py: unreadable config entries, /dev/zero and FIFOs, a 2-million-item
YAML flow list, deep nesting, an alias bomb, hostile event JSON) runs once in a fresh interpreter;
its wall time and peak RSS come from `os.wait4`, the resource usage of that child alone. A case that
exits 0, or does not finish within --timeout seconds (a FIFO that hangs), is reported as FAILED.
Targets: every case well under a second and 100 MB. The last line is the worst ratio to the trivial
input, for time and for memory.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRIVIAL = "trivial-valid"  # tests/TRIVIAL
# The cases live beside the fuzz test (tests/ is not a package). They are built in a child process:
# Linux carries a process's peak RSS across fork and exec, so a parent that had held the 4 MiB
# texts would raise every measured child's peak to its own.
BUILD = (
    "from support import hostile_files; import json, pathlib, sys; "
    "print(json.dumps(hostile_files.build(pathlib.Path(sys.argv[1]))))"
)


def build(directory: str) -> dict[str, list[str]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "tests")}
    out = subprocess.run(
        [sys.executable, "-c", BUILD, directory], env=env, check=True, capture_output=True, text=True
    ).stdout
    cases: dict[str, list[str]] = json.loads(out)
    return cases


def measure(argv: list[str], timeout: float) -> tuple[float, float, int | None]:
    """(seconds, peak RSS in MiB, exit code or None on timeout) of `python -m crnotify *argv`."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "NO_COLOR": "1"}
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "crnotify", *argv],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = started + timeout
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            child.returncode = os.waitstatus_to_exitcode(status)  # Popen must not wait for it again
            return time.perf_counter() - started, usage.ru_maxrss / 1024, child.returncode
        if time.perf_counter() > deadline:
            child.kill()
            _, _, usage = os.wait4(child.pid, 0)
            child.returncode = -9
            return timeout, usage.ru_maxrss / 1024, None
        time.sleep(0.005)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds before a case counts as hung")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        cases = build(directory)
        base_seconds, base_mib, base_code = measure(cases[TRIVIAL], args.timeout)
        assert base_code == 0, "the trivial input must be valid"
        print(f"{'case':28} {'seconds':>8} {'MiB':>7} {'time ×':>7} {'RSS ×':>6}  exit")
        print(f"{TRIVIAL:28} {base_seconds:8.3f} {base_mib:7.1f} {1:7.2f} {1:6.2f}  0")
        worst_time = worst_rss = 0.0
        failed = []
        for name, argv in cases.items():
            if name == TRIVIAL:
                continue
            seconds, mib, code = measure(argv, args.timeout)
            time_ratio, rss_ratio = seconds / base_seconds, mib / base_mib
            worst_time, worst_rss = max(worst_time, time_ratio), max(worst_rss, rss_ratio)
            verdict = "hung" if code is None else str(code)
            if code != 1:
                failed.append(name)
            print(f"{name:28} {seconds:8.3f} {mib:7.1f} {time_ratio:7.2f} {rss_ratio:6.2f}  {verdict}")
    if failed:
        print(f"FAILED (exit other than 1, or hung): {', '.join(failed)}")
    print(f"worst ratio to the trivial input: time {worst_time:.2f}, peak RSS {worst_rss:.2f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
