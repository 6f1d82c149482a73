"""Structural guards: every module imports alone in a fresh interpreter (no cycles, no import-time I/O),
and the light commands do not pay for the cloud SDKs."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import crnotify

MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(crnotify.__path__, prefix="crnotify.")
    if not m.name.endswith("__main__")
)


@pytest.mark.parametrize("module", MODULES)
def test_module_imports_alone(module: str) -> None:
    code = (
        "import socket, sys\n"
        "def refuse(*a, **k): raise RuntimeError('network I/O at import time')\n"
        "socket.socket.connect = refuse\n"
        f"import {module}\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("argv", [["--help"], ["validate", "--help"]])
def test_light_commands_do_not_import_cloud_sdks(argv: list[str]) -> None:
    code = (
        "import sys\n"
        "from crnotify.cli import main\n"
        f"rc = main({argv!r})\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'boto3', 'botocore', 'alibabacloud_tea_openapi', 'alibabacloud_cr20181201', "
        "'alibabacloud_eventbridge20200401', 'darabonba', 'moto'})\n"
        "print(heavy)\n"
        "sys.exit(rc)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"
