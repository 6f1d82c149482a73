"""Replaying an event history through rules, with each channel's rate limits: what would have been sent.

Events are taken in time order (their CloudEvents `time`) on a clock of their own — no waiting, no
network: for every rule whose bus pattern (and the cloud's tag filter) matches, each target gets a
message. A rate-limited channel (`delivery.ratelimit.CHANNEL_LIMITS`: DingTalk's 20 a minute, then
locked 10 minutes; each chat channel's own windows, e.g. Lark's 5 a second and 100 a minute, refused
without a lock) admits or refuses each message as `ratelimit.admit` decides, the same function the
emulator's robots apply; a refused message is retried on the target's push-retry schedule, with
BACKOFF_RETRY's random 10–20 s taken as 15 s (`BACKOFF_DELAY`), and is lost when no retry gets in.
One robot is one webhook as written (the same `${env:…}` token is the same robot).

`Route`s come from declared rules (`routes_of(config)`, what apply would leave on the bus) or from
live bus rules (`live_routes`), so a plan can replay the rules before and after a change.
"""

from __future__ import annotations

import heapq
import json
from collections import defaultdict, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crnotify.delivery import channels as chat
from crnotify.delivery import push_retry
from crnotify.delivery.ratelimit import Limits, RobotState, admit, channel_limits
from crnotify.model import BusRule, Config, LiveState, NotifyMethod, Registry, Target
from crnotify.offline.runner import RuleBook
from crnotify.patterns import CompiledPattern, InvalidPatternError, compile_pattern
from crnotify.tagregex import TagRegex

BACKOFF_DELAY = sum(push_retry.BACKOFF_RANGE) / 2


@dataclass(frozen=True, slots=True)
class Route:
    registry: str
    rule: str
    matcher: CompiledPattern
    tag_regex: TagRegex | None
    targets: tuple[Target, ...]
    method: str  # whose limits apply: the chat channel of a channel rule, else the notify method


@dataclass(frozen=True, slots=True)
class Lock:
    at: float
    until: float


@dataclass
class TargetReport:
    """One target (a robot, an endpoint) over the history."""

    endpoint: str  # redacted
    method: str
    rules: list[str] = field(default_factory=list)
    offered: int = 0
    sent: int = 0
    peak_per_minute: int = 0
    peak_at: float | None = None
    locks: list[Lock] = field(default_factory=list)
    lost: list[tuple[float, str, str]] = field(default_factory=list)  # (time, event id, rule)
    # Messages the robot refused when first offered (time, event id, rule): retried, maybe lost.
    refused: list[tuple[float, str, str]] = field(default_factory=list)
    late: int = 0  # delivered by a retry


@dataclass(frozen=True, slots=True)
class ReplayResult:
    events: int
    matched: int
    targets: tuple[TargetReport, ...]
    start: float | None
    end: float | None

    @property
    def locked(self) -> bool:
        return any(t.locks for t in self.targets)


def _type_of(pattern: Mapping[str, Any]) -> frozenset[str] | None:
    """The exact `type` values a pattern requires, if it names them: an index for the fast path."""
    types = pattern.get("type")
    if isinstance(types, list) and types and all(isinstance(t, str) for t in types):
        return frozenset(types)
    return None


def routes_of(config: Config) -> list[Route]:
    """The declared rules as they would be on the bus (`crnotify test`'s rule book)."""
    routes = []
    for prepared in RuleBook.of(config).rules:
        if prepared.matcher is None or prepared.bus is None or not prepared.bus.enabled:
            continue
        routes.append(
            Route(
                registry=prepared.registry.name,
                rule=prepared.rule.name,
                matcher=prepared.matcher,
                tag_regex=prepared.tag_regex,
                targets=prepared.bus.targets,
                method=prepared.rule.notify.channel or prepared.rule.notify.method.value,
            )
        )
    return routes


def live_routes(registries: Sequence[Registry], live: LiveState) -> list[Route]:
    """Live bus rules as routes (their tag filter, kept by ACR alone, unknown: every tag passes)."""
    kinds = {r.name: r.provider.value for r in registries}
    routes = []
    for rule in live.rules:
        bus: BusRule | None = rule.bus
        if bus is None or not bus.enabled or rule.registry not in kinds:
            continue
        try:
            matcher = compile_pattern(bus.pattern, dialect=kinds[rule.registry])  # type: ignore[arg-type]
        except InvalidPatternError:
            continue
        method = _method(bus.targets)
        routes.append(Route(rule.registry, rule.name, matcher, None, bus.targets, method))
    return routes


def _method(targets: Sequence[Target]) -> str:
    """Whose limits a live rule's targets have: DingTalk's, a chat channel's by its host, or none."""
    for target in targets:
        if "dingtalk" in target.type.lower() or "oapi.dingtalk" in target.endpoint:
            return NotifyMethod.DINGTALK.value
        channel = chat.for_url(target.endpoint)
        if channel is not None:
            return channel.name
    return NotifyMethod.HTTPS.value


def event_time(event: Mapping[str, Any]) -> float | None:
    for key in ("time", "aliyunpublishtime"):
        text = event.get(key)
        if isinstance(text, str):
            try:
                return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
            except ValueError:
                continue
    return None


