"""Who is told about what: a rule's reach, and how a change moves it.

A rule's reach is registry → where (namespaces, repositories) → tags → event and status → channel.
`from_rule` reads it from a declared rule; `from_document` from the YAML mapping a cloud's importer
makes of a live rule (`Cloud.import_rule`), so the live side is read the same way on every cloud.
Channels are named without secrets: a DingTalk robot by its host, an HTTP(S) endpoint by scheme, host
and path — never a query string or credentials.

`change(before, after, repositories)` says in words what a plan's change does to the reach ("now also
covers team-b/*", "now notifies https://hooks.example.com/sec instead of …") and, given the
repositories the registry holds (`NS/REPO`), which ones the rule starts and stops covering.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from crnotify.model import Rule, ScopeKind

ANY_TAG = ".*"


@dataclass(frozen=True, slots=True)
class Reach:
    registry: str
    rule: str
    event: str  # the short name: scan, build, …
    statuses: tuple[str, ...] = ()  # () = any status
    kind: ScopeKind = ScopeKind.INSTANCE
    namespaces: tuple[str, ...] = ()
    repositories: tuple[str, ...] = ()
    tags: str | None = ANY_TAG  # None: not known (ACR cannot read a rule's tag filter back)
    channel: str = ""
    enabled: bool = True

    @property
    def where(self) -> tuple[str, ...]:
        """`*/*` (the whole registry), `team-a/*` per namespace, or `team-a/api` per repository."""
        if self.kind is ScopeKind.INSTANCE:
            return ("*/*",)
        if self.kind is ScopeKind.NAMESPACE:
            return tuple(f"{n}/*" for n in self.namespaces)
        namespace = self.namespaces[0] if self.namespaces else "?"
        return tuple(f"{namespace}/{r}" for r in self.repositories)

    @property
    def what(self) -> str:
        """`scan COMPLETE|FAILED`, or `build` for any status."""
        return f"{self.event} {'|'.join(self.statuses)}" if self.statuses else self.event

    @property
    def tag_text(self) -> str:
        return (
            "tags unknown"
            if self.tags is None
            else ("any tag" if self.tags == ANY_TAG else f"tags {self.tags}")
        )

    def covers(self, repository: str) -> bool:
        """Whether `NS/REPO` is in the rule's scope (tags aside)."""
        namespace, _, repo = repository.partition("/")
        if self.kind is ScopeKind.INSTANCE:
            return True
        if namespace not in self.namespaces:
            return False
        return self.kind is ScopeKind.NAMESPACE or repo in self.repositories

    def sentence(self) -> str:
        return f"{', '.join(self.where)}, {self.tag_text}, {self.what}: notifies {self.channel}"


def channel(method: str, url: str) -> str:
    """A channel named without secrets: `DingTalk robot at oapi.dingtalk.com`, `https://host/path`."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or "?"
    except ValueError:
        return f"{method} endpoint"
    if method == "dingtalk":
        return f"DingTalk robot at {host}"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def from_rule(rule: Rule) -> Reach:
    return Reach(
        registry=rule.registry,
        rule=rule.name,
        event=rule.event_type.short_name,
        statuses=tuple(s.value for s in rule.scan_status),
        kind=rule.scope.kind,
        namespaces=rule.scope.namespaces,
        repositories=rule.scope.repositories,
        tags=rule.tag_pattern,
        channel=channel(rule.notify.method.value, rule.notify.url.template),
        enabled=rule.bus.enabled is not False,
    )


def from_document(registry: str, document: Mapping[str, object], *, tags_known: bool) -> Reach:
    """The reach of a rule's YAML mapping (`crnotify import`'s shape). `tags_known`: whether the
    mapping's lack of `tags` means any tag (AWS patterns carry it) or that it cannot be read (ACR)."""
    scope = document.get("scope")
    kind = ScopeKind.INSTANCE
    namespaces: tuple[str, ...] = ()
    repositories: tuple[str, ...] = ()
    if isinstance(scope, Mapping):
        if "repositories" in scope:
            kind = ScopeKind.REPO
            namespaces = (str(scope.get("namespace", "")),)
            repositories = tuple(str(r) for r in _list(scope.get("repositories")))
        else:
            kind, namespaces = ScopeKind.NAMESPACE, tuple(str(n) for n in _list(scope.get("namespaces")))
    notify = document.get("notify")
    method, url = "", ""
    if isinstance(notify, Mapping) and notify:
        method = str(next(iter(notify)))
        body = notify[method]
        if isinstance(body, Mapping):
            url = str(body.get("webhook") or body.get("url") or "")
    tags = document.get("tags")
    bus = document.get("bus")
    return Reach(
        registry=registry,
        rule=str(document.get("name", "")),
        event=str(document.get("event", "")),
        statuses=tuple(str(s) for s in _list(document.get("scan_status"))),
        kind=kind,
        namespaces=namespaces,
        repositories=repositories,
        tags=str(tags) if tags is not None else (ANY_TAG if tags_known else None),
        channel=channel(method, url),
        enabled=not (isinstance(bus, Mapping) and bus.get("enabled") is False),
    )


