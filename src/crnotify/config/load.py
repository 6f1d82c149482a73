"""Paths → `Config` and diagnostics. Errors are values: `load` never raises for bad input.

Steps: find the files (a directory means the `*.yaml`/`*.yml` files directly in it, sorted; its
subdirectories are not searched, so `examples/invalid/` does not leak into `examples/`), read them
as UTF-8, parse YAML (`yaml_load`), validate each document against the JSON Schema (`schema`), then
run the semantic checks over the schema-valid registries and rules of all documents together
(`semantic`). The config is built only when there is no error; warnings do not prevent it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from crnotify import userfile
from crnotify.config import schema, semantic, yaml_load
from crnotify.diagnostics import Diagnostic, codes, error, has_errors, sort_diagnostics
from crnotify.diagnostics.reporter import Item
from crnotify.model import Config, Ignore
from crnotify.source import Mark

YAML_SUFFIXES = (".yaml", ".yml")
MAX_FILE_BYTES = userfile.CONFIG_BYTES


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadResult:
    """`config` is None when any diagnostic is an error."""

    config: Config | None
    diagnostics: tuple[Diagnostic, ...]
    files: tuple[str, ...] = ()  # the YAML files read, in load order

    @property
    def ok(self) -> bool:
        return self.config is not None


def load(
    paths: Sequence[str], *, env: Mapping[str, str] | None = None, for_cloud: bool = False
) -> LoadResult:
    """Load and check the config at `paths` (files or directories; none means the current directory).

    `env` resolves `${env:NAME}` (default: `os.environ`; empty values count as unset). An unset
    variable is a warning, or an error when `for_cloud` (the command is about to call the cloud).
    """
    if isinstance(paths, str):
        paths = [paths]
    environment = {k: v for k, v in (os.environ if env is None else env).items() if v}
    files, diagnostics = find_files(list(paths) or ["."])
    registries: list[Item] = []
    rules: list[Item] = []
    ignores: list[Item] = []
    broken_registry_names: set[str] = set()
    for file in files:
        text, problem = _read(file)
        if problem is not None:
            diagnostics.append(problem)
            continue
        documents, found = yaml_load.parse(text, file)
        diagnostics.extend(found)
        for document in documents:
            schema_diagnostics = schema.check(document.data, document.source)
            diagnostics.extend(schema_diagnostics)
            broken = {d.path for d in schema_diagnostics}
            _collect(document, "registries", broken, registries, broken_registry_names)
            _collect(document, "rules", broken, rules, set())
            _collect(document, "ignore", broken, ignores, set())
    checked = semantic.check(
        registries,
        rules,
        broken_registry_names=broken_registry_names,
        env=environment,
        for_cloud=for_cloud,
    )
    diagnostics.extend(checked.diagnostics)
    ordered = sort_diagnostics(diagnostics)
    config = (
        None
        if has_errors(ordered)
        else Config(registries=checked.registries, rules=checked.rules, ignore=_ignores(ignores))
    )
    return LoadResult(config=config, diagnostics=ordered, files=tuple(files))


def _collect(
    document: yaml_load.Document,
    section: str,
    broken: set[tuple[str | int, ...]],
    into: list[Item],
    broken_names: set[str],
) -> None:
    """Add the schema-valid items of `section`; remember the names of the others."""
    data = document.data
    if not isinstance(data, dict) or not isinstance(data.get(section), list):
        return
    for index, value in enumerate(data[section]):
        path = (section, index)
        if any(p[:2] == path for p in broken) or not isinstance(value, dict):
            if isinstance(value, dict) and isinstance(value.get("name"), str):
                broken_names.add(value["name"])
            continue
        into.append(Item(document.source, path, value))


def _ignores(items: Sequence[Item]) -> tuple[Ignore, ...]:
    """The schema-valid `ignore:` entries of every file (`crnotify.planner.ignore` applies them)."""
    return tuple(
        Ignore(
            registry=str(item.data["registry"]),
            rules=tuple(str(name) for name in item.data.get("rules", ())),
            fields=tuple(str(field) for field in item.data.get("fields", ())),
        )
        for item in items
    )


def find_files(paths: Sequence[str]) -> tuple[list[str], list[Diagnostic]]:
    """The YAML files named by `paths`, each once, in the order given (directories sorted)."""
    files: list[str] = []
    seen: set[str] = set()
    diagnostics: list[Diagnostic] = []

    def add(file: str) -> None:
        real = os.path.realpath(file)
        if real not in seen:
            seen.add(real)
            files.append(file)

    for path in paths:
        if not path:
            diagnostics.append(error(codes.PATH_UNREADABLE, "an empty path was given", hint="check the path"))
            continue
        shown = os.path.normpath(path)
        if os.path.isdir(path):
            try:
                names = sorted(os.listdir(path))
            except OSError as exc:
                diagnostics.append(_unreadable(userfile.unreadable(shown, exc)))
                continue
            found = []
            for name in names:
                if not name.endswith(YAML_SUFFIXES) or name.startswith("."):
                    continue
                file = os.path.normpath(os.path.join(path, name))
                if os.path.isdir(file):
                    continue  # subdirectories are not searched, whatever their name
                # Anything else is read, and a file that cannot be (a dangling link, a loop, a FIFO,
                # no permission) is an error, never a skip: skipping a file of a broken mount in CI
                # would make apply delete every rule that file declares.
                found.append(file)
            if not found:
                diagnostics.append(
                    _located(
                        error(
                            codes.NO_YAML_FILES,
                            f"directory {shown} holds no *.yaml or *.yml file",
                            hint="name the files to load, or the directory that holds them "
                            "(subdirectories are not searched)",
                        ),
                        shown,
                    )
                )
            for file in found:
                add(file)
        elif os.path.isfile(path):
            add(shown)
        elif os.path.exists(path):
            diagnostics.append(
                _located(
                    error(
                        codes.PATH_UNREADABLE,
                        f"{shown} is neither a regular file nor a directory",
                        hint="name YAML files, or directories that hold them",
                    ),
                    shown,
                )
            )
        elif os.path.islink(path):  # a link to nothing (or to itself): "does not exist" would puzzle
            diagnostics.append(
                _located(
                    error(
                        codes.PATH_UNREADABLE,
                        f"{shown} is a symbolic link to {os.readlink(path)}, which cannot be followed",
                        hint="fix or remove the link",
                    ),
                    shown,
                )
            )
        else:
            diagnostics.append(
                _located(
                    error(codes.PATH_UNREADABLE, f"{shown} does not exist", hint="check the path"),
                    shown,
                )
            )
    return files, diagnostics


def _located(diagnostic: Diagnostic, file: str) -> Diagnostic:
    """A diagnostic about a whole path: it has a file but no line."""
    return Diagnostic(
        code=diagnostic.code,
        severity=diagnostic.severity,
        message=diagnostic.message,
        hint=diagnostic.hint,
        file=file,
    )


def _unreadable(exc: userfile.UnreadableFile) -> Diagnostic:
    if isinstance(exc, userfile.NotText):
        return error(
            codes.NOT_TEXT,
            f"the file is not UTF-8 text (byte 0x{exc.byte:02x} at line {exc.line}, column {exc.col})",
            hint="save it as UTF-8; binary files are not configs",
        ).at(Mark(exc.path, exc.line, exc.col))
    code = codes.NOT_TEXT if isinstance(exc, userfile.FileTooLarge) else codes.PATH_UNREADABLE
    return _located(error(code, exc.message, hint=exc.hint), exc.path)


def _read(file: str) -> tuple[str, Diagnostic | None]:
    try:
        return userfile.read_text(file, limit=MAX_FILE_BYTES), None
    except userfile.UnreadableFile as exc:
        return "", _unreadable(exc)
