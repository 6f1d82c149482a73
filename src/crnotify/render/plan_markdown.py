"""A plan as a GitHub pull-request comment (`crnotify plan --format markdown`).

    <!-- crnotify:plan -->
    ### crnotify plan: 0 to create, 3 to update, 1 to delete
    > [!CAUTION]  plan errors (apply is blocked)
    > [!WARNING]  bus edits made outside crnotify that this plan would discard, rule by rule
    | Registry | Create | Update | Delete | Re-apply bus |     one row per registry
    <details> per rule: reasons, a field table (before → after), template line diffs, discards
    notes: unmanaged rules, registries not planned

Secret fields only ever say `sensitive: changed|unchanged|added|removed`. The comment stays under
GitHub's 65,536-character limit by leaving out whole rule sections at the end, with a note saying how
many and how to see the full plan. The first line is a marker a bot can find to update its comment.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

from crnotify.model import JSON
from crnotify.offline.pattern_diff import MatchChange
from crnotify.planner import Action, Change, FieldChange, Plan
from crnotify.reach import ReachChange
from crnotify.render import _markdown as md
from crnotify.render import _mermaid as mermaid
from crnotify.render import matching_text
from crnotify.render._style import block_diff, is_block
from crnotify.render._text import SKIPPED_WHY

MARKER = "<!-- crnotify:plan -->"
COLUMNS = (Action.CREATE, Action.UPDATE, Action.DELETE, Action.REAPPLY_BUS)
HEADINGS = {
    Action.CREATE: "Create",
    Action.UPDATE: "Update",
    Action.DELETE: "Delete",
    Action.REAPPLY_BUS: "Re-apply bus",
    Action.RENAME: "Rename",
}
SYMBOLS = {
    Action.CREATE: "+",
    Action.UPDATE: "~",
    Action.DELETE: "-",
    Action.REAPPLY_BUS: "↻",
    Action.RENAME: "»",
}
LISTED = 50  # rules named in a callout before "and N more"
OMITTED = (
    "> [!NOTE]\n> {n} rule section(s) left out to stay under GitHub's 65,536-character comment limit. "
    "The full plan is in the job log (`crnotify plan`), or as JSON with `crnotify plan --format json`."
)


def render(
    plan: Plan,
    *,
    limit: int = md.COMMENT_LIMIT,
    reach: Sequence[ReachChange] = (),
    warnings: Sequence[str] = (),
    matching: Sequence[MatchChange] = (),
) -> str:
    """`reach`: what each changed rule's change does to who is told about what (`crnotify.reach`),
    shown in its section in words and as a Mermaid diagram. `warnings`: what a replay of the recorded
    history says the changes would have done (`plan --history`), in a callout at the top. `matching`:
    the recorded or sample events a changed pattern starts or stops matching, in the rule's section."""
    s = plan.summary
    renames = f", {s.rename} to rename" if s.rename else ""
    title = f"### crnotify plan: {s.create} to create, {s.update} to update, {s.delete} to delete{renames}"
    if plan.errors and not plan.changes:
        title = "### crnotify plan: failed"  # never "no changes": the failed rules were not compared
    elif not plan.changes:
        title = "### crnotify plan: no changes"
    head = [MARKER, title]
    if plan.errors:
        head.append(_errors(plan))
    if plan.discards:
        head.append(_discards(plan.discards))
    if warnings:
        head.append(md.alert("WARNING", [f"- {md.sentence(w)}" for w in warnings]))
    if plan.changes:
        head.append(_summary_table(plan))
    elif not plan.errors:
        head.append(
            "No changes to the registries read; some were skipped (below)."
            if plan.skipped
            else "The cloud matches the configuration."
        )
    reaches = {(r.registry, r.rule): r for r in reach if r.changed}
    matches = {(m.registry, m.rule): m for m in matching}
    sections = [
        _rule_section(list(group), reaches.get(key), matches.get(key))
        for key, group in groupby(plan.changes, _rule_key)
    ]
    text, _ = md.fit("\n\n".join(head), sections, _notes(plan), OMITTED, limit)
    return text


def _rule_key(change: Change) -> tuple[str, str]:
    return change.group  # a rename's steps are one section


def _errors(plan: Plan) -> str:
    lines = [f"**{len(plan.errors)} rule(s) cannot be planned; `crnotify apply` will not run.**"]
    for error in plan.errors[:LISTED]:
        where = md.code(f"{error.registry}/{error.rule}")
        hint = f" Hint: {md.sentence(error.hint)}" if error.hint else ""
        lines.append(f"- {where}: {md.sentence(error.message)}{hint}")
    lines += _more(len(plan.errors))
    return md.alert("CAUTION", lines)


def _discards(changes: Sequence[Change]) -> str:
    lines = [
        f"**{len(changes)} change(s) would discard bus edits made outside crnotify** (they are not "
        "declared in the YAML). `crnotify apply` refuses unless you add them to the rule's `bus:` "
        "block or pass `--overwrite-bus-edits`:"
    ]
    for change in changes[:LISTED]:
        paths = ", ".join(md.code(f.path) for f in change.discards)
        lines.append(f"- {md.code(f'{change.registry}/{change.rule}')}: {paths}")
    lines += _more(len(changes))
    return md.alert("WARNING", lines)


def _more(total: int) -> list[str]:
    return [f"- … and {total - LISTED} more (see the rule sections)"] if total > LISTED else []


