"""The README's two commands are the ones the project runs: the fresh-machine demo (run by
test_demo.py) and the test command, which `.ci/run` calls verbatim and which runs every check of
issue 2 item 7. The validate output the README shows is what `validate examples/` prints."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text()


def _section_commands(heading: str) -> list[str]:
    section = README.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)\n```", section, flags=re.DOTALL)


def _commands(path: Path) -> list[str]:
    return [
        line.strip()
        for line in path.read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def test_the_demo_command_creates_a_venv_installs_and_runs_the_demo() -> None:
    (command,) = _section_commands("Try it (no cloud account needed)")
    assert command == "python3 -m venv .venv && .venv/bin/pip install -q -e . && bash scripts/demo.sh"


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    (command,) = _section_commands("Run the tests")
    assert command == "bash scripts/test.sh"
    ci = _commands(REPO / ".ci" / "run")
    assert ci[-1] == command
    assert all(c.startswith(("set ", "cd ")) for c in ci[:-1]), ci  # nothing else runs


def test_the_test_command_installs_the_test_extra_and_runs_every_check() -> None:
    steps = [shlex.split(c) for c in _commands(REPO / "scripts" / "test.sh")]
    assert any("-e" in s and ".[test]" in s for s in steps)
    ran = [" ".join(s[:3]) for s in steps if s and s[0].startswith(".venv/bin/")]
    assert ran == [
        ".venv/bin/python -m pip",
        ".venv/bin/ruff check src",
        ".venv/bin/ruff format --check",
        ".venv/bin/mypy",
        ".venv/bin/lint-imports",
        ".venv/bin/python -m pytest",
    ]
    pytest_step = next(s for s in steps if s[:3] == [".venv/bin/python", "-m", "pytest"])
    options = pytest_step[3:]  # the whole suite: nothing selected away
    assert not any(a.startswith(("-k", "-m", "--deselect", "--ignore", "tests/")) for a in options)


def test_the_validate_output_in_the_readme_is_real() -> None:
    shown = README.split("valid: 0 errors", 1)[1].split("```", 1)[0]
    lines = ["valid: 0 errors" + shown.splitlines()[0], *shown.splitlines()[1:]]
    golden = (REPO / "tests" / "golden" / "validate-examples.txt").read_text().splitlines()
    for line in lines:
        if line and line != "...":
            assert line in golden, line
    for path in re.findall(r"crnotify validate (examples/[\w/.-]+\.yaml)", README):
        assert (REPO / path).is_file(), path
