"""`crnotify doctor` as text: per registry, each check with its status, then "assumption → observed →
emulator default" for what a probe settled, then what the probe did. Redacted as the JSON report is
(`doctor_json.redacted`)."""

from __future__ import annotations

from collections.abc import Sequence

from crnotify.providers.base import Checkup
from crnotify.render.doctor_json import PROBLEMS, problems, redacted, settled


def render(checkups: Sequence[Checkup], *, show_account: bool = False) -> str:
    shown = redacted(checkups, show_account=show_account)
    lines: list[str] = []
    for c in shown:
        lines.append(f"Registry {c.registry} ({c.cloud}, {c.region}) as {c.identity}")
        for x in c.checks:
            detail = f": {x.detail}" if x.detail else ""
            lines.append(f"  {x.status:<11} {x.topic:<12} {x.name}{detail}")
        if c.observations:
            lines.append("  assumption → observed → emulator default")
            for o in c.observations:
                observed = o.observed or "not settled"
                differs = "  (differs)" if o.observed is not None and o.observed != o.default else ""
                lines.append(f"    {o.variant}: {o.assumption} → {observed} → {o.default or '?'}{differs}")
                lines.append(f"      {o.evidence}")
        if c.probe:
            lines.append("  probe")
            lines += [f"    {line}" for line in c.probe]
        lines.append("")
    found = problems(shown)
    lines.append(f"{found} problem(s) found ({'/'.join(PROBLEMS)})." if found else "No problems found.")
    variants = settled(shown)
    if variants:
        lines.append(
            "Observed variants: " + " ".join(variants) + " (`crnotify emulator serve --profile REPORT` "
            "behaves so; write REPORT with --out)."
        )
    return "\n".join(lines) + "\n"
