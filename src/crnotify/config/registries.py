"""Semantic checks of `registries:` (CRN201–CRN204, CRN225), and the `Registry` models they yield.

What each provider needs of a registry (its fields, its regions) is asked of its cloud's checks; the
region ids each cloud has, of its `known_regions()`.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from crnotify.diagnostics import codes, quote
from crnotify.diagnostics.reporter import Item, Reporter
from crnotify.model import Provider, Registry
from crnotify.providers import cloud


def check_registries(rep: Reporter, items: Sequence[Item]) -> dict[str, Registry]:
    declared: dict[str, Registry] = {}
    first: dict[str, Item] = {}
    targets: dict[tuple[str, ...], Item] = {}
    for item in items:
        data = item.data
        name = item.name
        provider = Provider(data["provider"])
        region = str(data["region"])
        if name in first:
            rep.error(
                codes.DUPLICATE_REGISTRY,
                item,
                ("name",),
                f"registry name {quote(name)} is declared twice (first at {first[name].mark('name')})",
                hint="give each registry its own local name",
            )
            continue
        first[name] = item
        instance_id, account = data.get("instance_id"), data.get("account")
        check_region(rep, item, provider, region)
        target = cloud(provider).check_registry(rep, item)
        if target is not None:
            if target.key in targets:
                other = targets[target.key]
                rep.error(
                    codes.REGISTRY_TWICE,
                    item,
                    (),
                    f"registries {quote(other.name)} and {quote(name)} both declare {target.where}",
                    hint=f"declare it once (first at {other.mark()}) and point every rule at that name",
                )
            targets.setdefault(target.key, item)
        declared[name] = Registry(
            name=name,
            provider=provider,
            region=region,
            instance_id=None if instance_id is None else str(instance_id),
            account=None if account is None else str(account),
            invoke_role_arn=None if data.get("invoke_role_arn") is None else str(data["invoke_role_arn"]),
        )
    return declared


def check_region(rep: Reporter, item: Item, provider: Provider, region: str) -> None:
    """CRN225: a region id the registry's cloud does not have (a typo: `cn-hangzou`)."""
    rules = cloud(provider)
    known = rules.known_regions()
    if region in known:
        return
    elsewhere = [other.label for other in map(cloud, Provider) if region in other.known_regions()]
    close = difflib.get_close_matches(region, sorted(known), n=1, cutoff=0.6)
    if elsewhere:  # a region of the other cloud: the provider is the likelier mistake
        hint = f"{quote(region)} is a region of {elsewhere[0]}: is `provider: {provider.value}` right?"
    elif close:
        hint = f"did you mean {quote(close[0])}?"
    else:
        hint = f"{rules.label} regions: {', '.join(sorted(known))}"
    rep.error(
        codes.UNKNOWN_REGION,
        item,
        ("region",),
        f"{quote(region)} is not a region of {rules.label}",
        hint=hint,
    )
