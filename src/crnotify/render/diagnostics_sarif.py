"""Diagnostics as a SARIF 2.1.0 log, for code-scanning uploads (GitHub, GitLab, Azure DevOps).

One run, one tool component `crnotify` whose `rules` are the diagnostic codes (id = code, help = the
code's title and where the guide explains it), one result per diagnostic with `ruleId`/`ruleIndex`,
`level` (error or warning), the message (and hint), and a physical location whose URI is relative to
`base` (the working directory) so code-scanning services can map it onto the repository.

Spec: OASIS SARIF 2.1.0 (errata 01), https://docs.oasis-open.org/sarif/sarif/v2.1.0/ — §3.4 artifact
locations and URIs, §3.30 regions (1-based lines and columns; `columnKind` says how columns count),
§3.27.10 result levels. Pure: the rule catalogue and the base directory come in as arguments.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Mapping, Sequence
from pathlib import PurePath, PurePosixPath
from urllib.parse import quote

from crnotify.diagnostics import Diagnostic

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
# The guide's troubleshooting section has one heading per code; a relative link would not resolve
# inside a code-scanning UI, so the help names the section instead of linking to it.
GUIDE = "the crnotify guide (docs/guide.md), section Troubleshooting"


def render(
    diagnostics: Sequence[Diagnostic],
    *,
    catalogue: Mapping[str, str],
    version: str,
    base: str,
) -> str:
    """The SARIF log as JSON text. `catalogue` maps every code to its title; `base` is an absolute
    directory that relative diagnostic paths are resolved against."""
    codes = sorted(set(catalogue) | {d.code for d in diagnostics})
    index = {code: i for i, code in enumerate(codes)}
    log = {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "crnotify",
                        "version": version,
                        "semanticVersion": version,
                        "rules": [_rule(code, catalogue.get(code)) for code in codes],
                    }
                },
                # PyYAML marks count characters, not UTF-16 code units.
                "columnKind": "unicodeCodePoints",
                "invocations": [{"executionSuccessful": True}],
                "results": [_result(d, index[d.code], base) for d in diagnostics],
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _rule(code: str, title: str | None) -> dict[str, object]:
    text = title or "a crnotify diagnostic"
    return {
        "id": code,
        "name": code,
        "shortDescription": {"text": _sentence(text)},
        "help": {"text": f"{_sentence(text)} Causes and fixes: {GUIDE}, {code}."},
    }


def _result(d: Diagnostic, rule_index: int, base: str) -> dict[str, object]:
    text = d.message if d.hint is None else f"{d.message}\nHint: {d.hint}"
    result: dict[str, object] = {
        "ruleId": d.code,
        "ruleIndex": rule_index,
        "level": "error" if d.is_error else "warning",
        "message": {"text": text},
    }
    if d.file is not None:
        physical: dict[str, object] = {"artifactLocation": {"uri": artifact_uri(d.file, base)}}
        if d.line is not None:
            region = {"startLine": d.line}
            if d.col is not None:
                region["startColumn"] = d.col
            physical["region"] = region
        result["locations"] = [{"physicalLocation": physical}]
    return result


def artifact_uri(file: str, base: str) -> str:
    """`file` as a URI reference relative to `base` (POSIX separators, percent-encoded); a file outside
    `base` gets an absolute `file://` URI, since `../` would not map onto the repository."""
    root = PurePath(base).as_posix()
    absolute = posixpath.normpath(posixpath.join(root, PurePath(file).as_posix()))
    relative = posixpath.relpath(absolute, root)  # both absolute: no working-directory lookup
    if relative == ".." or relative.startswith("../"):
        return PurePosixPath(absolute).as_uri()
    return quote(relative, safe="/")


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")
