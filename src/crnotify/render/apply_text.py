"""An apply's progress and outcome as text: one numbered line per step, in the order of the apply's
history (`crnotify.apply`), then exactly what was and was not done."""

from __future__ import annotations

from crnotify.apply import ApplyResult, StepResult, StepStatus
from crnotify.planner import Action
from crnotify.render._style import paint, safe
from crnotify.render.plan_text import SYMBOLS

VERBS = {
    Action.CREATE: "create the registry rule",
    Action.UPDATE: "update",
    Action.DELETE: "delete",
    Action.REAPPLY_BUS: "re-apply the bus customisations",
    Action.RENAME: "create the registry rule",
}
STATUS_COLOURS = {
    StepStatus.APPLIED: "green",
    StepStatus.FAILED: "red",
    StepStatus.SKIPPED: "yellow",
    StepStatus.REFUSED: "red",
}


def step_line(step: StepResult, *, color: bool = False) -> str:
    symbol, colour = SYMBOLS[step.change.action]
    verb = VERBS[step.change.action]
    if step.change.action is Action.UPDATE and step.change.writes_registry:
        verb = "update the registry rule"
    elif step.change.action is Action.UPDATE:
        verb = "update the bus rule"
    elif step.change.action in (Action.CREATE, Action.RENAME) and not step.change.writes_registry:
        verb = "create the EventBridge rule"  # aws: the rule has no registry side
    if step.change.renamed_from is not None:
        verb += f" (renamed from {safe(step.change.renamed_from)})"
    elif step.change.renamed_to is not None:
        verb += f" (the old name of {safe(step.change.renamed_to)})"
    status = paint(step.status.value, color, fg=STATUS_COLOURS[step.status])
    name = safe(f"{step.change.registry}/{step.change.rule}")
    # The step's number in the apply's history (crnotify.apply): the log of a run reads in order.
    number = f"[{step.sequence}] " if step.sequence else ""
    line = f"{number}{paint(symbol, color, fg=colour)} {name}: {verb}: {status}"
    if not step.error:
        return line
    return "\n".join([line, *(f"    {part}" for part in safe(step.error).splitlines())])


RERUN = "Run apply again to finish: it plans from what is now live, so it picks up where this stopped."


def _finish_advice(result: ApplyResult) -> list[str]:
    """Advice to rerun only when a rerun can finish: not after a failure that recurs until its cause is
    fixed (a quota, permissions), which a rerun would only repeat."""
    lasting = [s for s in result.failed if s.status is StepStatus.FAILED and not s.transient]
    if not lasting:
        return [
            "Run apply again to finish: it plans from what is now live, so it picks up where this stopped."
        ]
    names = safe(", ".join(sorted({f"{s.change.registry}/{s.change.rule}" for s in lasting})))
    return [
        f"Not transient: {names} failed for a reason that running apply again does not change (see the "
        "errors above); fix the cause first. Applied steps stay applied; the next plan shows what is left."
    ]


def render(result: ApplyResult, *, color: bool = False) -> str:
    """The outcome, after the steps: what was applied, what was not and why, and how to finish."""
    lines: list[str] = []
    done = [s for s in result.steps if s.status is StepStatus.APPLIED]
    if result.failed:
        lines.append(paint("Apply failed part-way.", color, fg="red", bold=True))
        lines.append(f"Applied ({len(done)}):")
        lines += [f"  {step_line(s)}" for s in done] or ["  (nothing)"]
        lines.append(f"Not applied ({len(result.failed)}):")
        lines += [f"  {step_line(s)}" for s in result.failed]
        unattempted = sum(s.status in (StepStatus.SKIPPED, StepStatus.REFUSED) for s in result.failed)
        if unattempted:
            lines.append(
                f"Not attempted: {unattempted} of these (refused, or skipped after an earlier step failed)."
            )
        refused = sorted(
            {f"{s.change.registry}/{s.change.rule}" for s in result.failed if s.status is StepStatus.REFUSED}
        )
        if refused:
            lines.append(
                "Changed in the cloud while this apply ran, and left as they are: "
                f"{safe(', '.join(refused))}. Run `crnotify plan` to review those changes."
            )
        lines += _finish_advice(result)
    elif result.verification_error is not None:
        lines.append(
            f"All {len(done)} step(s) applied, but the verifying re-read failed: {result.verification_error}"
        )
    elif result.verification is not None and (result.verification.changes or result.verification.errors):
        lines.append(
            paint("All steps applied, but a new plan still shows changes:", color, fg="red", bold=True)
        )
        lines += [f"  {c.action.value} {c.registry}/{c.rule}" for c in result.verification.changes]
        lines += [f"  error {e.registry}/{e.rule}: {e.message}" for e in result.verification.errors]
    else:
        counts = {
            action: sum(1 for s in done if s.change.action is action and s.change.renamed_to is None)
            for action in Action
        }
        renamed = sum(1 for s in done if s.change.renamed_to is not None)
        lines.append(
            paint("Apply complete!", color, fg="green", bold=True)
            + f" {counts[Action.CREATE]} created, {counts[Action.UPDATE]} updated, "
            f"{counts[Action.DELETE]} deleted{f', {renamed} renamed' if renamed else ''}. "
            "A fresh plan shows no changes."
        )
    return "\n".join(lines) + "\n"
