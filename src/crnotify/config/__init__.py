"""The declared config: YAML files → `crnotify.model.Config` plus diagnostics (see `load`)."""

from __future__ import annotations

from crnotify.config.load import LoadResult, load

__all__ = ["LoadResult", "load"]
