"""YAML text → plain data plus a `SourceMap`. The only module that imports `yaml`.

We compose (not construct) so every node keeps its position, then build plain dicts, lists and
scalars ourselves. That is where the things PyYAML accepts silently become diagnostics: duplicate
keys (PyYAML keeps the last one), keys that are not text, tags other than YAML's core types,
recursive aliases, and data nested or expanded beyond sane limits. Merge keys (`<<: *anchor`) are
supported; merged values keep the position of the anchor they came from.

A file may hold several documents (`---`); each becomes its own `Document`.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from crnotify.diagnostics import Diagnostic, codes, error, quote, warning
from crnotify.source import Mark, Path, SourceMap

MAX_DEPTH = 64  # the format nests 6 levels; deeper data is a mistake or an attack
# A rule is 20-60 values, and ACR takes 10 rules a region (EventBridge 300 a bus): 10,000 values in
# one file is far more than a config holds. The budget is counted while PyYAML composes (its pure
# Python composer does some 20,000-50,000 nodes a second), so a hostile file (`[1,1,1,…]`: 2 million
# items fit in 4 MiB) stops after 10,000 nodes instead of being composed whole (a minute, gigabytes)
# and refused afterwards. The same number bounds what aliases expand to ("billion laughs").
MAX_NODES = 10_000

_CORE = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_CORE}{t}" for t in ("null", "bool", "int", "float", "str", "timestamp")}
_MAPPING_TAG = f"{_CORE}map"
_SEQUENCE_TAG = f"{_CORE}seq"
_MERGE_TAG = f"{_CORE}merge"


@dataclass(frozen=True, slots=True)
class Document:
    """One YAML document: its data (dicts, lists, str, int, float, bool, None) and where each part is."""

    file: str
    data: object
    source: SourceMap


def _short(tag: str) -> str:
    """`tag:yaml.org,2002:binary` as it is written in YAML, `!!binary`."""
    return "!!" + tag.removeprefix(_CORE) if tag.startswith(_CORE) else tag


class _Abort(Exception):
    """Stop converting a document; the diagnostic says why."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


def parse(text: str, file: str) -> tuple[list[Document], list[Diagnostic]]:
    """Parse `text` (already decoded) read from `file`. Never raises for any input."""
    diagnostics: list[Diagnostic] = []
    try:
        nodes = _compose_all(text, file)
    except _Abort as abort:
        return [], [abort.diagnostic]
    except yaml.YAMLError as exc:
        return [], [_syntax_error(exc, text, file)]
    except RecursionError:
        return [], [
            error(
                codes.YAML_UNSUPPORTED,
                "the YAML is nested too deeply to read",
                hint=f"the config format nests a few levels; crnotify reads at most {MAX_DEPTH}",
            ).at(Mark(file, 1, 1))
        ]
    documents = []
    for node in nodes:
        if node is None or (isinstance(node, ScalarNode) and node.tag == f"{_CORE}null"):
            continue  # an empty document (`---` with nothing after it) holds nothing to check
        converter = _Converter(file)
        try:
            data = converter.convert(node, (), 0)
        except _Abort as abort:
            diagnostics.append(abort.diagnostic)
            continue
        diagnostics.extend(converter.diagnostics)
        documents.append(Document(file=file, data=data, source=converter.source))
    if not documents and not diagnostics:
        diagnostics.append(
            warning(
                codes.EMPTY_FILE,
                "the file holds no YAML document; nothing to load",
                hint="add `version: 1` and some registries or rules, or delete the file",
            ).at(Mark(file, 1, 1))
        )
    return documents, diagnostics


class _BudgetLoader(yaml.SafeLoader):
    """PyYAML's composer with a budget: stop at the first node past MAX_NODES or MAX_DEPTH."""

    def __init__(self, text: str, file: str) -> None:
        super().__init__(text)
        self.file = file
        self.nodes = 0
        self.depth = 0

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        self.nodes += 1
        self.depth += 1
        try:
            if self.nodes > MAX_NODES:
                raise _Abort(
                    error(
                        codes.YAML_UNSUPPORTED,
                        f"the file holds more than {MAX_NODES:,} YAML values",
                        hint="a config holds a few dozen values per rule; split it into several files",
                    ).at(self._here())
                )
            if self.depth > MAX_DEPTH + 1:  # the document itself is depth 1
                raise _Abort(
                    error(
                        codes.YAML_UNSUPPORTED,
                        f"the data is nested more than {MAX_DEPTH} levels deep",
                        hint="the config format nests a few levels; check the indentation",
                    ).at(self._here())
                )
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def _here(self) -> Mark:
        mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
        return Mark(self.file, mark.line + 1, mark.column + 1)