def _list(value: object) -> list[object]:
    return list(value) if isinstance(value, list | tuple) else []


@dataclass(frozen=True, slots=True)
class ReachChange:
    registry: str
    rule: str
    before: Reach | None
    after: Reach | None
    words: tuple[str, ...]
    starts_covering: tuple[str, ...] = ()  # NS/REPO, when the registry's repositories were listed
    stops_covering: tuple[str, ...] = ()
    listed: bool = False  # whether the repositories could be listed

    @property
    def changed(self) -> bool:
        return bool(self.words)


def change(
    before: Reach | None, after: Reach | None, repositories: Sequence[str] | None = None
) -> ReachChange:
    """What a change does to a rule's reach; `repositories` (NS/REPO), when the registry can list them."""
    subject = after or before
    assert subject is not None
    words: list[str] = []
    if before is None and after is not None:
        words.append(f"{after.sentence()} (new)")
    elif after is None and before is not None:
        words.append(f"{', '.join(before.where)}, {before.what}: no longer notifies {before.channel}")
    elif before is not None and after is not None:
        words += _differences(before, after)
    starts: tuple[str, ...] = ()
    stops: tuple[str, ...] = ()
    if repositories is not None:
        was = {r for r in repositories if before is not None and before.covers(r)}
        now = {r for r in repositories if after is not None and after.covers(r)}
        starts, stops = tuple(sorted(now - was)), tuple(sorted(was - now))
    return ReachChange(
        registry=subject.registry,
        rule=subject.rule,
        before=before,
        after=after,
        words=tuple(words),
        starts_covering=starts,
        stops_covering=stops,
        listed=repositories is not None,
    )


def _differences(before: Reach, after: Reach) -> list[str]:
    lead = f"{', '.join(after.where)}, {after.tag_text}, {after.what}"
    words = []
    added = [w for w in after.where if w not in before.where and not _within(w, before)]
    dropped = [w for w in before.where if w not in after.where and not _within(w, after)]
    if added:
        words.append(f"now also covers {', '.join(added)}")
    if dropped:
        words.append(f"no longer covers {', '.join(dropped)}")
    if before.tags is not None and after.tags != before.tags:
        words.append(f"tags {before.tags} → {after.tags}")
    if before.statuses != after.statuses or before.event != after.event:
        words.append(f"{before.what} → {after.what}")
    if before.channel != after.channel:
        words.append(f"now notifies {after.channel} instead of {before.channel}")
    if before.enabled != after.enabled:
        words.append("enabled again" if after.enabled else "disabled: notifies no one")
    return [f"{lead}: {'; '.join(words)}"] if words else []


def _within(where: str, reach: Reach) -> bool:
    """Whether `NS/REPO` or `NS/*` is already inside `reach`'s scope."""
    namespace, _, repo = where.partition("/")
    if reach.kind is ScopeKind.INSTANCE:
        return True
    if namespace == "*":
        return False
    if repo == "*":
        return reach.kind is ScopeKind.NAMESPACE and namespace in reach.namespaces
    return reach.covers(where)
