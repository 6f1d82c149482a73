"""AWS's limits and facts, defined once (research/aws-facts.md §2: Amazon EventBridge rule names)."""

from __future__ import annotations

import re

NAME_MAX = 64
NAME = re.compile(r"[.\-_A-Za-z0-9]+")


def rule_name_problem(name: str) -> str | None:
    """Why Amazon EventBridge refuses `name`, or None."""
    if len(name) > NAME_MAX:
        return f"is {len(name)} characters long; Amazon EventBridge allows {NAME_MAX}"
    if not NAME.fullmatch(name):
        return "may contain only letters, digits, '.', '-' and '_' on Amazon EventBridge"
    return None
