"""Semantic checks of `registries:` (CRN201–CRN204), and the `Registry` models they yield.

Facts (research/alibaba-facts.md §6): ACR event notifications are not offered in five regions; the
docs name them China East 1/East 2/South 1 Finance, China North 2 Ali Gov 1 and UK (London).
"""

from __future__ import annotations

from collections.abc import Sequence

from crnotify.config import codes
from crnotify.config._items import Item, Reporter
from crnotify.diagnostics import quote
from crnotify.model import Provider, Registry

DOCS = "https://www.alibabacloud.com/help/en/acr/user-guide/create-an-event-notification"
UNAVAILABLE_REGIONS = {
    "cn-hangzhou-finance": "China East 1 Finance",
    "cn-shanghai-finance-1": "China East 2 Finance",
    "cn-shenzhen-finance-1": "China South 1 Finance",
    "cn-shenzhen-finance": "China South 1 Finance",
    "cn-north-2-gov-1": "China North 2 Ali Gov 1",
    "eu-west-1": "UK (London)",
}


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
        if provider is Provider.ALIBABA:
            _provider_fields(rep, item, needed="instance_id", forbidden="account", why="an ACR instance")
            _provider_fields(rep, item, needed=None, forbidden="invoke_role_arn", why="")
            target: tuple[str, ...] = ("alibaba", str(instance_id))
            where = f"ACR instance {instance_id}"
            if region in UNAVAILABLE_REGIONS:
                rep.error(
                    codes.REGION_UNAVAILABLE,
                    item,
                    ("region",),
                    f"ACR event notifications are not available in {region} ({UNAVAILABLE_REGIONS[region]})",
                    hint="the feature is missing in China East 1/East 2/South 1 Finance, China North 2 "
                    f"Ali Gov 1 and UK (London); see {DOCS}",
                )
        else:
            _provider_fields(rep, item, needed="account", forbidden="instance_id", why="an AWS account")
            target = ("aws", str(account), region)
            where = f"AWS account {account} in {region}"
        identity = instance_id if provider is Provider.ALIBABA else account
        if identity is not None:
            if target in targets:
                other = targets[target]
                rep.error(
                    codes.REGISTRY_TWICE,
                    item,
                    (),
                    f"registries {quote(other.name)} and {quote(name)} both declare {where}",
                    hint=f"declare it once (first at {other.mark()}) and point every rule at that name",
                )
            targets.setdefault(target, item)
        declared[name] = Registry(
            name=name,
            provider=provider,
            region=region,
            instance_id=None if instance_id is None else str(instance_id),
            account=None if account is None else str(account),
            invoke_role_arn=None if data.get("invoke_role_arn") is None else str(data["invoke_role_arn"]),
        )
    return declared


def _provider_fields(rep: Reporter, item: Item, *, needed: str | None, forbidden: str, why: str) -> None:
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
