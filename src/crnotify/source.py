"""Where a value came from: `Mark(file, line, col)` and a side table from data paths to marks.

Checks report a logical path (`("rules", 2, "notify", "dingtalk", "secret")`); this module is the one
place that turns a path into `file:line:col`. When the path does not exist in the file (a missing
required field, a default), the nearest ancestor that does exist is used (the cfn-lint idea, kept as a
side table instead of str/dict subclasses).
"""

from __future__ import annotations

from dataclasses import dataclass

PathPart = str | int
Path = tuple[PathPart, ...]


@dataclass(frozen=True, slots=True, order=True)
class Mark:
    """A position in a file; `line` and `col` count from 1."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


class SourceMap:
    """Path → Mark for one YAML document, with separate marks for values and for mapping keys.

    The key mark is where `name:` starts; the value mark is where its value starts. Unknown or
    duplicate keys are reported at the key; wrong values at the value.
    """

    __slots__ = ("_keys", "_values", "file")

    def __init__(self, file: str) -> None:
        self.file = file
        self._values: dict[Path, Mark] = {}
        self._keys: dict[Path, Mark] = {}

    def add_value(self, path: Path, line: int, col: int) -> None:
        self._values.setdefault(path, Mark(self.file, line, col))

    def add_key(self, path: Path, line: int, col: int) -> None:
        self._keys.setdefault(path, Mark(self.file, line, col))

    def lookup(self, path: Path, *, key: bool = False) -> Mark:
        """The mark of `path` (its key when `key` and it has one), else of its nearest ancestor."""
        if key and path in self._keys:
            return self._keys[path]
        for end in range(len(path), -1, -1):
            mark = self._values.get(path[:end])
            if mark is not None:
                return mark
        return Mark(self.file, 1, 1)

    def __contains__(self, path: object) -> bool:
        return path in self._values

    def __len__(self) -> int:
        return len(self._values)


def format_path(path: Path) -> str:
    """`("rules", 0, "notify")` → `rules[0].notify`; the empty path is `$` (the whole document)."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text or "$"
