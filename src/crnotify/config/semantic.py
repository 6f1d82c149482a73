"""Semantic checks (CRN2xx, CRN3xx) over the schema-valid registries and rules of all documents, and
the construction of the `Config` model from them. Registries are checked in `registries`, notify and
bus blocks in `notify`, what only AWS imposes in `aws`; this module checks the rules themselves.

Facts relied on (research/alibaba-facts.md): each region allows 10 event rules (§6); EventBridge
rule names are ≤127 letters, digits and `-`, starting with a letter or digit, not
`eventbridge-reserved-…` (§2.5); saving an ACR rule creates a bus rule of the same name on the
region's `default` bus (§6), so names must be unique per region across instances; DingTalk robots
take 20 messages a minute, then are throttled for 10 minutes (§5). AWS rule names are ≤64 of
`[.\\-_A-Za-z0-9]` (research/aws-facts.md §2).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from crnotify import secrets, tagregex
from crnotify.config import codes
from crnotify.config._items import Item, Reporter
from crnotify.config.aws import check_aws_built, check_aws_rule
from crnotify.config.notify import EnvUses, check_bus, check_notify
from crnotify.config.registries import DOCS, check_registries
from crnotify.diagnostics import Diagnostic, quote
from crnotify.model import (
    EventType,
    NotifyMethod,
    Provider,
    Registry,
    Rule,
    ScanStatus,
    Scope,
    ScopeKind,
)

RULES_PER_REGION = 10
DINGTALK_PER_MINUTE = 20
_ALIBABA_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*")
_AWS_NAME = re.compile(r"[.\-_A-Za-z0-9]+")
_RESERVED_PREFIX = "eventbridge-reserved-"
_MATCH_ALL = {".*", "^.*", ".*$", "^.*$", "(.*)", "^(.*)$"}


@dataclass(frozen=True, slots=True)
class Checked:
    registries: tuple[Registry, ...]
    rules: tuple[Rule, ...]
    diagnostics: tuple[Diagnostic, ...]


def check(
    registries: Sequence[Item],
    rules: Sequence[Item],
    *,
    broken_registry_names: set[str],
    env: Mapping[str, str],
    for_cloud: bool,
) -> Checked:
    """Check and build. `broken_registry_names` had schema errors: rules may refer to them silently."""
    rep = Reporter()
    declared = check_registries(rep, registries)
    env_uses = EnvUses()
    built: list[Rule] = []
    per_bus: dict[tuple[str, ...], Item] = {}
    per_region: dict[str, list[tuple[Item, str]]] = {}
    for item in rules:
        registry_name = str(item.data["registry"])
        registry = declared.get(registry_name)
        if registry is None and registry_name not in broken_registry_names:
            choices = sorted(declared)
            close = difflib.get_close_matches(registry_name, choices, n=1)
            rep.error(
                codes.UNKNOWN_REGISTRY,
                item,
                ("registry",),
                f"rule {quote(item.name)} refers to registry {quote(registry_name)}, which is not declared",
                hint=(f"did you mean {quote(close[0])}? " if close else "")
                + (
                    f"declared registries: {', '.join(choices)}"
                    if choices
                    else "declare it under `registries:`"
                ),
            )
        rule = _check_rule(rep, item, registry, env=env, env_uses=env_uses, per_bus=per_bus)
        built.append(rule)
        if registry is not None and registry.provider is Provider.ALIBABA:
            per_region.setdefault(registry.region, []).append((item, registry.name))
    _check_quota(rep, per_region)
    _check_env(rep, env_uses, env, for_cloud=for_cloud)
    return Checked(
        registries=tuple(declared.values()), rules=tuple(built), diagnostics=tuple(rep.diagnostics)
    )


def _check_rule(
    rep: Reporter,
    item: Item,
    registry: Registry | None,
    *,
    env: Mapping[str, str],
    env_uses: EnvUses,
    per_bus: dict[tuple[str, ...], Item],
) -> Rule:
    data = item.data
    name = item.name
    event_type = EventType.parse(str(data["event"]))
    if registry is not None:
        _check_rule_name(rep, item, registry)
    if registry is not None and registry.provider is Provider.ALIBABA and not event_type.is_acr_rule_type:
        _refuse_acr_event(rep, item, event_type)
    _check_unique(rep, item, registry, per_bus)
    scope = _check_scope(rep, item)
    tags = data.get("tags")
    tags_ok = tags is None or _check_tags(rep, item, str(tags))
    if "scan_status" in data and event_type is not EventType.SCAN:
        rep.error(
            codes.SCAN_STATUS,
            item,
            ("scan_status",),
            f"scan_status only applies to scan rules; rule {quote(name)} selects "
            f"{event_type.short_name} events",
            hint="remove scan_status, or set `event: scan`",
            key=True,
        )
    notify = check_notify(rep, item, env, env_uses)
    provider = None if registry is None else registry.provider
    bus = check_bus(rep, item, event_type, notify.method, provider=provider)
    if (
        notify.method is NotifyMethod.DINGTALK
        and scope.kind is ScopeKind.INSTANCE
        and (tags in _MATCH_ALL or tags is None)
    ):
        rep.warning(
            codes.DINGTALK_BROAD,
            item,
            ("scope",),
            f"rule {quote(name)} sends every {event_type.short_name} event of the whole registry to one "
            f"DingTalk robot; DingTalk accepts {DINGTALK_PER_MINUTE} messages a minute per robot and then "
            "throttles it for 10 minutes",
            hint="narrow the scope to namespaces or repositories, or filter tags",
        )
    if registry is not None and registry.provider is Provider.AWS:
        check_aws_rule(rep, item, event_type, notify.method, tags_ok)
    rule = Rule(
        name=name,
        registry=str(data["registry"]),
        event_type=event_type,
        notify=notify,
        scope=scope,
        tag_pattern=".*" if tags is None else str(tags),
        scan_status=tuple(ScanStatus(s) for s in sorted(data.get("scan_status", ()))),
        bus=bus,
    )
    if registry is not None and registry.provider is Provider.AWS:
        check_aws_built(rep, item, rule, registry, clean=item.path not in rep.failed)
    return rule


def _refuse_acr_event(rep: Reporter, item: Item, event_type: EventType) -> None:
    """`push` on ACR: Container Registry publishes PushCompleted to the `default` bus, but the
    EventType of its event rules offers only five types (research/acr-events.md §1)."""
    *first, last = (t.short_name for t in EventType.acr_rule_types())
    rep.error(
        codes.ACR_EVENT,
        item,
        ("event",),
        f"event {event_type.short_name} cannot be selected by an ACR event rule: Container Registry "
        f"publishes {event_type.value} to the EventBridge bus default, but its event rules select only "
        f"{', '.join(first)} and {last} events",
        hint=f"a plain EventBridge rule on the bus default could select {event_type.value}, but crnotify "
        "manages ACR event rules only; instead use `event: scan` with automatic scanning on push, a "
        "repository trigger (ACR's push webhook), or an aws registry, where push is ECR Image Action",
    )


def _check_rule_name(rep: Reporter, item: Item, registry: Registry) -> None:
    name = item.name
    problem = None
    if registry.provider is Provider.ALIBABA:
        if len(name) > 127:
            problem = f"is {len(name)} characters long; EventBridge allows 127"
        elif not _ALIBABA_NAME.fullmatch(name):
            problem = "may contain only letters, digits and '-' on Alibaba Cloud EventBridge"
        elif name.startswith(_RESERVED_PREFIX):
            problem = f"starts with {quote(_RESERVED_PREFIX)}, which EventBridge reserves"
    elif len(name) > 64:
        problem = f"is {len(name)} characters long; Amazon EventBridge allows 64"
    elif not _AWS_NAME.fullmatch(name):
        problem = "may contain only letters, digits, '.', '-' and '_' on Amazon EventBridge"
    if problem:
        suggestion = re.sub(r"[^A-Za-z0-9-]+", "-", name.removeprefix(_RESERVED_PREFIX)).strip("-")
        if len(suggestion) > 64:  # cut at a word boundary, not mid-word
            suggestion = suggestion[:65].rsplit("-", 1)[0] if "-" in suggestion[:65] else suggestion[:64]
        suggestion = suggestion or "my-rule"
        rep.error(
            codes.RULE_NAME,
            item,
            ("name",),
            f"rule name {quote(name)} {problem}",
            hint=f"rename it, e.g. {quote(suggestion)}; names of at most 64 letters, digits and '-' "
            "work on every provider",
        )


def _check_unique(
    rep: Reporter, item: Item, registry: Registry | None, per_bus: dict[tuple[str, ...], Item]
) -> None:
    """Names are unique per registry, and per bus: ACR instances of one region share `default`."""
    registry_name = str(item.data["registry"])
    if registry is None:
        bus: tuple[str, ...] = ("registry", registry_name)
    elif registry.provider is Provider.ALIBABA:
        bus = ("alibaba", registry.region)
    else:
        bus = ("aws", str(registry.account), registry.region)
    key = (*bus, item.name)
    first = per_bus.get(key)
    if first is None:
        per_bus[key] = item
        return
    if first.data["registry"] == registry_name:
        message = f"rule name {quote(item.name)} is used twice in registry {quote(registry_name)}"
    else:
        message = (
            f"rule name {quote(item.name)} is also used by registry {quote(first.data['registry'])} in "
            f"the same region; both would write the EventBridge rule {quote(item.name)} on the bus default"
        )
    rep.error(
        codes.DUPLICATE_RULE,
        item,
        ("name",),
        message,
        hint=f"rename one of them (first at {first.mark('name')})",
    )


def _check_scope(rep: Reporter, item: Item) -> Scope:
    scope = item.data["scope"]
    if scope == "instance":
        return Scope()
    namespaces = list(scope.get("namespaces", ()))
    namespace = scope.get("namespace")
    repositories = list(scope.get("repositories", ()))
    sub = ("scope",)
    if namespace is not None and namespaces:
        rep.error(
            codes.SCOPE,
            item,
            (*sub, "namespaces"),
            "scope has both namespace and namespaces",
            hint="use `namespaces: [...]` for whole namespaces, or `namespace:` with `repositories:`",
            key=True,
        )
    elif repositories and namespace is None:
        if len(namespaces) == 1:
            message = "repositories need `namespace:` (one namespace), not `namespaces:`"
            hint = f"write `namespace: {namespaces[0]}`"
        elif namespaces:
            message = f"repositories need exactly one namespace; this scope lists {len(namespaces)}"
            hint = "ACR's repository scope names repositories of one namespace: split the rule per namespace"
        else:
            message = "repositories need their namespace"
            hint = "add `namespace:` naming the namespace that holds these repositories"
        rep.error(codes.SCOPE, item, (*sub, "repositories"), message, hint=hint, key=True)
    elif namespace is not None and not repositories:
        rep.error(
            codes.SCOPE,
            item,
            (*sub, "namespace"),
            "`namespace:` names the namespace of `repositories:`, which is missing",
            hint=f"for every repository of the namespace write `namespaces: [{namespace}]`",
            key=True,
        )
    if namespace is not None:
        return Scope(
            kind=ScopeKind.REPO, namespaces=(str(namespace),), repositories=tuple(sorted(repositories))
        )
    if repositories:
        return Scope(
            kind=ScopeKind.REPO, namespaces=tuple(namespaces), repositories=tuple(sorted(repositories))
        )
    return Scope(kind=ScopeKind.NAMESPACE, namespaces=tuple(sorted(namespaces)))


def _check_tags(rep: Reporter, item: Item, tags: str) -> bool:
    try:
        tagregex.compile_tag_regex(tags)
    except tagregex.TagRegexError as exc:
        at = f" (at position {exc.position})" if exc.position is not None else ""
        rep.error(
            codes.TAG_REGEX,
            item,
            ("tags",),
            f"tags {quote(tags)} is not accepted: {exc.reason}{at}",
            hint="crnotify assumes ACR's Java regex and accepts what means the same in Java and Python "
            "(see docs/config.md, 'tags')",
        )
        return False
    if tagregex.anchored_only_at_start(tags):
        rep.warning(
            codes.TAG_REGEX_ANCHOR,
            item,
            ("tags",),
            f"tags {quote(tags)} is matched against the whole tag, so it only matches tags that end where "
            "the pattern ends",
            hint=f"to match tags that start this way, end it with .* ({quote(tags + '.*')})",
        )
    return True


def _check_quota(rep: Reporter, per_region: Mapping[str, list[tuple[Item, str]]]) -> None:
    for region, entries in per_region.items():
        if len(entries) <= RULES_PER_REGION:
            continue
        counts: dict[str, int] = {}
        for _, registry in entries:
            counts[registry] = counts.get(registry, 0) + 1
        breakdown = ", ".join(f"{name}: {n}" for name, n in counts.items())
        item, _ = entries[RULES_PER_REGION]
        rep.error(
            codes.RULE_QUOTA,
            item,
            ("name",),
            f"region {region} has {len(entries)} event rules ({breakdown}); ACR allows at most "
            f"{RULES_PER_REGION} per region, and EventBridge counts the generated rules the same way",
            hint=f"rule {quote(item.name)} is the first over the limit; remove or merge rules (see {DOCS})",
        )


def _check_env(rep: Reporter, env_uses: EnvUses, env: Mapping[str, str], *, for_cloud: bool) -> None:
    for name, uses in env_uses.uses.items():
        item, sub = uses[0]
        value = env.get(name)
        if value and len(value) < secrets.MIN_LENGTH:
            # Refused by every command: logs could not mask it reliably, nor a digest protect it
            # (crnotify.secrets). The message names the variable and its length, never the value.
            rep.error(
                codes.SECRET_SHORT,
                item,
                sub,
                f"environment variable {name} holds {len(value)} characters; a secret needs at least "
                f"{secrets.MIN_LENGTH} to be masked in logs and kept out of reach of guessing",
                hint=f"use the full token the service issued in {name}",
            )
            continue
        if value:
            continue
        times = f"; used {len(uses)} times, first here" if len(uses) > 1 else ""
        message = f"environment variable {name} is not set{times}"
        if for_cloud:
            rep.error(codes.ENV_UNSET, item, sub, message, hint=f"set {name} before running this command")
        else:
            rep.warning(
                codes.ENV_UNSET, item, sub, message, hint=f"plan and apply need {name}; validate only warns"
            )
