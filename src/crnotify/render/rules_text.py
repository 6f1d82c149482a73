"""The declared rules as an aligned text table (for `validate`). Secrets stay references: only what
the user wrote (`${env:NAME}`) is shown, never a resolved value."""

from __future__ import annotations

from collections.abc import Sequence

from crnotify.model import Config, Rule, Scope, ScopeKind
from crnotify.render._text import safe

HEADERS = ("REGISTRY", "RULE", "EVENT", "SCOPE", "TAGS", "NOTIFY", "BUS")


def describe_scope(scope: Scope) -> str:
    if scope.kind is ScopeKind.INSTANCE:
        return "instance"
    if scope.kind is ScopeKind.NAMESPACE:
        return "namespaces " + ", ".join(scope.namespaces)
    namespace = scope.namespaces[0] if scope.namespaces else "?"
    if len(scope.repositories) == 1:
        return f"{namespace}/{scope.repositories[0]}"
    return f"{namespace}/{{{','.join(scope.repositories)}}}"


def describe_notify(rule: Rule) -> str:
    notify = rule.notify
    method = notify.channel or notify.method.value  # a chat channel is an https notification
    if notify.secret is None:
        return method
    return f"{method}, {'signed' if notify.method.value == 'dingtalk' else 'token'}"


def describe_bus(rule: Rule) -> str:
    bus = rule.bus
    parts = []
    if bus.template is not None:
        parts.append(f"{bus.template.format.value} template")
    if bus.description is not None:
        parts.append("description")
    if bus.enabled is not None:
        parts.append("enabled" if bus.enabled else "disabled")
    return ", ".join(parts) or "-"


def _row(rule: Rule) -> tuple[str, ...]:
    event = rule.event_type.short_name
    if rule.scan_status:
        event += f" ({','.join(s.value for s in rule.scan_status)})"
    return (
        rule.registry,
        rule.name,
        event,
        describe_scope(rule.scope),
        rule.tag_pattern,
        describe_notify(rule),
        describe_bus(rule),
    )


def rules_table(config: Config) -> list[str]:
    """Aligned lines, rules sorted by registry then name."""
    rows = [HEADERS, *(_row(r) for r in sorted(config.rules, key=lambda r: (r.registry, r.name)))]
    return _align(rows)


def _align(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]


def render(config: Config) -> str:
    """The table, one rule a line under a header; names and patterns come from YAML, so made safe."""
    return "".join(f"{safe(line)}\n" for line in rules_table(config))
