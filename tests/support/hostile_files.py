"""Hostile inputs of issue 13 (items 1, 8, 9 and the event-file bullet), as `crnotify` command lines.

`build(directory)` writes the files and returns {case: argv}. tests/test_fuzz_cli.py runs each
in-process (a clear error, exit 1, no traceback); bench/hostile_inputs.py runs each in a subprocess
and prints its time and peak memory against a trivial valid input (the `TRIVIAL` case).
"""

from __future__ import annotations

import os
from pathlib import Path

# Nothing listens there: every case must fail before any call to the cloud.
ENDPOINT = ("--endpoint", "cn-hangzhou=127.0.0.1:9")
TRIVIAL = "trivial-valid"
VALID = "version: 1\n"
MiB = 1024 * 1024


def build(directory: Path) -> dict[str, list[str]]:
    """Write the hostile files under `directory` (which must be empty) and return their command lines."""

    def write(name: str, content: str) -> str:
        path = directory / name
        path.write_text(content, encoding="utf-8")
        return str(path)

    def config_dir(name: str, bad: str) -> str:
        folder = directory / name
        folder.mkdir()
        (folder / "a.yaml").write_text(VALID)
        target = folder / "b.yaml"
        if bad == "dangling":
            target.symlink_to(folder / "missing.yaml")
        elif bad == "loop":
            target.symlink_to(target)
        else:
            os.mkfifo(target)
        return str(folder)

    fifo = directory / "pipe.json"
    os.mkfifo(fifo)
    valid = write("valid.yaml", VALID)
    cases: dict[str, list[str]] = {TRIVIAL: ["validate", valid]}
    for bad in ("dangling", "loop", "fifo"):
        cases[f"config-dir-{bad}"] = ["plan", config_dir(f"config-{bad}", bad), *ENDPOINT]
    # 2 million items in a flow list: just under the 4 MiB cap (issue 13, item 9).
    cases["yaml-flow-list-2m"] = ["plan", write("flow.yaml", "[" + "1," * 2_000_000 + "1]"), *ENDPOINT]
    cases["yaml-flow-deep"] = ["plan", write("deep.yaml", "a: " + "[" * (2 * MiB)), *ENDPOINT]
    cases["yaml-block-mapping-big"] = [
        "plan",
        write("keys.yaml", "".join(f"k{i}: {i}\n" for i in range(300_000))),
        *ENDPOINT,
    ]
    laughs = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    laughs += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    cases["yaml-alias-bomb"] = ["plan", write("laughs.yaml", "\n".join(laughs) + "\n"), *ENDPOINT]
    cases["yaml-over-cap"] = ["plan", write("big.yaml", "# " + "x" * (5 * MiB) + "\n"), *ENDPOINT]
    # Unbounded reads (item 8).
    cases["match-dev-zero"] = ["match", "{}", "/dev/zero"]
    cases["match-fifo"] = ["match", "{}", str(fifo)]
    cases["apply-plan-dev-zero"] = ["apply", "--plan", "/dev/zero", *ENDPOINT]
    cases["apply-plan-fifo"] = ["apply", "--plan", str(fifo), *ENDPOINT]
    cases["event-over-cap"] = ["match", "{}", write("huge.json", '{"a": "' + "x" * (2 * MiB) + '"}')]
    # Event files (the smaller bullets): located errors, for match and for test.
    events = {
        "event-deep": "[" * MiB,
        "event-digits": '{"n": ' + "7" * 5000 + "}",
        "event-nan": '{"n": NaN}',
        "event-surrogate": '{"tag": "v\\ud800"}',
    }
    for name, text in events.items():
        path = write(f"{name}.json", text)
        cases[f"match-{name}"] = ["match", "{}", path]
        cases[f"test-{name}"] = ["test", valid, "--events", path]
    cases["yaml-surrogate"] = [
        "plan",
        write("surrogate.yaml", 'version: 1\nx-note: "\\ud800"\n'),
        *ENDPOINT,
    ]
    return cases
