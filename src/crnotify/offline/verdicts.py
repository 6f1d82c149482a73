"""What an event case expects and how `crnotify test` checks it: the data of an event file, the
verdicts' comparison with its expectations, and each event's result. No file reading here (that is
`expectations`), so the renderers can use these types.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from crnotify.offline.runner import Sent, Verdict


@dataclass(frozen=True, slots=True, kw_only=True)
class Expectations:
    path: str
    fires: tuple[str, ...] = ()
    does_not_fire: tuple[str, ...] = ()
    message_contains: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class EventCase:
    path: str
    event: Mapping[str, Any]
    expectations: Expectations | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Check:
    description: str
    passed: bool
    detail: str = ""


def _find(verdicts: Sequence[Verdict], name: str) -> Verdict | str:
    """The verdict for a rule reference, or an error text."""
    found = [v for v in verdicts if name in (v.rule, v.qualified)]
    if len(found) == 1:
        return found[0]
    if not found:
        return f"no declared rule named {name!r}"
    choices = ", ".join(v.qualified for v in found)
    return f"{name!r} is ambiguous ({choices}); write registry/name"


def check(expectations: Expectations, verdicts: Sequence[Verdict]) -> list[Check]:
    checks: list[Check] = []
    for name in expectations.fires:
        checks.append(_fire_check(name, verdicts, want=True))
    for name in expectations.does_not_fire:
        checks.append(_fire_check(name, verdicts, want=False))
    for name, texts in expectations.message_contains:
        verdict = _find(verdicts, name)
        for text in texts:
            description = f"{name} message contains {text!r}"
            if isinstance(verdict, str):
                checks.append(Check(description=description, passed=False, detail=verdict))
            elif not verdict.fires:
                checks.append(Check(description=description, passed=False, detail="the rule does not fire"))
            else:
                missing = [m.target_id for m in verdict.messages if text not in m.body]
                detail = f"not in the message of target(s) {', '.join(missing)}" if missing else ""
                checks.append(Check(description=description, passed=not missing, detail=detail))
    return checks


def _fire_check(name: str, verdicts: Sequence[Verdict], *, want: bool) -> Check:
    description = f"{name} {'fires' if want else 'does not fire'}"
    verdict = _find(verdicts, name)
    if isinstance(verdict, str):
        return Check(description=description, passed=False, detail=verdict)
    if verdict.skipped:
        return Check(description=description, passed=False, detail=f"not evaluated: {verdict.reason}")
    if verdict.fires == want:
        return Check(description=description, passed=True)
    return Check(description=description, passed=False, detail=verdict.reason or "it fires")


@dataclass(frozen=True, slots=True, kw_only=True)
class EventResult:
    case: EventCase
    verdicts: tuple[Verdict, ...]
    checks: tuple[Check, ...] = ()
    sent: tuple[Sent, ...] = field(default=())

    @property
    def failed(self) -> bool:
        return any(not c.passed for c in self.checks) or any(not s.ok for s in self.sent)


def summary(results: Sequence[EventResult]) -> dict[str, int]:
    checks = [c for r in results for c in r.checks]
    sent = [s for r in results for s in r.sent]
    return {
        "events": len(results),
        "firings": sum(v.fires for r in results for v in r.verdicts),
        "expectations_passed": sum(c.passed for c in checks),
        "expectations_failed": sum(not c.passed for c in checks),
        "deliveries_ok": sum(s.ok for s in sent),
        "deliveries_failed": sum(not s.ok for s in sent),
    }
