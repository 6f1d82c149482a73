"""Semantic pattern diff: which events a change makes a rule start or stop matching.

For a changed rule, the live bus rule's pattern (before) and the declared one (after, as apply would
leave it, `offline.replay.routes_of`) are both run over a set of events: the recorded history when
`plan --history` gives one, else sample events made for the rule — every event type either side
selects, each status of that type, the repositories both scopes name plus one outside them, and a few
tags (`SAMPLE_TAGS`). ACR keeps a rule's tag filter on its side, where it cannot be read back, so when
the live rule's filter is unknown both sides are judged with the declared one: a tag change alone
then shows no difference (the plan's own field diff names it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from crnotify.model import EventType, Registry
from crnotify.offline.replay import Route
from crnotify.offline.samples import STATUS_FIELD, STATUS_VALUES, acr_event
from crnotify.patterns import CompiledPattern
from crnotify.reach import Reach
from crnotify.tagregex import TagRegex

SAMPLE_TAGS = ("latest", "v1.2.3", "release-2", "dev-7f3a")
SHOWN = 10  # events listed per direction before "and N more"


@dataclass(frozen=True, slots=True)
class MatchChange:
    registry: str
    rule: str
    source: str  # "recorded" or "sample"
    checked: int
    starts: tuple[str, ...]  # described events: "scan team-b/api:v1.2.3 FAILED"
    stops: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return bool(self.starts or self.stops)


def describe(event: Mapping[str, Any]) -> str:
    data = event.get("data") if isinstance(event.get("data"), Mapping) else {}
    assert isinstance(data, Mapping)
    kind = str(event.get("type", "?"))
    try:
        parsed = EventType.parse(kind)
        short, status_field = parsed.short_name, STATUS_FIELD.get(parsed)
    except ValueError:
        short, status_field = kind, None
    status = f" {data.get(status_field)}" if status_field and data.get(status_field) else ""
    where = f"{data.get('RepoNamespaceName', '?')}/{data.get('RepoName', '?')}:{data.get('Tag', '?')}"
    return f"{short} {where}{status}"


def samples(registry: Registry, reaches: Sequence[Reach]) -> list[dict[str, Any]]:
    """Sample ACR events for these reaches (both sides of a change); [] for a registry without an
    ACR instance (its events are another cloud's: give a recorded history)."""
    if registry.instance_id is None:
        return []
    repos: list[tuple[str, str]] = []
    for reach in reaches:
        namespaces = reach.namespaces or ("team-a",)
        names = reach.repositories or ("app",)
        repos += [(n, r) for n in namespaces for r in names]
    repos.append(("crnotify-sample-other", "app"))
    kinds = []
    for reach in reaches:
        try:
            kinds.append(EventType.parse(reach.event))
        except ValueError:
            continue
    events: list[dict[str, Any]] = []
    for kind in (k for k in dict.fromkeys(kinds) if k in STATUS_VALUES):
        for namespace, repo in dict.fromkeys(repos):
            for tag in SAMPLE_TAGS:
                for status in STATUS_VALUES[kind]:
                    events.append(
                        acr_event(
                            kind, instance_id=registry.instance_id, namespace=namespace, repository=repo,
                            tag=tag, status=status, at=0.0, region=registry.region,
                            event_id=f"sample-{len(events)}",
                        )
                    )  # fmt: skip
    return events


def _matches(matcher: CompiledPattern, tags: TagRegex | None, event: Mapping[str, Any]) -> bool:
    if not matcher.matches(event):
        return False
    data = event.get("data")
    tag = data.get("Tag") if isinstance(data, Mapping) else None
    return tags is None or not isinstance(tag, str) or tags.fullmatch(tag)


def diff(
    before: Route | None, after: Route | None, events: Sequence[Mapping[str, Any]], *, source: str
) -> MatchChange:
    subject = after or before
    assert subject is not None
    tags = after.tag_regex if after is not None else None
    before_tags = before.tag_regex if before is not None and before.tag_regex is not None else tags
    starts, stops = [], []
    for event in events:
        was = before is not None and _matches(before.matcher, before_tags, event)
        now = after is not None and _matches(after.matcher, tags, event)
        if now and not was:
            starts.append(describe(event))
        elif was and not now:
            stops.append(describe(event))
    return MatchChange(
        registry=subject.registry,
        rule=subject.rule,
        source=source,
        checked=len(events),
        starts=tuple(dict.fromkeys(starts)),
        stops=tuple(dict.fromkeys(stops)),
    )
