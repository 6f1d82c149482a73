"""A plan as text, in the shape Terraform users read every day: one block per change, a symbol per
action, `before → after` per field, and a closing "Plan: N to create, N to update, N to delete."

Secret fields are only ever `(sensitive)`, `(sensitive: changed)` or `(sensitive: unchanged)`.
"""

from __future__ import annotations

from crnotify.planner import Action, Change, FieldChange, Plan
from crnotify.render._style import block_diff, is_block, paint, safe, show
from crnotify.render._text import skipped_note

SYMBOLS = {
    Action.CREATE: ("+", "green"),
    Action.UPDATE: ("~", "yellow"),
    Action.DELETE: ("-", "red"),
    Action.REAPPLY_BUS: ("↻", "cyan"),
    Action.RENAME: ("»", "blue"),
}
NO_CHANGES = "No changes. The cloud matches the configuration."
NO_CHANGES_READ = "No changes to the registries read (the skipped ones are listed above)."
# A failed plan proves nothing about the cloud: it never also says that the cloud matches.
FAILED = "Plan failed: {n} rule(s) cannot be planned (above); nothing can be applied until they are fixed."


def _value(field: FieldChange, side: str) -> str:
    value = field.before if side == "before" else field.after
    if field.secret:
        return "(sensitive)"
    return show(value)


def field_lines(field: FieldChange, color: bool) -> list[str]:
    """One line per field; a multi-line text (a message template) as a line diff under it."""
    if (
        field.secret
        or field.before_unknown is not None
        or not (is_block(field.before) or is_block(field.after))
    ):
        return [field_line(field, color)]
    symbol = "+" if field.before is None else "-" if field.after is None else "~"
    colour = {"+": "green", "-": "red", "~": "yellow"}[symbol]
    lines = [f"{paint(symbol, color, fg=colour)} {safe(field.path)}:"]
    for line in block_diff(field.before, field.after):
        style = {"+": "green", "-": "red"}.get(line[:1])
        lines.append("    " + (paint(line, color, fg=style) if style else line))
    return lines


def field_line(field: FieldChange, color: bool) -> str:
    if field.secret and field.before is not None and field.after is not None:
        return f"{paint('~', color, fg='yellow')} {safe(field.path)}: (sensitive: {field.sensitive_status})"
    if field.before_unknown is not None:
        before = f"(unknown: {safe(field.before_unknown)})"
        return f"{paint('~', color, fg='yellow')} {safe(field.path)}: {before} → {_value(field, 'after')}"
    if field.before is None:
        return f"{paint('+', color, fg='green')} {safe(field.path)} = {_value(field, 'after')}"
    if field.after is None:
        return f"{paint('-', color, fg='red')} {safe(field.path)} = {_value(field, 'before')}"
    before, after = _value(field, "before"), _value(field, "after")
    return f"{paint('~', color, fg='yellow')} {safe(field.path)}: {before} → {after}"


def change_block(change: Change, color: bool) -> list[str]:
    symbol, colour = SYMBOLS[change.action]
    head = f"  {paint(symbol, color, fg=colour, bold=True)} {paint(change.action.value, color, fg=colour)}"
    lines = [f"{head} {paint(f'{change.registry}/{change.rule}', color, bold=True)}"]
    if change.renamed_from is not None:
        lines[0] += f" (from {safe(change.renamed_from)})"
    lines += [f"      # {safe(reason)}" for reason in change.reasons]
    lines += [f"      {line}" for field in change.fields for line in field_lines(field, color)]
    if change.discards:
        warning = "! will be discarded (edited outside crnotify, not declared in the YAML):"
        lines.append(f"      {paint(warning, color, fg='red', bold=True)}")
        lines += [f"        {line}" for field in change.discards for line in field_lines(field, color)]
    return lines


def summary_line(plan: Plan) -> str:
    s = plan.summary
    renames = f", {s.rename} to rename" if s.rename else ""
    return f"Plan: {s.create} to create, {s.update} to update, {s.delete} to delete{renames}."


def render(plan: Plan, *, color: bool = False) -> str:
    lines: list[str] = []
    if plan.changes:
        lines.append("crnotify will perform the following actions:")
        previous = None
        for change in plan.changes:
            key = change.group  # a rename's steps are one block
            if previous is not None and key != previous:
                lines.append("")
            previous = key
            lines += change_block(change, color)
        lines.append("")
    if plan.unmanaged:
        names = safe(", ".join(f"{ref.registry}/{ref.rule}" for ref in plan.unmanaged))
        lines.append(f"Not managed by crnotify, left alone: {names}")
        lines.append("")
    if plan.skipped:
        lines.append(skipped_note(plan.skipped))
        lines.append("")
    if plan.notes:
        lines += [f"Note: {safe(note)}" for note in plan.notes]
        lines.append("")
    for error in plan.errors:
        label = paint("Error:", color, fg="red", bold=True)
        lines.append(f"{label} {safe(f'{error.registry}/{error.rule}: {error.message}')}")
        if error.hint:
            lines.append(f"  hint: {safe(error.hint)}")
    if plan.errors:
        lines.append("")
    if plan.discards:
        lines.append(
            paint(
                f"{len(plan.discards)} change(s) would discard bus edits made outside crnotify; "
                "apply refuses them without --overwrite-bus-edits.",
                color,
                fg="red",
            )
        )
    if plan.errors:
        lines.append(FAILED.format(n=len(plan.errors)))
        if plan.changes:
            lines.append(summary_line(plan))
    else:
        lines.append(
            summary_line(plan) if plan.changes else NO_CHANGES if not plan.skipped else NO_CHANGES_READ
        )
    return "\n".join(lines) + "\n"
