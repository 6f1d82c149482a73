"""`ignore:` (issue 15 item 3): what is not crnotify's to judge, applied before each rule is assessed.

- A live rule that is not declared and that an entry's `rules` name (an entry without `fields`) is
  assessed as usual, then set aside: its assessment becomes `Standing.IGNORED`, which keeps the
  findings (drift lists them as ignored, failing nothing) and drops every change, so plan never
  creates, updates or deletes it. A declared rule is never ignored as a whole: the YAML wins.
- Fields an entry's `fields` name (`model.IGNORABLE_FIELDS`) are left as the cloud has them on the
  declared rules it covers: the declared value is replaced by the live one before the assessment, so
  that field never differs — no change is planned for it, no drift is reported, and a registry write
  (which regenerates the bus rule on Alibaba Cloud) re-applies the value that was live. This is Argo
  CD's ignoreDifferences: https://argo-cd.readthedocs.io/en/stable/user-guide/diffing/

Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import replace
from fnmatch import fnmatchcase

from crnotify.marker import read_marker
from crnotify.model import Config, LiveRule, Rule
from crnotify.planner.assessment import Assessment, Standing


def ignores_rule(config: Config, registry: str, name: str) -> bool:
    """Whether an entry without `fields` names this (undeclared) live rule."""
    return any(
        not entry.fields and fnmatchcase(registry, entry.registry) and _named(name, entry.rules)
        for entry in config.ignore
    )


def ignored_fields(config: Config, registry: str, name: str) -> frozenset[str]:
    """The fields of the declared rule `registry/name` that the cloud's value wins for."""
    return frozenset(
        field
        for entry in config.ignore
        if entry.fields and fnmatchcase(registry, entry.registry) and _named(name, entry.rules, every=True)
        for field in entry.fields
    )


def leave_alone(rule: Rule, live: LiveRule | None, fields: frozenset[str]) -> Rule:
    """`rule` with each of `fields` set to what the live bus rule has (the declaration as it is when
    there is no live bus rule: then there is nothing to leave alone)."""
    if not fields or live is None or live.bus is None:
        return rule
    bus = rule.bus
    if "bus.description" in fields:
        bus = replace(bus, description=read_marker(live.bus.description).text)  # the marker stays ours
    if "bus.enabled" in fields:
        bus = replace(bus, enabled=live.bus.enabled)
    return replace(rule, bus=bus)


def set_aside(assessment: Assessment) -> Assessment:
    """An ignored live rule's assessment: its findings, flagged by the standing; no change, no error."""
    return Assessment(
        registry=assessment.registry,
        rule=assessment.rule,
        standing=Standing.IGNORED,
        findings=assessment.findings,
    )


def _named(name: str, patterns: tuple[str, ...], *, every: bool = False) -> bool:
    if not patterns:
        return every
    return any(fnmatchcase(name, pattern) for pattern in patterns)


__all__ = ["ignored_fields", "ignores_rule", "leave_alone", "set_aside"]