def _compose_all(text: str, file: str) -> list[Node | None]:
    loader = _BudgetLoader(text, file)
    try:
        nodes: list[Node | None] = []
        while loader.check_node():
            nodes.append(loader.get_node())
        return nodes
    finally:
        loader.dispose()


# PyYAML's parser contexts, as a reader of the file would name what was left open.
_CONTEXTS = {
    "while parsing a flow sequence": "the [ … ] list",
    "while parsing a flow mapping": "the { … } mapping",
    "while parsing a block mapping": "the mapping",
    "while parsing a block collection": "the list",
    "while scanning a quoted scalar": "the quoted text",
    "while scanning a block scalar": "the block text (| or >)",
}


def _syntax_error(exc: yaml.YAMLError, text: str, file: str) -> Diagnostic:
    hint = "check the indentation and quoting around this position"
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem and exc.context_mark is not None:
            start = f"line {exc.context_mark.line + 1}, column {exc.context_mark.column + 1}"
            what = _CONTEXTS.get(exc.context)
            hint = (
                f"{what} that starts at {start} is not closed or indented as YAML expects"
                if what
                else f"{exc.context} at {start}"
            )
        where = Mark(file, mark.line + 1, mark.column + 1) if mark is not None else Mark(file, 1, 1)
        return error(codes.YAML_SYNTAX, f"YAML syntax error: {problem}", hint=hint).at(where)
    if isinstance(exc, yaml.reader.ReaderError):
        # Raised for characters YAML forbids (NUL, most C0 controls); it knows an offset, not a line.
        before = text[: exc.position]
        line = before.count("\n") + 1
        col = exc.position - (before.rfind("\n") + 1) + 1
        code = ord(exc.character) if isinstance(exc.character, str) else int(exc.character)
        return error(
            codes.NOT_TEXT,
            f"character U+{code:04X} is not allowed in YAML",
            hint="the file looks binary or holds control characters; crnotify reads UTF-8 YAML text",
        ).at(Mark(file, line, col))
    return error(codes.YAML_SYNTAX, f"YAML error: {exc}", hint="check the file is YAML text").at(
        Mark(file, 1, 1)
    )


