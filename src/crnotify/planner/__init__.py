"""The planner: a pure function from (declared config, live state) to a typed plan. No I/O.

`plan(config, live)` diffs through one assessment per rule (`assessment`, decided by each cloud's
planning rules); `crnotify.drift` reads the same assessments. The plan's vocabulary (`Change`,
`FieldChange`, …) is defined in `changes`; deepdiff never leaks out.
"""

from __future__ import annotations

from crnotify.planner.changes import (
    Action,
    Change,
    DeleteRule,
    FieldChange,
    Operation,
    Plan,
    PlanError,
    PutBusRule,
    RegistryWrite,
    RuleRef,
    Summary,
)
from crnotify.planner.core import config_digest, plan

__all__ = [
    "Action",
    "Change",
    "DeleteRule",
    "FieldChange",
    "Operation",
    "Plan",
    "PlanError",
    "PutBusRule",
    "RegistryWrite",
    "RuleRef",
    "Summary",
    "config_digest",
    "plan",
]
