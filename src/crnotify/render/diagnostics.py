"""Diagnostics (and the config they describe) as text or JSON. Pure: strings in, strings out.

Text, one diagnostic per line, the format editors and CI annotators parse:

    examples/invalid/dup-rule-name.yaml:14:11: error CRN206 rule name 'x' is used twice ...
      hint: rename one of them (first at examples/invalid/dup-rule-name.yaml:8:11)

then a summary line, and when the config is valid a table of the rules it declares.
JSON is versioned (`format_version`) with sorted keys; field names are stable.
"""

from __future__ import annotations

from collections.abc import Sequence

from crnotify.diagnostics import Diagnostic, count
from crnotify.model import Config
from crnotify.render._text import json_document, one_line, paint, plural, safe
from crnotify.render.rules import rule_record, rules_table

FORMAT_VERSION = 1


def render_diagnostics(diagnostics: Sequence[Diagnostic], *, color: bool = False) -> str:
    """Only the diagnostic lines (and hints), for commands that stop on an invalid config."""
    lines = []
    for d in diagnostics:
        severity = paint(d.severity.value, "red" if d.is_error else "yellow", enabled=color)
        where = f"{one_line(d.location)}: " if d.location else ""
        lines.append(f"{where}{severity} {d.code} {one_line(d.message)}")
        if d.hint:
            lines.append(f"  hint: {one_line(d.hint)}")
    return "".join(f"{line}\n" for line in lines)


def render_text(
    diagnostics: Sequence[Diagnostic],
    *,
    config: Config | None,
    files: Sequence[str],
    color: bool = False,
) -> str:
    """`validate`'s report: the diagnostics, a summary line, and the rules table when valid."""
    lines = []
    errors, warnings = count(diagnostics)
    tally = f"{plural(errors, 'error')}, {plural(warnings, 'warning')} in {plural(len(files), 'file')}"
    if config is None:
        lines.append(f"{paint('invalid', 'red', enabled=color)}: {tally}")
    else:
        registries = plural(len(config.registries), "registry", "registries")
        contents = f"{registries}, {plural(len(config.rules), 'rule')}"
        lines.append(f"{paint('valid', 'green', enabled=color)}: {tally}; {contents}")
        if config.rules:
            lines.append("")
            lines.extend(safe(line) for line in rules_table(config))
    return render_diagnostics(diagnostics, color=color) + "\n".join(lines) + "\n"


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


def render_json(diagnostics: Sequence[Diagnostic], *, config: Config | None, files: Sequence[str]) -> str:
    errors, warnings = count(diagnostics)
    document = {
        "format_version": FORMAT_VERSION,
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
        "rules": None
        if config is None
        else [rule_record(r) for r in sorted(config.rules, key=lambda r: (r.registry, r.name))],
    }
    return json_document(document)
