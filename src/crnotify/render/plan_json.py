"""A plan as versioned JSON with sorted keys, for CI scripts and PR bots.

    {"format": "crnotify/plan", "format_version": 2,
     "summary": {"create": N, "update": N, "delete": N, "rename": N},
     "changes": [{"action": "create|update|delete|reapply-bus|rename", "registry", "rule",
                  "fields": [{"path", "before", "after", "sensitive", ("before_unknown")}],
                  "reasons": [...],
                  "discards": [same shape as fields],
                  ("renamed_from": the old name, on a rename; "renamed_to": the new name, on the
                   deletion of the old one that ends it)}],
     "errors": [{"registry", "rule", "message", "hint"}],
     "unmanaged": [{"registry", "rule"}],
     "skipped_registries": [registries this session cannot reach: aws ones under --local or --endpoint],
     "notes": [advice that asks for nothing, e.g. a `renamed_from` that may be removed]}

A sensitive field never carries its value (research/anchors.md §c pain 3: JSON plans are where
Terraform leaks): `before`/`after` are `"(sensitive)"` or null, and `sensitive_change` says
`added`, `removed`, `changed` or `unchanged`. `before_unknown`, present only when the live value
cannot be read (a registry rule's tag regex), says why; `before` is null then, yet the field changes.
schemas/output/plan.schema.json. A saved plan file (`plan --out`, crnotify.planfile) is another
format with its own version; it carries this document under `plan`, for people and bots only.
"""

from __future__ import annotations

from crnotify.model import JSON
from crnotify.planner import Change, FieldChange, Plan
from crnotify.render._text import json_document, versioned

FORMAT_VERSION = 2  # 2: the one JSON convention (an integer and `format`; 1 was the string "1.0")


def field_document(field: FieldChange) -> dict[str, JSON]:
    if field.secret:
        return {
            "path": field.path,
            "before": None if field.before is None else "(sensitive)",
            "after": None if field.after is None else "(sensitive)",
            "sensitive": True,
            "sensitive_change": field.sensitive_status,
        }
    document: dict[str, JSON] = {
        "path": field.path,
        "before": field.before,
        "after": field.after,
        "sensitive": False,
    }
    if field.before_unknown is not None:
        document["before_unknown"] = field.before_unknown
    return document


def change_document(change: Change) -> dict[str, JSON]:
    document: dict[str, JSON] = {
        "action": change.action.value,
        "registry": change.registry,
        "rule": change.rule,
        "fields": [field_document(f) for f in change.fields],
        "reasons": list(change.reasons),
        "discards": [field_document(f) for f in change.discards],
    }
    if change.renamed_from is not None:
        document["renamed_from"] = change.renamed_from
    if change.renamed_to is not None:
        document["renamed_to"] = change.renamed_to
    return document


def document(plan: Plan) -> dict[str, JSON]:
    s = plan.summary
    return versioned(
        "plan",
        FORMAT_VERSION,
        {
            "summary": {"create": s.create, "update": s.update, "delete": s.delete, "rename": s.rename},
            "changes": [change_document(c) for c in plan.changes],
            "errors": [
                {"registry": e.registry, "rule": e.rule, "message": e.message, "hint": e.hint}
                for e in plan.errors
            ],
            "unmanaged": [{"registry": r.registry, "rule": r.rule} for r in plan.unmanaged],
            "skipped_registries": list(plan.skipped),
            "notes": list(plan.notes),
        },
    )


def render(plan: Plan) -> str:
    return json_document(document(plan))