class _Converter:
    def __init__(self, file: str) -> None:
        self.file = file
        self.source = SourceMap(file)
        self.diagnostics: list[Diagnostic] = []
        self._active: set[int] = set()  # ids of collection nodes being converted (cycle detection)
        self._count = 0
        self._constructor = yaml.SafeLoader("")  # used only for its scalar constructors

    def _mark(self, node: Node) -> Mark:
        return Mark(self.file, node.start_mark.line + 1, node.start_mark.column + 1)

    def convert(self, node: Node, path: Path, depth: int) -> object:
        self._count += 1
        if self._count > MAX_NODES:
            raise _Abort(
                error(
                    codes.YAML_UNSUPPORTED,
                    f"aliases expand the document to more than {MAX_NODES:,} values",
                    hint="write the config out; anchors that multiply each other are not supported",
                ).at(self._mark(node))
            )
        if depth > MAX_DEPTH:
            raise _Abort(
                error(
                    codes.YAML_UNSUPPORTED,
                    f"the data is nested more than {MAX_DEPTH} levels deep",
                    hint="the config format nests a few levels; check the indentation",
                ).at(self._mark(node))
            )
        mark = self._mark(node)
        self.source.add_value(path, mark.line, mark.col)
        if isinstance(node, ScalarNode):
            return self._scalar(node, path)
        if id(node) in self._active:
            raise _Abort(
                error(
                    codes.YAML_UNSUPPORTED,
                    "an alias refers to a collection that contains it (a recursive structure)",
                    hint="remove the alias; the config format has no recursive data",
                ).at(mark)
            )
        self._active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                self._check_tag(node, _SEQUENCE_TAG, path)
                return [self.convert(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
            if isinstance(node, MappingNode):
                self._check_tag(node, _MAPPING_TAG, path)
                return self._mapping(node, path, depth)
        finally:
            self._active.discard(id(node))
        raise _Abort(  # pragma: no cover
            error(codes.YAML_UNSUPPORTED, "unsupported YAML node", hint="use mappings, lists and scalars").at(
                mark
            )
        )

    def _check_tag(self, node: Node, expected: str, path: Path) -> None:
        if node.tag != expected:
            self.diagnostics.append(
                error(
                    codes.YAML_UNSUPPORTED,
                    f"YAML tag {quote(_short(node.tag))} is not supported",
                    hint="remove the tag; crnotify reads plain mappings, lists and scalars",
                    path=path,
                ).at(self._mark(node))
            )

    def _scalar(self, node: ScalarNode, path: Path) -> object:
        tag = node.tag
        if _has_surrogate(node.value):
            self.diagnostics.append(_surrogate(node.value, self._mark(node), path))
            return node.value.encode("utf-8", "backslashreplace").decode("utf-8")
        if tag not in _SCALAR_TAGS:
            self.diagnostics.append(
                error(
                    codes.YAML_UNSUPPORTED,
                    f"YAML tag {quote(_short(tag))} is not supported",
                    hint="remove the tag; crnotify reads text, numbers, booleans and null",
                    path=path,
                ).at(self._mark(node))
            )
            return node.value
        constructor = self._constructor
        try:
            if tag.endswith(":null"):
                return None
            if tag.endswith(":bool"):
                return constructor.construct_yaml_bool(node)
            if tag.endswith(":int"):
                return constructor.construct_yaml_int(node)
            if tag.endswith(":float"):
                return constructor.construct_yaml_float(node)
        except (ValueError, yaml.YAMLError):
            pass  # an explicit `!!int abc`: keep the text and let the schema complain about the type
        return node.value  # str, and timestamps kept as written (the format has no date fields)

    def _mapping(self, node: MappingNode, path: Path, depth: int) -> dict[str, object]:
        result: dict[str, object] = {}
        first_seen: dict[str, Mark] = {}
        merges: list[Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merges.append(value_node)
                continue
            if not isinstance(key_node, ScalarNode):
                self.diagnostics.append(
                    error(
                        codes.YAML_UNSUPPORTED,
                        "a mapping key must be plain text, not a list or a mapping",
                        hint="use a text key such as `name:`",
                    ).at(self._mark(key_node))
                )
                continue
            key = key_node.value
            key_mark = self._mark(key_node)
            if _has_surrogate(key):
                self.diagnostics.append(_surrogate(key, key_mark, path))
                continue
            if key in first_seen:
                first = first_seen[key]
                self.diagnostics.append(
                    error(
                        codes.DUPLICATE_KEY,
                        f"duplicate key {quote(key)} (first at line {first.line}, column {first.col})",
                        hint="YAML would silently keep only the last one; remove or rename one of them",
                        path=(*path, key),
                    ).at(key_mark)
                )
                continue
            first_seen[key] = key_mark
            self.source.add_key((*path, key), key_mark.line, key_mark.col)
            result[key] = self.convert(value_node, (*path, key), depth + 1)
        for merge in merges:
            self._merge(merge, result, path, depth)
        return result

    def _merge(self, node: Node, into: dict[str, object], path: Path, depth: int) -> None:
        """`<<: *a` or `<<: [*a, *b]`: keys already present win; earlier sources win over later ones."""
        sources = node.value if isinstance(node, SequenceNode) else [node]
        for source in sources:
            if not isinstance(source, MappingNode):
                self.diagnostics.append(
                    error(
                        codes.YAML_UNSUPPORTED,
                        "a merge key (<<) needs a mapping or a list of mappings",
                        hint="write `<<: *anchor` where the anchor names a mapping",
                    ).at(self._mark(source))
                )
                continue
            if id(source) in self._active:
                raise _Abort(
                    error(
                        codes.YAML_UNSUPPORTED,
                        "a merge key (<<) refers to a mapping that contains it (a recursive structure)",
                        hint="remove the merge key; the config format has no recursive data",
                    ).at(self._mark(source))
                )
            self._active.add(id(source))
            try:
                merged = self._mapping(source, path, depth)
            finally:
                self._active.discard(id(source))
            for key, value in merged.items():
                into.setdefault(key, value)


def _has_surrogate(text: str) -> bool:
    """Whether `text` holds half of a UTF-16 surrogate pair (YAML's `"\\ud800"` escape makes one):
    not a character, so no output (UTF-8 JSON, a terminal, the cloud's API) could carry it."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _surrogate(text: str, mark: Mark, path: Path) -> Diagnostic:
    lone = next(c for c in text if "\ud800" <= c <= "\udfff")
    return error(
        codes.NOT_TEXT,
        f"the text holds \\u{ord(lone):04x}, half of a UTF-16 surrogate pair, which is not a character",
        hint="write the character itself (YAML files are UTF-8), or escape it as \\UXXXXXXXX",
        path=path,
    ).at(mark)


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (message templates) as `|` block scalars, as a person writes them."""


def _represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    # PyYAML falls back to a quoted scalar by itself when a block cannot hold the text exactly
    # (trailing spaces on a line, say), so the style is only a preference and never changes the value.
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _represent_str)


def dump(value: object) -> str:
    """YAML text for plain data (`crnotify import` writes rules with it), keys in the given order."""
    return yaml.dump(
        value, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100
    )
