"""Replay throughput: `crnotify replay`'s engine versus `json.loads` on the same history (issue 17).

A 100,000-event ACR history (five types, twenty repositories, a burst every few minutes) as JSONL, and
ten declared rules of mixed types, scopes, tag filters and channels (DingTalk robots, rate limited;
HTTPS endpoints). The baseline parses every line with `json.loads`; the replay side runs
`offline.replay.replay` over the parsed events: each rule's compiled pattern and tag filter, each
target's message, the robots' rate limit with retries. Both are timed in the same run; the figure is
replay events/s ÷ json.loads events/s (best of `--rounds` each). Target ≥ 0.25. It also prints the
end-to-end figure (parse + replay) for reference.

Run: `PYTHONPATH=src python bench/replay_throughput.py [--events 100000] [--rounds 3]`
"""

from __future__ import annotations

import argparse
import json
import random
import time

from crnotify.model import (
    Config,
    EventType,
    Notify,
    NotifyMethod,
    Registry,
    Rule,
    ScanStatus,
    Scope,
    ScopeKind,
    SecretText,
)
from crnotify.model import Provider as Kind
from crnotify.offline import replay
from crnotify.offline.samples import STATUS_VALUES, acr_event

INSTANCE = "cri-benchreplay01"
TYPES = list(STATUS_VALUES)
REPOS = [(f"team-{chr(97 + i % 5)}", f"repo{i}") for i in range(20)]


def history(count: int, seed: int = 17) -> list[str]:
    rng = random.Random(seed)
    start, lines = 1_767_225_600.0, []
    at = start
    for i in range(count):
        at += 0.1 if (i // 100) % 20 == 0 else rng.choice((0.5, 1.0, 2.0, 30.0))  # a burst now and then
        kind = rng.choice(TYPES)
        namespace, repo = rng.choice(REPOS)
        event = acr_event(
            kind, instance_id=INSTANCE, namespace=namespace, repository=repo, at=at, event_id=f"e{i}",
            tag=rng.choice(("v1.2.3", "latest", "dev-9")), status=rng.choice(STATUS_VALUES[kind]),
        )  # fmt: skip
        lines.append(json.dumps(event))
    return lines


def rules() -> Config:
    registry = Registry(name="prod", provider=Kind.ALIBABA, region="cn-hangzhou", instance_id=INSTANCE)

    def notify(i: int) -> Notify:
        if i % 2:
            url = f"https://oapi.dingtalk.com/robot/send?access_token=${{env:ROBOT_{i % 3}}}"
            return Notify(method=NotifyMethod.DINGTALK, url=SecretText(template=url))
        return Notify(method=NotifyMethod.HTTPS, url=SecretText(template=f"https://hooks.example.com/{i}"))

    scopes = [
        Scope(),
        Scope(kind=ScopeKind.NAMESPACE, namespaces=("team-a", "team-b")),
        Scope(kind=ScopeKind.REPO, namespaces=("team-c",), repositories=("repo2", "repo7")),
    ]
    declared = []
    for i in range(10):
        kind = TYPES[i % len(TYPES)]
        declared.append(
            Rule(
                name=f"rule-{i}",
                registry="prod",
                event_type=kind,
                scope=scopes[i % 3],
                tag_pattern=("v.*", ".*", "latest|v[0-9]+\\..*")[i % 3],
                scan_status=(ScanStatus.FAILED,) if kind is EventType.SCAN and i % 2 else (),
                notify=notify(i),
            )
        )
    return Config(registries=(registry,), rules=tuple(declared))


def best(rounds: int, work: object) -> float:
    assert callable(work)
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    lines = history(args.events)
    events = [json.loads(line) for line in lines]
    routes = replay.routes_of(rules())
    assert len(routes) == 10
    parse = best(args.rounds, lambda: [json.loads(line) for line in lines])
    run = best(args.rounds, lambda: replay.replay(events, routes))
    result = replay.replay(events, routes)
    parse_rate, replay_rate = args.events / parse, args.events / run
    print(f"history: {args.events} events, {len(routes)} rules; matched {result.matched}, "
          f"{sum(t.sent for t in result.targets)} sent, {sum(len(t.lost) for t in result.targets)} lost, "
          f"{sum(len(t.locks) for t in result.targets)} robot locks")  # fmt: skip
    print(f"json.loads: {parse_rate:,.0f} events/s")
    print(f"replay:     {replay_rate:,.0f} events/s")
    print(f"end to end (parse + replay): {args.events / (parse + run):,.0f} events/s")
    print(f"ratio replay / json.loads: {replay_rate / parse_rate:.2f} (target >= 0.25)")


if __name__ == "__main__":
    main()
