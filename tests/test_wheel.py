"""The wheel users install holds what the code reads at run time: the JSON Schema (issue 2 item 4,
"shipped inside the wheel"), loaded through importlib.resources, and the `crnotify` console script.
Built in-process with the project's own build backend (hatchling), as `pip wheel .` would."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from hatchling.builders.wheel import WheelBuilder

from crnotify.config.schema import SCHEMA_RESOURCE, config_schema

REPO = Path(__file__).resolve().parent.parent


def test_the_wheel_ships_the_schema_and_the_console_script(tmp_path: Path) -> None:
    (wheel,) = WheelBuilder(str(REPO)).build(directory=str(tmp_path), versions=["standard"])
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        # The repository's schemas/ holds a symlink; the wheel must hold the file itself.
        assert json.loads(archive.read(f"crnotify/{SCHEMA_RESOURCE}")) == config_schema()
        (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        assert "crnotify = crnotify.cli:main" in archive.read(entry_points).decode().splitlines()
        assert "crnotify/__main__.py" in names  # python -m crnotify
    assert not any(n.startswith(("tests/", "examples/", "bench/")) for n in names)
