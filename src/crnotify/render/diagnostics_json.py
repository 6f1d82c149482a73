"""Diagnostics (and the config they describe) as versioned JSON, `validate --format json`: sorted keys,
`"format": "crnotify/validate"` and `format_version` (the convention: `_text.versioned`), field names
that stay stable. schemas/output/validate.schema.json."""

from __future__ import annotations

from collections.abc import Sequence

from crnotify.diagnostics import Diagnostic, count
from crnotify.model import Config
from crnotify.render import rules_json
from crnotify.render._text import json_document, versioned

FORMAT_VERSION = 1


def diagnostic_record(d: Diagnostic) -> dict[str, object]:
    return {
        "code": d.code,
        "severity": d.severity.value,
        "message": d.message,
        "hint": d.hint,
        "file": d.file,
        "line": d.line,
        "col": d.col,
        "path": d.path_text,
    }


def render(diagnostics: Sequence[Diagnostic], *, config: Config | None, files: Sequence[str]) -> str:
    errors, warnings = count(diagnostics)
    document = {
        "valid": config is not None,
        "files": list(files),
        "summary": {
            "errors": errors,
            "warnings": warnings,
            "files": len(files),
            "registries": None if config is None else len(config.registries),
            "rules": None if config is None else len(config.rules),
        },
        "diagnostics": [diagnostic_record(d) for d in diagnostics],
        "rules": None if config is None else rules_json.records(config),
    }
    return json_document(versioned("validate", FORMAT_VERSION, document))