def _retry_delays(strategy: str | None) -> list[float]:
    if strategy == push_retry.EXPONENTIAL_DECAY_RETRY:
        return [min(2.0**i, push_retry.EXPONENTIAL_CAP) for i in range(push_retry.EXPONENTIAL_RETRIES)]
    return [BACKOFF_DELAY] * push_retry.BACKOFF_RETRIES


class _Channel:
    """One rate-limited target: messages in time order through `ratelimit.admit`, retries included."""

    def __init__(self, report: TargetReport, limits: Limits, delays: list[float]) -> None:
        self.report, self.limits, self.delays = report, limits, delays
        self.state = RobotState()
        self.queue: list[tuple[float, int, int, str, str]] = []  # (due, seq, attempt, event id, rule)
        self.seq = 0

    def offer(self, at: float, event_id: str, rule: str) -> None:
        self.drain(at)
        self.seq += 1
        heapq.heappush(self.queue, (at, self.seq, 0, event_id, rule))
        self.drain(at)

    def drain(self, until: float) -> None:
        while self.queue and self.queue[0][0] <= until:
            due, seq, attempt, event_id, rule = heapq.heappop(self.queue)
            was_locked = self.state.locked_until is not None and due < self.state.locked_until
            self.state, decision = admit(self.state, due, self.limits)
            if decision.allowed:
                self.report.sent += 1
                self.report.late += attempt > 0
                continue
            if not was_locked and decision.locked_until is not None:
                self.report.locks.append(Lock(due, decision.locked_until))
            if attempt == 0:
                self.report.refused.append((due, event_id, rule))
            if attempt < len(self.delays):
                heapq.heappush(self.queue, (due + self.delays[attempt], seq, attempt + 1, event_id, rule))
            else:
                self.report.lost.append((due - sum(self.delays[:attempt]), event_id, rule))


def replay(events: Iterable[Mapping[str, Any]], routes: Sequence[Route]) -> ReplayResult:
    """Replay `events` (any order; sorted by time here) through `routes`."""
    timed = sorted(
        ((t, i, e) for i, e in enumerate(events) if (t := event_time(e)) is not None), key=lambda x: x[:2]
    )
    by_type: dict[str, list[Route]] = defaultdict(list)
    any_type: list[Route] = []
    for route in routes:
        types = _type_of(route.matcher.pattern)
        if types is None:
            any_type.append(route)
        else:
            for name in types:
                by_type[name].append(route)
    reports: dict[str, TargetReport] = {}
    channels: dict[str, _Channel] = {}
    windows: dict[str, deque[float]] = {}
    matched = 0
    for at, _, event in timed:
        hit = False
        for route in (*by_type.get(str(event.get("type")), ()), *any_type):
            if not route.matcher.matches(event):
                continue
            if route.tag_regex is not None and not _tag_ok(route.tag_regex, event):
                continue
            hit = True
            for target in route.targets:
                key = target.endpoint
                report = reports.get(key)
                if report is None:
                    report = reports[key] = TargetReport(endpoint=chat.redact_url(key), method=route.method)
                    limits = channel_limits(route.method)
                    if limits is not None:
                        channels[key] = _Channel(report, limits, _retry_delays(target.retry_strategy))
                    windows[key] = deque()
                if route.rule not in report.rules:
                    report.rules.append(route.rule)
                report.offered += 1
                window = windows[key]
                window.append(at)
                while window[0] <= at - 60:
                    window.popleft()
                if len(window) > report.peak_per_minute:
                    report.peak_per_minute, report.peak_at = len(window), window[0]
                channel = channels.get(key)
                if channel is None:
                    report.sent += 1
                else:
                    channel.offer(at, str(event.get("id", "")), route.rule)
        matched += hit
    for channel in channels.values():
        channel.drain(float("inf"))
    ordered = tuple(sorted(reports.values(), key=lambda r: (r.endpoint, r.rules)))
    return ReplayResult(
        events=len(timed),
        matched=matched,
        targets=ordered,
        start=timed[0][0] if timed else None,
        end=timed[-1][0] if timed else None,
    )


def _tag_ok(regex: TagRegex, event: Mapping[str, Any]) -> bool:
    data = event.get("data")
    tag = data.get("Tag") if isinstance(data, Mapping) else None
    return not isinstance(tag, str) or regex.fullmatch(tag)


def parse_history(text: str, path: str) -> list[dict[str, Any]]:
    """An event history: one event a line — an ACR CloudEvent (a JSON object with a `data` object) or an
    Amazon EventBridge event (with a `detail` object), as `crnotify test --events` takes them; blank
    lines skipped. Raises ValueError naming `path:line`."""
    events = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except ValueError as exc:
            raise ValueError(f"{path}:{number}: not JSON: {exc}") from None
        if not isinstance(event, dict) or not any(isinstance(event.get(k), dict) for k in ("data", "detail")):
            raise ValueError(
                f"{path}:{number}: expected an event object: an ACR CloudEvent with a `data` object or "
                "an Amazon EventBridge event with a `detail` object"
            )
        events.append(event)
    return events


def lost_by_rule(result: ReplayResult) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for target in result.targets:
        for _, _, rule in target.lost:
            counts[rule] += 1
    return dict(counts)
