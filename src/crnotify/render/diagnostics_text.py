"""Diagnostics (and the config they describe) as text, `validate`'s report. Pure: strings in, strings out.

Text, one diagnostic per line, the format editors and CI annotators parse:

    examples/invalid/dup-rule-name.yaml:14:11: error CRN206 rule name 'x' is used twice ...
      hint: rename one of them (first at examples/invalid/dup-rule-name.yaml:8:11)

then a summary line, and when the config is valid a table of the rules it declares (`rules_text`).
"""

from __future__ import annotations

from collections.abc import Sequence

from crnotify.diagnostics import Diagnostic, count
from crnotify.model import Config
from crnotify.render import rules_text
from crnotify.render._text import one_line, paint, plural


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


def render(
    diagnostics: Sequence[Diagnostic],
    *,
    config: Config | None,
    files: Sequence[str],
    color: bool = False,
) -> str:
    """`validate`'s report: the diagnostics, a summary line, and the rules table when valid."""
    errors, warnings = count(diagnostics)
    tally = f"{plural(errors, 'error')}, {plural(warnings, 'warning')} in {plural(len(files), 'file')}"
    text = render_diagnostics(diagnostics, color=color)
    if config is None:
        return text + f"{paint('invalid', 'red', enabled=color)}: {tally}\n"
    registries = plural(len(config.registries), "registry", "registries")
    contents = f"{registries}, {plural(len(config.rules), 'rule')}"
    text += f"{paint('valid', 'green', enabled=color)}: {tally}; {contents}\n"
    return text + "\n" + rules_text.render(config) if config.rules else text