def _summary_table(plan: Plan) -> str:
    # A rename is counted once, in its own column (shown when there is one): by the step deleting the
    # old name, not as a create and a delete.
    columns = (*COLUMNS, Action.RENAME) if plan.summary.rename else COLUMNS
    counts: dict[str, dict[Action, int]] = {}
    for change in plan.changes:
        row = counts.setdefault(change.registry, dict.fromkeys(columns, 0))
        if change.renamed_to is not None:
            row[Action.RENAME] += 1
        elif change.action is not Action.RENAME:
            row[change.action] += 1
    described = {r.name: r for r in plan.registries}
    rows = []
    for name in sorted(counts):
        registry = described.get(name)
        where = "" if registry is None else f" ({registry.provider.value}, {md.text(registry.region)})"
        rows.append([md.code(name, cell=True) + where, *(str(counts[name][a]) for a in columns)])
    if len(rows) > 1:
        totals = [sum(c[a] for c in counts.values()) for a in columns]
        rows.append(["**Total**", *(f"**{n}**" for n in totals)])
    return md.table(["Registry", *(HEADINGS[a] for a in columns)], rows, right=len(columns))


def _rule_section(
    changes: list[Change], reach: ReachChange | None = None, matching: MatchChange | None = None
) -> str:
    first = changes[0]
    actions = ", ".join(f"{SYMBOLS[c.action]} {c.action.value}" for c in changes)
    discarded = sum(len(c.discards) for c in changes)
    flag = f" — ⚠️ discards {discarded} bus edit(s)" if discarded else ""
    name = md.html_text(f"{first.registry}/{first.rule}")
    parts = [f"<details><summary><code>{name}</code>: {md.html_text(actions)}{flag}</summary>"]
    for change in changes:
        parts.append(_change(change))
    if reach is not None:
        parts.append(_reach(reach))
    if matching is not None:
        parts.append("**Events matched**\n\n" + md.fenced(matching_text.lines(matching)))
    parts.append("</details>")
    return "\n\n".join(parts)


def _change(change: Change) -> str:
    out = [f"**{SYMBOLS[change.action]} {change.action.value}**"]
    if change.renamed_from is not None:
        out[0] += f" (from {md.code(change.renamed_from)})"
    elif change.renamed_to is not None:
        out[0] += f" {md.code(change.rule)}"
    out += [f"- {md.prose(reason)}" for reason in change.reasons]
    if change.fields:
        out.append(_fields(change.fields))
    if change.discards:
        out.append("⚠️ **Will be discarded** (edited outside crnotify, not declared in the YAML):")
        out.append(_fields(change.discards))
    return "\n\n".join(out)


def _reach(change: ReachChange) -> str:
    out = ["**Reach**", *(f"- {md.sentence(words)}" for words in change.words)]
    if change.starts_covering:
        names = ", ".join(md.code(r) for r in change.starts_covering)
        out.append(f"- Starts covering {len(change.starts_covering)} repositor(ies): {names}.")
    if change.stops_covering:
        names = ", ".join(md.code(r) for r in change.stops_covering)
        out.append(f"- Stops covering {len(change.stops_covering)} repositor(ies): {names}.")
    if change.listed and not change.starts_covering and not change.stops_covering:
        out.append("- The same repositories as before.")
    drawn = [(r, True) for r in (change.before,) if r is not None and r != change.after]
    drawn += [(r, False) for r in (change.after,) if r is not None]
    text = "\n".join(out) + "\n\n" + mermaid.block(drawn)
    if any(ended for _, ended in drawn):
        text += "\n\nDotted: what the rule reaches now and will not reach after this change."
    return text


def _fields(fields: Sequence[FieldChange]) -> str:
    rows = [_field_row(f) for f in fields]
    blocks = [
        _block(f)
        for f in fields
        if not f.secret and f.before_unknown is None and (is_block(f.before) or is_block(f.after))
    ]
    return "\n\n".join([md.table(["Field", "Before", "After"], rows), *blocks])


def _field_row(field: FieldChange) -> list[str]:
    path = md.code(field.path, cell=True)
    if field.secret:
        before = "—" if field.before is None else "_sensitive_"
        return [path, before, f"_sensitive: {field.sensitive_status}_"]
    if field.before_unknown is not None:
        return [path, f"_unknown: {md.text(field.before_unknown)}_", _side(field.after)]
    if is_block(field.before) or is_block(field.after):
        return [path, _side(field.before), _side(field.after) + " (diff below)"]
    return [path, _side(field.before), _side(field.after)]


def _side(value: JSON) -> str:
    return "—" if value is None else md.value(value, cell=True)


def _block(field: FieldChange) -> str:
    return f"{md.code(field.path)}:\n\n" + md.fenced(block_diff(field.before, field.after), "diff")


def _notes(plan: Plan) -> str:
    notes = []
    if plan.unmanaged:
        names = ", ".join(md.code(f"{r.registry}/{r.rule}") for r in plan.unmanaged[:LISTED])
        more = f" and {len(plan.unmanaged) - LISTED} more" if len(plan.unmanaged) > LISTED else ""
        notes.append(f"Not managed by crnotify, left alone: {names}{more}.")
    if plan.skipped:
        names = ", ".join(md.code(name) for name in plan.skipped)
        notes.append(f"Skipped, neither read nor written ({SKIPPED_WHY}): {names}.")
    notes += [f"Note: {md.sentence(note)}" for note in plan.notes]
    return "\n\n".join(notes)
