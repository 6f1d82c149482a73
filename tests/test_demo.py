"""The README's main command works on a fresh machine: scripts/demo.sh plans, applies and plans again on
the embedded local cloud, and the second plan says there is nothing to do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_demo_script_ends_with_no_changes() -> None:
    env = {
        **os.environ,
        "CRNOTIFY": f"{sys.executable} -m crnotify",
        "PYTHONPATH": str(REPO / "src"),
        "NO_COLOR": "1",
    }
    result = subprocess.run(
        ["bash", str(REPO / "scripts" / "demo.sh")], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Apply complete!" in result.stdout
    # The examples' aws registry is skipped under --local, so the last plan says what it read, and
    # never that the whole cloud matches (issue 16 item 1).
    assert result.stdout.rstrip().endswith(
        "): ecr-use1\n\nNo changes to the registries read (the skipped ones are listed above)."
    )
    for secret in ("demo-release-token", "SECdemo-release-secret", "demo-audit-token", "demo-mirror-key"):
        assert secret not in result.stdout + result.stderr
