"""Diagnostics as GitHub Actions workflow commands, which the runner turns into annotations on the
pull request's changed lines:

    ::error file=rules/team-a.yaml,line=12,col=9,title=CRN205::rule 'x' refers to registry 'p' …

Escaping follows the runner's own toolkit (actions/toolkit packages/core/src/command.ts): in the
message `%`, CR and LF become `%25`, `%0D`, `%0A`; property values also escape `:` and `,` (`%3A`,
`%2C`). So one diagnostic is always one line, and user text cannot start a command of its own.
Docs: https://docs.github.com/en/actions/reference/workflow-commands-for-github-actions
The runner shows at most 10 error and 10 warning annotations per step; the plain summary line at the
end (not a command) says how many there were in total.
"""

from __future__ import annotations

from collections.abc import Sequence

from crnotify.diagnostics import Diagnostic, count
from crnotify.render._text import plural, safe


def render(diagnostics: Sequence[Diagnostic], *, files: Sequence[str]) -> str:
    lines = [_command(d) for d in diagnostics]
    errors, warnings = count(diagnostics)
    verdict = "invalid" if errors else "valid"
    lines.append(
        f"crnotify validate: {verdict}: {plural(errors, 'error')}, {plural(warnings, 'warning')} "
        f"in {plural(len(files), 'file')}"
    )
    return "".join(f"{line}\n" for line in lines)


def _command(d: Diagnostic) -> str:
    properties: list[tuple[str, object]] = []
    if d.file is not None:
        properties.append(("file", safe(d.file)))
        if d.line is not None:
            properties.append(("line", d.line))
            if d.col is not None:
                properties.append(("col", d.col))
    properties.append(("title", d.code))
    # safe(): other control characters (terminal escapes) are shown, not sent to the log viewer.
    message = safe(d.message) if d.hint is None else f"{safe(d.message)}\nhint: {safe(d.hint)}"
    joined = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties)
    name = "error" if d.is_error else "warning"
    return f"::{name} {joined}::{escape_data(message)}"


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")
