"""What the semantic checks work on: schema-valid registry and rule mappings with their origin."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from crnotify.diagnostics import Diagnostic, Severity, codes, quote
from crnotify.source import Mark, Path, SourceMap


@dataclass(frozen=True, slots=True)
class Item:
    """One element of `registries` or `rules` that passed the schema, and where it is."""

    source: SourceMap
    path: Path  # ("rules", 3)
    data: Mapping[str, Any]

    def mark(self, *sub: str | int, key: bool = False) -> Mark:
        return self.source.lookup((*self.path, *sub), key=key)

    @property
    def name(self) -> str:
        return str(self.data["name"])


class Reporter:
    """Collects located diagnostics for the semantic checks."""

    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []
        self.failed: set[Path] = set()  # paths of items that got an error (for "first at" bookkeeping)

    def error(
        self,
        code: str,
        item: Item,
        sub: Path,
        message: str,
        *,
        hint: str | None = None,
        key: bool = False,
    ) -> None:
        self._add(Severity.ERROR, code, item, sub, message, hint=hint, key=key)
        self.failed.add(item.path)

    def warning(
        self,
        code: str,
        item: Item,
        sub: Path,
        message: str,
        *,
        hint: str | None = None,
        key: bool = False,
    ) -> None:
        self._add(Severity.WARNING, code, item, sub, message, hint=hint, key=key)

    def _add(
        self,
        severity: Severity,
        code: str,
        item: Item,
        sub: Path,
        message: str,
        *,
        hint: str | None,
        key: bool,
    ) -> None:
        path = (*item.path, *sub)
        diagnostic = Diagnostic(code=code, severity=severity, message=message, hint=hint, path=path)
        self.diagnostics.append(diagnostic.located(item.source, key=key))


def provider_fields(rep: Reporter, item: Item, *, needed: str | None, forbidden: str, why: str) -> None:
    """A registry field its provider needs (`needed`) or cannot take (`forbidden`)."""
    provider = item.data["provider"]
    if needed is not None and needed not in item.data:
        rep.error(
            codes.PROVIDER_FIELDS,
            item,
            (),
            f"{provider} registry {quote(item.name)} needs {needed} ({why})",
            hint=f"add `{needed}:`"
            + (" (the cri-… id from the ACR console)" if needed == "instance_id" else ""),
        )
    if forbidden in item.data:
        rep.error(
            codes.PROVIDER_FIELDS,
            item,
            (forbidden,),
            f"{forbidden} does not apply to {provider} registries",
            hint=f"remove {forbidden}, or set the provider it belongs to",
            key=True,
        )
