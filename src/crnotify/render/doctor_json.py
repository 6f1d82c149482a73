"""A `crnotify doctor` report as versioned JSON, redacted: what a user attaches to a bug report and
what `crnotify emulator serve --profile REPORT` reads (its `variants`: the settled `NAME=VALUE`s).

No secret reaches it (doctor's texts are the providers' masked messages, its scratch rule notifies a
`.invalid` URL), and the account id is replaced by `<account>` everywhere unless `show_account`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from crnotify.model import JSON
from crnotify.providers.base import Check, Checkup, Observation
from crnotify.render._text import json_document, versioned

FORMAT_VERSION = 1
ACCOUNT_MASK = "<account>"
PROBLEMS = ("denied", "failed", "unavailable", "full")


def redacted(checkups: Sequence[Checkup], *, show_account: bool) -> tuple[Checkup, ...]:
    """The checkups with every account id masked (unless `show_account`)."""
    if show_account:
        return tuple(checkups)
    accounts = sorted({c.account for c in checkups if c.account}, key=len, reverse=True)

    def mask(text: str) -> str:
        for account in accounts:
            text = text.replace(account, ACCOUNT_MASK)
        return text

    def check(c: Check) -> Check:
        return replace(c, name=mask(c.name), detail=mask(c.detail))

    def observation(o: Observation) -> Observation:
        return replace(o, evidence=mask(o.evidence))

    return tuple(
        replace(
            c,
            account=ACCOUNT_MASK if c.account else None,
            identity=mask(c.identity),
            checks=tuple(check(x) for x in c.checks),
            observations=tuple(observation(o) for o in c.observations),
            probe=tuple(mask(line) for line in c.probe),
        )
        for c in checkups
    )


def settled(checkups: Sequence[Checkup]) -> list[str]:
    """`NAME=VALUE` of every variant observed, the first registry's answer where several observed it."""
    chosen: dict[str, str] = {}
    for checkup in checkups:
        for o in checkup.observations:
            if o.observed is not None:
                chosen.setdefault(o.variant, o.observed)
    return [f"{name}={value}" for name, value in chosen.items()]


def problems(checkups: Sequence[Checkup]) -> int:
    return sum(1 for c in checkups for x in c.checks if x.status in PROBLEMS)


def document(checkups: Sequence[Checkup], *, show_account: bool = False) -> dict[str, JSON]:
    shown = redacted(checkups, show_account=show_account)
    body: dict[str, JSON] = {
        "registries": [
            {
                "registry": c.registry,
                "cloud": c.cloud,
                "region": c.region,
                "account": c.account,
                "identity": c.identity,
                "checks": [
                    {"topic": x.topic, "name": x.name, "status": x.status, "detail": x.detail}
                    for x in c.checks
                ],
                "observations": [
                    {
                        "variant": o.variant,
                        "assumption": o.assumption,
                        "observed": o.observed,
                        "default": o.default,
                        "evidence": o.evidence,
                    }
                    for o in c.observations
                ],
                "probe": list(c.probe),
            }
            for c in shown
        ],
        "variants": list(settled(shown)),
        "problems": problems(shown),
    }
    return versioned("doctor", FORMAT_VERSION, body)


def render(checkups: Sequence[Checkup], *, show_account: bool = False) -> str:
    return json_document(document(checkups, show_account=show_account))
