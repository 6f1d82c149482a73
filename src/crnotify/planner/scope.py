"""A scoped run (`--registry NAME`, `--rule NAME`, repeatable, globs): the one definition of what a run
reads, writes and reports, for every command that takes the options (plan, apply, drift, doctor).

A scoped run sees the configuration and the cloud through the scope, so it cannot act outside it:

- `narrow_config` keeps the registries in scope and their rules in scope. Registries out of scope are
  neither connected to nor read, so one whose credentials are missing (an `aws` registry without AWS
  credentials, an Alibaba one of another account) does not stop a run scoped elsewhere.
- `narrow_live` keeps the live rules in scope. A live rule out of scope is therefore never assessed:
  a rule crnotify owns but that `--rule` does not name is not deleted, not reported, not touched.

Globs are `fnmatch` patterns, matched case-sensitively (rule names are case-sensitive on both clouds).
An empty list means "all". Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fnmatch import fnmatchcase

from crnotify.model import Config, LiveState


@dataclass(frozen=True, slots=True, kw_only=True)
class Scope:
    registries: tuple[str, ...] = ()  # names or globs of declared registries; () = every registry
    rules: tuple[str, ...] = ()  # names or globs of rules; () = every rule

    @property
    def is_everything(self) -> bool:
        return not self.registries and not self.rules

    def has_registry(self, name: str) -> bool:
        return _matches(name, self.registries)

    def has_rule(self, name: str) -> bool:
        return _matches(name, self.rules)

    def narrow_config(self, config: Config) -> Config:
        """`config` with only the registries and the declared rules in scope."""
        if self.is_everything:
            return config
        registries = tuple(r for r in config.registries if self.has_registry(r.name))
        kept = {r.name for r in registries}
        rules = tuple(r for r in config.rules if r.registry in kept and self.has_rule(r.name))
        return replace(config, registries=registries, rules=rules)

    def narrow_live(self, live: LiveState) -> LiveState:
        """`live` with only the rules in scope (every other field as it was read)."""
        if self.is_everything:
            return live
        rules = tuple(r for r in live.rules if self.has_registry(r.registry) and self.has_rule(r.name))
        return replace(live, rules=rules)

    def unmatched_registries(self, config: Config) -> tuple[str, ...]:
        """The `--registry` patterns that name no declared registry (a typo should not run nothing)."""
        return tuple(p for p in self.registries if not any(fnmatchcase(r.name, p) for r in config.registries))

    def describe(self) -> str:
        """ "registries a, b; rules ci-*", for messages; "" for an unscoped run."""
        parts = []
        if self.registries:
            parts.append("registries " + ", ".join(self.registries))
        if self.rules:
            parts.append("rules " + ", ".join(self.rules))
        return "; ".join(parts)

    def options(self) -> list[str]:
        """The command-line words that give this scope (for advice that must run as printed)."""
        return [
            *(word for name in self.registries for word in ("--registry", name)),
            *(word for name in self.rules for word in ("--rule", name)),
        ]


EVERYTHING = Scope()


def _matches(name: str, patterns: tuple[str, ...]) -> bool:
    return not patterns or any(fnmatchcase(name, pattern) for pattern in patterns)


__all__ = ["EVERYTHING", "Scope"]
