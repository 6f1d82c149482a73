"""Renames without a gap: `renamed_from: OLD` on a declared rule (Terraform's `moved` block,
https://developer.hashicorp.com/terraform/language/modules/develop/refactoring).

A rule cannot be renamed in place on either cloud (an ACR event rule's name is its bus rule's name, and
an EventBridge rule's name is its key), so a rename is a create and a delete. Done as two unrelated
changes, the plan would show them apart, apply would delete first (deletions free the quota) and
notifications would stop in between, and drift would report the new name `missing` and the old one
`pending`. Here the two are one assessment under the new name, whatever the cloud (its own planning
rules decide each half):

    OLD live and owned, NEW absent      → rename: create NEW, then delete OLD          renamed
    OLD live and owned, NEW live        → NEW as usual, then delete OLD (an apply cut  renamed
                                          short between the two steps finishes)
    OLD live, not crnotify's            → error: crnotify deletes only its own rules   conflict
    OLD absent                          → NEW as usual; once NEW is live, a plan note says
                                          that `renamed_from` may be removed (`done`)

The RENAME change is NEW's create (`renamed_from` names OLD); the deletion of OLD comes last in the
same group of steps (`Change.renamed_to`), so apply starts it only once every step creating NEW has
succeeded: at every moment at least one of the two rules exists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from crnotify.model import LiveRule, Registry, Rule
from crnotify.planner.assessment import Assessment, DriftKind, Finding, Standing, adopt_command, refused
from crnotify.planner.changes import Action, PlanError

if TYPE_CHECKING:  # the providers' interfaces import the plan's vocabulary, which imports this
    from crnotify.providers.base import Cloud


def pairs(declared: Mapping[str, Rule], live: Mapping[str, LiveRule]) -> dict[str, str]:
    """new name → old name, for each declared rule renamed from a live rule the YAML no longer declares
    (validation refuses an old name that is declared, or claimed twice; the first claim wins here)."""
    found: dict[str, str] = {}
    for name in sorted(declared):
        old = declared[name].renamed_from
        if old is None or old == name or old in declared or old not in live:
            continue
        if old not in found.values():
            found[name] = old
    return found


def done(registry: str, declared: Iterable[Rule], live: Iterable[LiveRule]) -> tuple[str, ...]:
    """A note per declared rule whose rename is finished (the new rule is live, the old one is gone):
    its `renamed_from` does nothing any more."""
    names = {rule.name for rule in live}
    return tuple(
        f"{registry}/{rule.name}: renamed_from {rule.renamed_from!r} names no live rule any more "
        "(the rename is done); it may be removed"
        for rule in declared
        if rule.renamed_from is not None and rule.name in names and rule.renamed_from not in names
    )


def assess(cloud: Cloud, registry: Registry, rule: Rule, new: LiveRule | None, old: LiveRule) -> Assessment:
    """The one assessment of `rule`, renamed from the live rule `old`."""
    name, was = rule.name, old.name
    retiring = cloud.assess(registry, None, old)
    if retiring.standing is not Standing.UNDECLARED:  # not crnotify's: never deleted
        return _refused(registry, rule, new is not None, was)
    renewed = cloud.assess(registry, rule, new)
    if renewed.error is not None:
        return renewed  # nothing is renamed while the new rule cannot be planned; the old one stays
    why = f"renamed from {was} (`renamed_from`): created under its new name first, then {was} is deleted"
    changes = tuple(
        replace(change, action=Action.RENAME, renamed_from=was, reasons=(why, *change.reasons))
        if change.action is Action.CREATE
        else change
        for change in renewed.changes
    )
    reason = (
        f"the old name of {registry.name}/{name}: deleted only once {name} exists, "
        "so notifications never stop"
    )
    retire = tuple(
        replace(change, renamed_to=name, fields=(), reasons=(reason,)) for change in retiring.changes
    )
    if new is None:
        detail = f"renamed from {was}: apply creates {name}, then deletes {was}"
    else:
        detail = f"renamed from {was}: {name} exists; apply deletes {was}"
    others = tuple(finding for finding in renewed.findings if finding.kind is not DriftKind.MISSING)
    return Assessment(
        registry=registry.name,
        rule=name,
        standing=Standing.DIFFERS,
        changes=(*changes, *retire),
        findings=(Finding(kind=DriftKind.RENAMED, detail=detail), *others),
    )


def _refused(registry: Registry, rule: Rule, both: bool, was: str) -> Assessment:
    name = rule.name
    if both:
        message = (
            f"renamed_from {was!r}: both {was!r} and {name!r} exist, and {was!r} is not managed by crnotify, "
            "which deletes only rules it owns"
        )
    else:
        message = (
            f"renamed_from {was!r}: the live rule {was!r} is not managed by crnotify, which deletes only "
            f"rules it owns; creating {name!r} beside it would notify twice"
        )
    hint = (
        f"adopt it first (`{adopt_command(registry.name, was)}`), or remove `renamed_from` "
        f"from rule {name} if {was!r} is not the rule it replaces"
    )
    error = PlanError(registry=registry.name, rule=name, message=message, hint=hint)
    detail = f"renamed from {was}, which is not managed by crnotify: the rename is refused"
    return refused(registry.name, name, kind=DriftKind.CONFLICT, error=error, detail=detail)


__all__ = ["assess", "done", "pairs"]
