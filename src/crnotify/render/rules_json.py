"""The declared rules as JSON records, the `rules` of `validate --format json`. Secrets stay
references: only what the user wrote (`${env:NAME}`) is shown, never a resolved value."""

from __future__ import annotations

from crnotify.model import Config, Rule
from crnotify.render._text import json_document


def rule_record(rule: Rule) -> dict[str, object]:
    template = rule.bus.template
    return {
        "name": rule.name,
        "registry": rule.registry,
        "event": rule.event_type.value,
        "scope": {
            "kind": rule.scope.kind.value,
            "namespaces": list(rule.scope.namespaces),
            "repositories": list(rule.scope.repositories),
        },
        "tags": rule.tag_pattern,
        "scan_status": [s.value for s in rule.scan_status],
        "notify": {
            "method": rule.notify.method.value,
            "url": rule.notify.url.template,
            "secret": None if rule.notify.secret is None else rule.notify.secret.template,
            **({} if rule.notify.channel is None else {"channel": rule.notify.channel}),
        },
        "bus": {
            "description": rule.bus.description,
            "enabled": rule.bus.enabled,
            "template": None
            if template is None
            else {
                "format": template.format.value,
                "title": template.title,
                "text": template.text,
                "variables": dict(template.variables),
            },
        },
    }


def records(config: Config) -> list[dict[str, object]]:
    """One record a rule, sorted by registry then name (the order of the text table)."""
    return [rule_record(r) for r in sorted(config.rules, key=lambda r: (r.registry, r.name))]


def render(config: Config) -> str:
    return json_document(records(config))
