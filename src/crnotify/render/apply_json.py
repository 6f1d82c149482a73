"""An apply as JSON, `apply --format json`: the plan applied, then the history of its steps in the
order they are reported (`crnotify.apply`: plan order, numbered from 1), what was not attempted, and
the verifying plan. schemas/output/apply.schema.json.

    {"format": "crnotify/apply", "format_version": 1,
     "plan": <the plan document of `plan --format json`>,
     "steps": [{"sequence", "registry", "rule", "action", "writes": "registry|bus|both",
                "outcome": "applied|failed|refused|skipped", "attempted", "error"}],
     "summary": {"applied", "failed", "refused", "skipped", "not_attempted"},
     "applied": true when every step was applied, "converged": and a fresh plan is empty,
     "verification": {"changes": [{"action", "registry", "rule"}], "errors": [...]} or null,
     "verification_error": why the verifying re-read failed, or null}

`steps` is empty when nothing was applied (the plan had errors, or nothing to do). Errors are the
messages the text output shows (they never hold a secret: provider errors are redacted at source).
"""

from __future__ import annotations

from crnotify.apply import ApplyResult, StepResult, StepStatus
from crnotify.model import JSON
from crnotify.planner import DeleteRule, Plan
from crnotify.render import plan_json
from crnotify.render._text import json_document, versioned

FORMAT_VERSION = 1
NOT_ATTEMPTED = (StepStatus.SKIPPED, StepStatus.REFUSED)


def step_document(step: StepResult) -> dict[str, JSON]:
    return {
        "sequence": step.sequence,
        "registry": step.change.registry,
        "rule": step.change.rule,
        "action": step.change.action.value,
        "writes": _writes(step),
        "outcome": step.status.value,
        "attempted": step.status not in NOT_ATTEMPTED,
        "error": step.error,
    }


def _writes(step: StepResult) -> str:
    """Which side of the rule the step writes: a delete removes whatever sides exist."""
    if isinstance(step.change.operation, DeleteRule):
        return "both"
    return "registry" if step.change.writes_registry else "bus"


def document(plan: Plan, result: ApplyResult | None) -> dict[str, JSON]:
    steps = () if result is None else result.steps
    counts: dict[str, JSON] = {status.value: sum(s.status is status for s in steps) for status in StepStatus}
    counts["not_attempted"] = sum(s.status in NOT_ATTEMPTED for s in steps)
    verification = None if result is None else result.verification
    return versioned(
        "apply",
        FORMAT_VERSION,
        {
            "plan": plan_json.document(plan),
            "steps": [step_document(s) for s in steps],
            "summary": counts,
            "applied": not plan.errors and (result is None or not result.failed),
            "converged": plan.is_empty and not plan.errors if result is None else result.converged,
            "verification": None
            if verification is None
            else {
                "changes": [
                    {"action": c.action.value, "registry": c.registry, "rule": c.rule}
                    for c in verification.changes
                ],
                "errors": [
                    {"registry": e.registry, "rule": e.rule, "message": e.message, "hint": e.hint}
                    for e in verification.errors
                ],
            },
            "verification_error": None if result is None else result.verification_error,
        },
    )


def render(plan: Plan, result: ApplyResult | None) -> str:
    """`result` is None when nothing was applied: the plan had errors or no changes."""
    return json_document(document(plan, result))
