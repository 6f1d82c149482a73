"""Delivery health, the neutral half: what each cloud read about a declared rule, and the verdict.

A cloud's home reads its own records (`providers/alibaba/health.py`: ACR's event records and
EventBridge's traces; `providers/aws/health.py`: the rule's CloudWatch metrics) into one `Reading`
per declared rule. This module judges them, with no I/O:

- **failing**: some deliveries in the window failed for good; the targets' own answers are kept and
  sorted into kinds a reader can act on (DingTalk `130101` throttled, `310000` bad signature or
  keywords, HTTP 5xx, timeouts, …; each chat channel's own rate-limit, unknown-hook and keyword codes
  from its module's answers, `delivery.channels.answer_codes`: Lark `code 11232`, WeCom
  `errcode 45009`, Slack and Teams `HTTP 429: …` are throttled);
- **silent**: the registry had events in the rule's scope and the rule delivered none of them — a
  bus pattern edited so it matches nothing, a disabled rule, a scan mode that changed what arrives;
- **healthy**: every event in scope that reached a target was delivered;
- **idle**: nothing in scope happened in the window (nothing to judge);
- **unknown**: the cloud could not say (`note` tells why, e.g. the rule is not applied).

`crnotify health` exits 2 when any rule is failing or silent (`EXIT_UNHEALTHY`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

from crnotify.delivery import channels

EXIT_UNHEALTHY = 2


class Status(StrEnum):
    HEALTHY = "healthy"
    FAILING = "failing"
    SILENT = "silent"
    IDLE = "idle"
    UNKNOWN = "unknown"


class AnswerKind(StrEnum):
    THROTTLED = "throttled"
    BAD_SIGNATURE = "bad-signature"
    KEYWORDS = "keywords"
    BAD_TOKEN = "bad-token"  # noqa: S105 (a kind of answer, DingTalk 300001, a channel's unknown hook)
    HTTP_5XX = "http-5xx"
    HTTP_4XX = "http-4xx"
    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"
    REFUSED = "refused"
    OTHER = "other"


_KINDS: tuple[tuple[re.Pattern[str], AnswerKind], ...] = (
    (re.compile(r"errcode 130101|\b429\b|throttl", re.I), AnswerKind.THROTTLED),
    (re.compile(r"errcode 310000: (sign not match|invalid timestamp)", re.I), AnswerKind.BAD_SIGNATURE),
    (re.compile(r"errcode 310000", re.I), AnswerKind.KEYWORDS),
    (re.compile(r"errcode 300001", re.I), AnswerKind.BAD_TOKEN),
    (re.compile(r"HTTP 5\d\d|\[5\d\d\]", re.I), AnswerKind.HTTP_5XX),
    (re.compile(r"HTTP 4\d\d|\[4\d\d\]", re.I), AnswerKind.HTTP_4XX),
    (re.compile(r"timeout|timed out", re.I), AnswerKind.TIMEOUT),
    (re.compile(r"Connection\w*Error|unreachable|resolve", re.I), AnswerKind.UNREACHABLE),
    (re.compile(r"refusing to deliver|not an http", re.I), AnswerKind.REFUSED),
)


# What a chat channel's refusal means, for the kinds above; its codes are the channel's own facts.
_CHANNEL_VERDICTS = {
    channels.Verdict.RATE_LIMITED: AnswerKind.THROTTLED,
    channels.Verdict.UNKNOWN_HOOK: AnswerKind.BAD_TOKEN,
    channels.Verdict.KEYWORD: AnswerKind.KEYWORDS,
}
_CHANNEL_KINDS: tuple[tuple[re.Pattern[str], AnswerKind], ...] = tuple(
    (re.compile(rf"(?<![\w]){re.escape(code)}(?![\w])"), _CHANNEL_VERDICTS[verdict])
    for code, verdict in channels.answer_codes()
    if verdict in _CHANNEL_VERDICTS
)


def classify(answer: str) -> AnswerKind:
    """The kind of a target's answer (`errcode 130101: send too fast…`, `HTTP 503`, `code 11232: …`)."""
    for pattern, kind in (*_CHANNEL_KINDS, *_KINDS):
        if pattern.search(answer):
            return kind
    return AnswerKind.OTHER


@dataclass(frozen=True, slots=True)
class Push:
    """One delivery of one event by the rule: `ok`, and the target's last answer when it failed."""

    event_id: str
    at_ms: int
    ok: bool
    answer: str = ""
    attempts: int = 1


