"""Each cloud's home, and the one table that picks it by the registry's provider (DESIGN.md §3).

`providers/<cloud>/` holds everything about one cloud with the same skeleton for both: `cloud.py`
(its `Cloud`: the rules below, behind one object), `checks.py` (validation), `assess.py` (planning
rules: one assessment per rule), `importer.py`, `offline.py` (`crnotify test`), its facts and limits,
and its API code (`provider.py`, `errors.py`, `_sdk.py` — the only module that imports its SDK).
Core code asks `cloud(registry.provider)`; it never branches on the kind itself.

The cloud packages are imported when first asked for, so a light command pays only for the clouds
its config names, and their rules modules never import an SDK.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING

from crnotify.model import Provider as ProviderKind

if TYPE_CHECKING:
    from crnotify.providers.base import Cloud, Connect

# The table: one row per cloud.
_HOMES = {
    ProviderKind.ALIBABA: "crnotify.providers.alibaba",
    ProviderKind.AWS: "crnotify.providers.aws",
}


@cache
def cloud(kind: ProviderKind) -> Cloud:
    """The rules of one cloud."""
    found: Cloud = import_module(f"{_HOMES[kind]}.cloud").CLOUD
    return found


def connector(kind: ProviderKind) -> Connect:
    """How a session connects to one cloud (its API code: imported only when called)."""
    found: Connect = import_module(f"{_HOMES[kind]}.connect").connect
    return found


__all__ = ["cloud", "connector"]
