"""A drift report as Markdown (`crnotify drift --format markdown`): for a job summary, an issue opened
by a nightly job, or a pull-request comment.

    <!-- crnotify:drift -->
    ### crnotify drift: 7 item(s) in 6 rule(s)
    > [!WARNING]  bus edits made outside crnotify (lost at the next registry write unless adopted)
    | Registry | missing | registry_changed | … |     one row per registry
    <details> per rule: each kind with its detail

Kinds are the stable strings of `crnotify.drift.DriftKind`. Kept under GitHub's comment limit by
leaving out whole rule sections at the end, with a note saying how many.
"""

from __future__ import annotations

from collections import Counter
from itertools import groupby

from crnotify.drift import DriftItem, DriftKind, DriftReport
from crnotify.render import _markdown as md
from crnotify.render._text import SKIPPED_WHY

MARKER = "<!-- crnotify:drift -->"
LISTED = 50
MEANING = {
    DriftKind.MISSING: "declared, but absent in the cloud (or one half of the linked pair is gone)",
    DriftKind.REGISTRY_CHANGED: "the registry side was saved outside crnotify or differs from the YAML",
    DriftKind.BUS_CHANGED: "the EventBridge rule was edited outside crnotify",
    DriftKind.PENDING: "declared changes not applied yet, or a managed rule no longer declared",
    DriftKind.CONFLICT: "declared, but a live rule of that name is not managed by crnotify",
    DriftKind.MARKER_REMOVED: "crnotify's rule, whose ownership marker was removed outside crnotify",
    DriftKind.UNMANAGED: "present in the cloud, not declared and not managed: reported only",
    DriftKind.RENAMED: "declared with `renamed_from` while the old rule is live: "
    "apply creates the new, then deletes the old",
}
OMITTED = (
    "> [!NOTE]\n> {n} rule section(s) left out to stay under GitHub's 65,536-character comment limit. "
    "The full report is in the job log (`crnotify drift`), or as JSON with `crnotify drift --format json`."
)


def render(report: DriftReport, *, limit: int = md.COMMENT_LIMIT) -> str:
    skipped = _skipped(report)
    items = report.reported  # the ignored rules' findings: JSON only
    if not items:
        if skipped:
            return f"{MARKER}\n\n### crnotify drift: none in the registries read\n\n{skipped}\n"
        return f"{MARKER}\n\n### crnotify drift: none\n\nThe cloud matches the configuration.\n"
    rules = [list(group) for _, group in groupby(items, _rule_key)]
    head = [MARKER, f"### crnotify drift: {len(items)} item(s) in {len(rules)} rule(s)"]
    edited = [item for item in items if item.kind is DriftKind.BUS_CHANGED]
    if edited:
        head.append(_bus_edits(edited))
    head.append(_summary_table(report))
    head.append(_legend(report))
    sections = [_rule_section(items) for items in rules]
    text, _ = md.fit("\n\n".join(head), sections, skipped, OMITTED, limit)
    return text


def _skipped(report: DriftReport) -> str:
    if not report.skipped:
        return ""
    names = ", ".join(md.code(name) for name in report.skipped)
    return f"Skipped, neither read nor written ({SKIPPED_WHY}): {names}."


def _rule_key(item: DriftItem) -> tuple[str, str]:
    return item.registry, item.rule


def _bus_edits(items: list[DriftItem]) -> str:
    lines = [
        f"**{len(items)} EventBridge rule(s) were edited outside crnotify.** Edits to fields the YAML "
        "does not declare are discarded by the next registry write; adopt them into the rule's `bus:` "
        "block to keep them:"
    ]
    for item in items[:LISTED]:
        lines.append(f"- {md.code(f'{item.registry}/{item.rule}')}: {md.prose(item.detail)}")
    if len(items) > LISTED:
        lines.append(f"- … and {len(items) - LISTED} more (see the rule sections)")
    return md.alert("WARNING", lines)


def _summary_table(report: DriftReport) -> str:
    kinds = [kind for kind in DriftKind if report.count(kind)]
    counts: dict[str, Counter[DriftKind]] = {}
    for item in report.reported:
        counts.setdefault(item.registry, Counter())[item.kind] += 1
    rows = [[md.code(name, cell=True), *(str(counts[name][k]) for k in kinds)] for name in sorted(counts)]
    if len(rows) > 1:
        rows.append(["**Total**", *(f"**{report.count(k)}**" for k in kinds)])
    return md.table(["Registry", *(f"`{k.value}`" for k in kinds)], rows, right=len(kinds))


def _legend(report: DriftReport) -> str:
    return "\n".join(f"- `{k.value}`: {MEANING[k]}" for k in DriftKind if report.count(k))


def _rule_section(items: list[DriftItem]) -> str:
    first = items[0]
    kinds = ", ".join(dict.fromkeys(item.kind.value for item in items))
    flag = " — ⚠️ bus edited outside crnotify" if any(i.kind is DriftKind.BUS_CHANGED for i in items) else ""
    name = md.html_text(f"{first.registry}/{first.rule}")
    lines = [f"<details><summary><code>{name}</code>: {kinds}{flag}</summary>", ""]
    lines += [f"- `{item.kind.value}`: {md.prose(item.detail)}" for item in items]
    lines += ["", "</details>"]
    return "\n".join(lines)