@dataclass(frozen=True, slots=True)
class Reading:
    """What a cloud read about one declared rule in the window. `in_scope`: events the registry had
    in the rule's scope (None when the cloud cannot tell); `matched`: those its bus rule matched."""

    registry: str
    rule: str
    source: str  # what was read, for the reader: "ACR event records + EventBridge traces", …
    in_scope: int | None
    matched: int | None
    pushes: tuple[Push, ...] = ()
    failed_count: int | None = None  # a count without events (CloudWatch FailedInvocations)
    delivered_count: int | None = None
    answers: tuple[tuple[str, int], ...] = ()  # answers counted without events (ThrottledRules)
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Answer:
    kind: AnswerKind
    text: str
    count: int


@dataclass(frozen=True, slots=True)
class Verdict:
    registry: str
    rule: str
    status: Status
    source: str
    in_scope: int | None
    matched: int | None
    delivered: int
    failed: int
    answers: tuple[Answer, ...] = ()
    reason: str = ""

    @property
    def unhealthy(self) -> bool:
        return self.status in (Status.FAILING, Status.SILENT)


@dataclass(frozen=True, slots=True)
class Report:
    verdicts: tuple[Verdict, ...]
    since_seconds: float
    window_seconds: float | None  # the shortest record window of the clouds read
    skipped: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def beyond_window(self) -> bool:
        return self.window_seconds is not None and self.since_seconds > self.window_seconds

    @property
    def exit_code(self) -> int:
        return EXIT_UNHEALTHY if any(v.unhealthy for v in self.verdicts) else 0


def judge(reading: Reading) -> Verdict:
    """The verdict on one rule's reading."""
    delivered_ids = {p.event_id for p in reading.pushes if p.ok}
    failed_ids = {p.event_id for p in reading.pushes if not p.ok} - delivered_ids
    delivered = len(delivered_ids) + (reading.delivered_count or 0)
    failed = len(failed_ids) + (reading.failed_count or 0)
    answers = Counter(
        p.answer or "no answer" for p in reading.pushes if not p.ok and p.event_id in failed_ids
    )
    for text, count in reading.answers:
        answers[text] += count
    shown = tuple(
        Answer(classify(text), text, count)
        for text, count in sorted(answers.items(), key=lambda a: (-a[1], a[0]))
    )
    base = Verdict(
        registry=reading.registry,
        rule=reading.rule,
        status=Status.UNKNOWN,
        source=reading.source,
        in_scope=reading.in_scope,
        matched=reading.matched,
        delivered=delivered,
        failed=failed,
        answers=shown,
    )
    if reading.note is not None and not reading.pushes and not delivered and not failed:
        return replace(base, reason=reading.note)
    if failed:
        kinds = ", ".join(dict.fromkeys(a.kind.value for a in shown)) or "failed invocations"
        return replace(base, status=Status.FAILING, reason=f"{failed} delivery(ies) failed: {kinds}")
    if reading.in_scope and not delivered:
        matched = reading.matched or 0
        why = "its bus rule matched none of them" if not matched else f"{matched} matched, none was delivered"
        return replace(
            base, status=Status.SILENT, reason=f"{reading.in_scope} event(s) in scope, none delivered: {why}"
        )
    if not delivered:
        return replace(base, status=Status.IDLE, reason="no event in scope in the window")
    return replace(base, status=Status.HEALTHY, reason=f"{delivered} delivered")


def report(
    readings: Sequence[Reading],
    *,
    since_seconds: float,
    window_seconds: float | None,
    skipped: Sequence[str] = (),
) -> Report:
    verdicts = tuple(judge(r) for r in sorted(readings, key=lambda r: (r.registry, r.rule)))
    return Report(
        verdicts=verdicts, since_seconds=since_seconds, window_seconds=window_seconds, skipped=tuple(skipped)
    )


def parse_duration(text: str) -> float:
    """`90s`, `15m`, `6h`, `3d`, `1w` (or a bare number of seconds) → seconds; ValueError otherwise."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*", text)
    if match is None or float(match.group(1)) <= 0:
        raise ValueError(f"{text!r} is not a duration such as 90s, 15m, 6h, 3d or 1w")
    unit = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}[match.group(2)]
    return float(match.group(1)) * unit
