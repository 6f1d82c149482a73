"""tests/README.md maps every module of src/crnotify to the tests that cover it; this keeps the map in
step with the tree: no module left out, no row for a module or a test file that is gone."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "crnotify"
TESTS = ROOT / "tests"
README = TESTS / "README.md"
HEADING = "## Which tests cover which module"
# A row: | `module path` | `test path`, `test path` |  (or — for a docstring-only __init__.py)
ROW = re.compile(r"\|\s*`(?P<module>[^`]+)`\s*\|(?P<tests>[^|]*)\|")
NO_TESTS = "—"


def table() -> dict[str, list[str]]:
    """Module path → test paths, from the README's table (the section under HEADING)."""
    text = README.read_text(encoding="utf-8")
    assert HEADING in text, f"tests/README.md has no section {HEADING!r}"
    rows: dict[str, list[str]] = {}
    for line in text.split(HEADING, 1)[1].splitlines():
        match = ROW.fullmatch(line.strip())
        if match is None:
            continue
        module = match["module"]
        assert module not in rows, f"tests/README.md lists {module} twice"
        cell = match["tests"].strip()
        rows[module] = [] if cell == NO_TESTS else re.findall(r"`([^`]+)`", cell)
        assert cell == NO_TESTS or rows[module], f"tests/README.md: {module} has an empty cell"
    return rows


def modules() -> set[str]:
    return {path.relative_to(PACKAGE).as_posix() for path in PACKAGE.rglob("*.py")}


def docstring_only(module: str) -> bool:
    body = ast.parse((PACKAGE / module).read_text(encoding="utf-8")).body
    return all(
        (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))
        or (isinstance(node, ast.ImportFrom) and node.module == "__future__")
        for node in body
    )


def test_every_module_is_in_the_map() -> None:
    missing = sorted(modules() - set(table()))
    assert not missing, f"add these modules of src/crnotify to the table in tests/README.md: {missing}"


def test_the_map_names_only_modules_that_exist() -> None:
    gone = sorted(set(table()) - modules())
    assert not gone, f"tests/README.md maps modules that src/crnotify no longer has: {gone}"


def test_the_map_names_only_test_files_that_exist() -> None:
    for module, tests in table().items():
        for test in tests:
            path = TESTS / test
            assert re.fullmatch(r"test_\w+\.py", path.name), (
                f"tests/README.md: {module}: {test} is no test file"
            )
            assert path.is_file(), f"tests/README.md: {module} is covered by {test}, which does not exist"


def test_only_docstring_only_packages_go_without_tests() -> None:
    for module, tests in table().items():
        if not tests:
            assert docstring_only(module), f"tests/README.md: {module} has code, so name its tests"
