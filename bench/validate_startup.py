"""Cold start of `crnotify validate examples/` divided by `python -c "import yaml, jsonschema, click"`.

Issue 8, benchmark b (target <= 1.5). Both are fresh interpreter processes (subprocesses of this
script) with the same environment; runs alternate between the two so both see the same machine load,
and the figure is median(validate) / median(imports).

Bytecode: an installed package ships compiled `.pyc` files (pip compiles at install time), while a
checkout run with PYTHONDONTWRITEBYTECODE=1 recompiles every module on each start. So that the figure
measures what users run, both commands get `PYTHONPYCACHEPREFIX` pointing at a temporary directory and
PYTHONDONTWRITEBYTECODE removed; the warm-up runs write the bytecode there, outside the checkout.

The validate command is started as the console script pip generates (`from crnotify.cli import main;
sys.exit(main())`), importing this checkout's `src/`.

Run: `PYTHONPATH=src python bench/validate_startup.py [--runs 21] [--no-bytecode]`. The last line is
the ratio. `--no-bytecode` keeps PYTHONDONTWRITEBYTECODE=1 (crnotify's modules compiled at every
start, the third-party packages' cached bytecode still used): what a bare checkout costs.
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

ROOT = Path(__file__).resolve().parent.parent
CONSOLE_SCRIPT = "import sys\nfrom crnotify.cli import main\nsys.exit(main())\n"
VALIDATE = [sys.executable, "-c", CONSOLE_SCRIPT, "validate", "examples/"]
IMPORTS = [sys.executable, "-c", "import yaml, jsonschema, click"]
WARM_UP = 3


def wall(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--runs", type=int, default=21, help="timed runs of each command (default 21)")
    parser.add_argument(
        "--no-bytecode",
        action="store_true",
        help="compile every module at every start (PYTHONDONTWRITEBYTECODE=1), as a bare checkout does",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="crnotify-bench-pyc-") as cache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env.update(PYTHONPATH=str(ROOT / "src"))
        if args.no_bytecode:  # the installed packages' own __pycache__ is still used
            env.update(PYTHONDONTWRITEBYTECODE="1")
        else:
            env.update(PYTHONPYCACHEPREFIX=cache)
        for _ in range(WARM_UP):
            wall(VALIDATE, env)
            wall(IMPORTS, env)
        validate, imports = [], []
        for _ in range(args.runs):
            validate.append(wall(VALIDATE, env))
            imports.append(wall(IMPORTS, env))
    v, i = statistics.median(validate), statistics.median(imports)
    print(f"crnotify validate examples/: median {v * 1000:.1f} ms over {args.runs} runs")
    print(f"python -c 'import yaml, jsonschema, click': median {i * 1000:.1f} ms over {args.runs} runs")
    print(f"ratio (target <= 1.5): {v / i:.2f}")


if __name__ == "__main__":
    main()
