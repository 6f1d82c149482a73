"""The plan's vocabulary: what will change, field by field, and why. Our own types; nothing from deepdiff.

A `Change` is what a reader reviews; its `operation` is what `crnotify.apply` executes. Operations
carry resolved secrets (they must, to write them), so they are excluded from `repr`, equality and
every renderer; `FieldChange` values of secret fields are fingerprints and are never printed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from crnotify.model import JSON, BusRule, Registry


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    REAPPLY_BUS = "reapply-bus"  # re-apply declared bus customisations after a registry write
    RENAME = "rename"  # create a rule under its new name; its old name is deleted after (`renamed_to`)


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldChange:
    """One field's `before → after`. For `secret` fields both sides are fingerprints (or None).

    `before_unknown` says why the live value cannot be read (then `before` is None, yet the field
    is changed, not added): the tag regex of a registry rule is visible nowhere (convention.py A2).
    """

    path: str
    before: JSON = None
    after: JSON = None
    secret: bool = False
    before_unknown: str | None = None

    @property
    def sensitive_status(self) -> str:
        """`changed`, `unchanged`, `added` or `removed` — all a renderer may say about a secret."""
        if self.before is None:
            return "added"
        if self.after is None:
            return "removed"
        return "unchanged" if self.before == self.after else "changed"


# --- operations (executed by apply; never rendered) ----------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class RegistryWrite:
    """Save a rule's registry side (create it when `rule_id` is None). Only a cloud whose registry has a
    side of its own plans one — Alibaba's ACR event rule — with a subclass holding what to save, which
    that cloud's `providers.base.RegistrySide` executes."""

    rule_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PutBusRule:
    """Converge the bus rule to `desired`. `live` None: re-read it first (it was just regenerated)."""

    desired: BusRule = field(repr=False)
    live: BusRule | None = field(default=None, repr=False)
    after_registry_write: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class DeleteRule:
    rule_id: str | None  # the registry side, if it exists
    bus_name: str | None  # the bus side, if it exists


Operation = RegistryWrite | PutBusRule | DeleteRule


@dataclass(frozen=True, slots=True, kw_only=True)
class Change:
    action: Action
    registry: str
    rule: str
    fields: tuple[FieldChange, ...] = ()
    reasons: tuple[str, ...] = ()
    discards: tuple[FieldChange, ...] = ()  # bus edits made outside crnotify this change will lose
    operation: Operation | None = field(default=None, repr=False, compare=False)
    # A rename (`crnotify.planner.rename`) is one group of steps under the new name: the RENAME change
    # names the old one (`renamed_from`), and the deletion of the old rule, last, the new (`renamed_to`).
    renamed_from: str | None = None
    renamed_to: str | None = None

    @property
    def writes_registry(self) -> bool:
        return isinstance(self.operation, RegistryWrite)

    @property
    def group(self) -> tuple[str, str]:
        """(registry, rule) of the rule this change is a step of: a rename's steps share the new name."""
        return self.registry, self.renamed_to or self.rule


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanError:
    """A rule the plan cannot handle safely; it gets no change and the plan fails."""

    registry: str
    rule: str
    message: str
    hint: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleRef:
    registry: str
    rule: str


@dataclass(frozen=True, slots=True)
class Summary:
    create: int
    update: int
    delete: int  # deletions of their own; a rename's deletion of its old name is part of the rename
    rename: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    changes: tuple[Change, ...] = ()
    errors: tuple[PlanError, ...] = ()
    unmanaged: tuple[RuleRef, ...] = ()  # present, not declared, not owned: reported, never touched
    registries: tuple[Registry, ...] = ()
    skipped: tuple[str, ...] = ()  # registries not planned: aws ones under --local (no AWS emulator)
    notes: tuple[str, ...] = ()  # advice that asks for nothing: a `renamed_from` whose rename is done

    @property
    def summary(self) -> Summary:
        count = dict.fromkeys(Action, 0)
        renames = 0
        for change in self.changes:
            if change.renamed_to is not None:  # every rename ends with the deletion of its old name
                renames += 1
            else:
                count[change.action] += 1
        return Summary(count[Action.CREATE], count[Action.UPDATE], count[Action.DELETE], renames)

    @property
    def is_empty(self) -> bool:
        return not self.changes

    @property
    def discards(self) -> tuple[Change, ...]:
        return tuple(change for change in self.changes if change.discards)

    def registry(self, name: str) -> Registry:
        for registry in self.registries:
            if registry.name == name:
                return registry
        raise KeyError(name)
