"""Semantic checks (CRN2xx, CRN3xx) over the schema-valid registries and rules of all documents, and
the construction of the `Config` model from them. Registries are checked in `registries`, notify and
bus blocks in `notify`; this module checks the rules themselves. What one cloud imposes (name rules,
event types, quotas, sizes) is asked of that cloud's rules (`providers.cloud(kind)`), never decided
here. Rules whose bus key and name agree write the same bus rule, so names are unique per bus (on
Alibaba: per region across instances, since every ACR rule generates a rule on `default`).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from crnotify import secrets, tagregex
from crnotify.config.channel import check_channel_notify, check_channel_rule
from crnotify.config.notify import EnvUses, check_bus, check_notify
from crnotify.config.registries import check_registries
from crnotify.delivery import channels, dingtalk
from crnotify.diagnostics import Diagnostic, codes, quote
from crnotify.diagnostics.reporter import Item, Reporter
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
from crnotify.providers import cloud

_RESERVED_PREFIX = "eventbridge-reserved-"  # dropped from a suggested name
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
    per_cloud: dict[Provider, list[tuple[Item, Registry]]] = {}
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
        if registry is not None:
            per_cloud.setdefault(registry.provider, []).append((item, registry))
    for kind, entries in per_cloud.items():
        cloud(kind).check_rule_set(rep, entries)
    _check_renames(rep, rules)
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
    rules = None if registry is None else cloud(registry.provider)
    if registry is not None:
        _check_rule_name(rep, item, registry)
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
    is_channel = channels.canonical(next(iter(item.data["notify"]))) is not None
    notify = (check_channel_notify if is_channel else check_notify)(rep, item, env, env_uses)
    provider = None if registry is None else registry.provider
    bus = check_bus(rep, item, event_type, notify.method, provider=provider, channel=notify.channel)
    broad = scope.kind is ScopeKind.INSTANCE and (tags in _MATCH_ALL or tags is None)
    if notify.method is NotifyMethod.DINGTALK and broad:
        rep.warning(
            codes.DINGTALK_BROAD,
            item,
            ("scope",),
            f"rule {quote(name)} sends every {event_type.short_name} event of the whole registry to one "
            f"DingTalk robot; DingTalk accepts {dingtalk.PER_MINUTE} messages a minute per robot and then "
            f"throttles it for {dingtalk.LOCK_SECONDS // 60} minutes",
            hint="narrow the scope to namespaces or repositories, or filter tags",
        )
    if rules is not None:
        rules.check_rule(rep, item, event_type, notify.method, tags_ok=tags_ok)
    rule = Rule(
        name=name,
        registry=str(data["registry"]),
        event_type=event_type,
        notify=notify,
        scope=scope,
        tag_pattern=".*" if tags is None else str(tags),
        scan_status=tuple(ScanStatus(s) for s in sorted(data.get("scan_status", ()))),
        bus=bus,
        renamed_from=None if data.get("renamed_from") is None else str(data["renamed_from"]),
    )
    check_channel_rule(rep, item, rule, broad=broad)
    if rules is not None and registry is not None:
        rules.check_built(rep, item, rule, registry, clean=item.path not in rep.failed)
    return rule


def _check_renames(rep: Reporter, rules: Sequence[Item]) -> None:
    """`renamed_from` names a rule that the YAML no longer declares (else the rename would delete a
    declared rule), once per registry (CRN206: a name used twice)."""
    declared = {(str(item.data["registry"]), item.name): item for item in rules}
    claimed: dict[tuple[str, str], Item] = {}
    for item in rules:
        old = item.data.get("renamed_from")
        if old is None:
            continue
        key = (str(item.data["registry"]), str(old))
        still = declared.get(key)
        first = claimed.setdefault(key, item)
        if still is not None:
            message = (
                f"rule {quote(item.name)} is renamed from itself"
                if still is item
                else f"rule {quote(item.name)} is renamed from {quote(str(old))}, which is still declared: "
                "the rename would delete it"
            )
            hint = f"remove `renamed_from`, or the rule {quote(str(old))} (at {still.mark('name')})"
        elif first is not item:
            message = (
                f"rules {quote(first.name)} and {quote(item.name)} are both renamed from {quote(str(old))}"
            )
            hint = f"keep `renamed_from` on one of them (first at {first.mark('renamed_from')})"
        else:
            continue
        rep.error(codes.DUPLICATE_RULE, item, ("renamed_from",), message, hint=hint)


def _check_rule_name(rep: Reporter, item: Item, registry: Registry) -> None:
    name = item.name
    problem = cloud(registry.provider).rule_name_problem(name)
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
    else:
        bus = cloud(registry.provider).bus_key(registry)
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
    risky = tagregex.backtracking_risk(tags)
    if risky is not None:
        rep.warning(
            codes.TAG_REGEX_BACKTRACKING,
            item,
            ("tags",),
            f"tags {quote(tags)} repeats a group that itself repeats (at position {risky}); ACR's Java "
            "regex engine backtracks and may take exponential time on a tag that almost matches",
            hint="repeat only single characters or classes, e.g. '(a+)+' → 'a+', '(\\w+-)*x' → '[\\w-]*x'",
        )
    return True


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
