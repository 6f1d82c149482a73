"""The planner: a pure function from (declared config, live state) to a typed plan. No I/O.

`plan(config, live)` diffs; `crnotify.drift` reuses its assessment of each live rule. The plan's
vocabulary (`Change`, `FieldChange`, …) is defined in `changes`; deepdiff never leaks out.
"""

from __future__ import annotations

from crnotify.planner.changes import (
    Action,
    Change,
    CreateRegistryRule,
    DeleteRule,
    FieldChange,
    Operation,
    Plan,
    PlanError,
    PutBusRule,
    RuleRef,
    Summary,
    UpdateRegistryRule,
)
from crnotify.planner.core import plan
from crnotify.planner.desired import Desired, config_digest, desire, desired_digest

__all__ = [
    "Action",
    "Change",
    "CreateRegistryRule",
    "DeleteRule",
    "Desired",
    "FieldChange",
    "Operation",
    "Plan",
    "PlanError",
    "PutBusRule",
    "RuleRef",
    "Summary",
    "UpdateRegistryRule",
    "config_digest",
    "desire",
    "desired_digest",
    "plan",
]
