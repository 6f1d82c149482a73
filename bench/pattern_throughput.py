"""Pattern-engine throughput divided by moto's event-pattern matcher, on the same patterns and events.

Issue 8, benchmark c (target >= 5). AWS dialect only, since moto implements Amazon EventBridge. Both
sides compile each pattern once (`compile_pattern` / `EventPattern.load`) and then match every event
against every pattern; only the matching is timed, best of several rounds for each side, interleaved so
that both see the same machine load. Patterns on which moto answers differently from crnotify for any
event (moto does not implement array-consistent matching, aws-facts §3.2) are left out and counted.

Run: `PYTHONPATH=src python bench/pattern_throughput.py` (a few seconds). The last line is the ratio.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from typing import Any

from moto.events.models import EventPattern

from crnotify.patterns import compile_pattern

ROUNDS = 7
SEED = 8

PATTERNS: list[dict[str, Any]] = [
    {"source": ["aws.ecr"]},
    {"source": ["aws.ecr"], "detail-type": ["ECR Image Action"], "detail": {"action-type": ["PUSH"]}},
    {"source": ["aws.ecr"], "detail": {"repository-name": ["team-a/api", "team-a/web", "team-b/worker"]}},
    {"detail": {"repository-name": [{"prefix": "team-a/"}], "result": ["SUCCESS"]}},
    {"detail": {"image-tag": [{"prefix": "v"}], "action-type": ["PUSH"]}},
    {"detail": {"image-tag": [{"suffix": "-rc"}]}},
    {"detail": {"image-tag": [{"anything-but": ["latest", "dev"]}]}},
    {"detail": {"repository-name": [{"anything-but": {"prefix": "sandbox/"}}]}},
    {
        "detail-type": ["ECR Image Scan"],
        "detail": {"finding-severity-counts": {"CRITICAL": [{"numeric": [">", 0]}]}},
    },
    {"detail": {"finding-severity-counts": {"HIGH": [{"numeric": [">=", 5, "<", 50]}]}}},
    {"detail": {"finding-severity-counts": {"CRITICAL": [{"exists": False}]}, "scan-status": ["COMPLETE"]}},
    {"detail": {"image-tags": ["latest", "stable"]}},
    {"detail": {"scan-status": [{"equals-ignore-case": "complete"}]}},
    {"detail": {"repository-name": [{"wildcard": "team-*/api"}]}},
    {"detail": {"source-ip": [{"cidr": "10.0.0.0/16"}]}},
    {
        "region": ["us-east-1", "eu-west-1"],
        "detail": {"image-tag": [{"prefix": {"equals-ignore-case": "RELEASE-"}}]},
    },
    {
        "source": ["aws.ecr"],
        "$or": [
            {"detail": {"finding-severity-counts": {"CRITICAL": [{"numeric": [">", 0]}]}}},
            {"detail": {"result": ["FAILURE"]}},
        ],
    },
    {
        "account": ["123456789012"],
        "detail": {"action-type": ["DELETE"], "repository-name": [{"prefix": "team-"}]},
    },
    {"detail": {"sync-status": ["FAILED"], "upstream-registry-url": [{"suffix": "docker.io"}]}},
    {"resources": [{"prefix": "arn:aws:ecr:us-east-1:123456789012:repository/team-a/"}]},
    # Array-consistent matching over `repositories[]`: moto never matches inside arrays of objects, so
    # this pattern is expected to be left out.
    {"detail": {"repositories": {"repository-name": ["team-a/api"], "scan-frequency": ["CONTINUOUS_SCAN"]}}},
]

REPOSITORIES = ["team-a/api", "team-a/web", "team-b/worker", "sandbox/tmp", "team-c/api", "base/alpine"]
TAGS = ["latest", "dev", "v1.2.3", "v2.0.0-rc", "release-7", "RELEASE-8", "nightly"]


def make_events(count: int, rng: random.Random) -> list[dict[str, Any]]:
    """ECR events shaped like the samples in the ECR guide (research/aws-facts.md §1.2)."""
    events: list[dict[str, Any]] = []
    for i in range(count):
        repo, tag = rng.choice(REPOSITORIES), rng.choice(TAGS)
        region = rng.choice(["us-east-1", "us-west-2", "eu-west-1"])
        base = {
            "version": "0",
            "id": f"13cde686-328b-6117-af20-{i:012d}",
            "source": "aws.ecr",
            "account": rng.choice(["123456789012", "210987654321"]),
            "time": "2019-11-16T01:54:34Z",
            "region": region,
            "resources": [f"arn:aws:ecr:{region}:123456789012:repository/{repo}"],
        }
        kind = i % 5
        if kind == 0:
            detail = {
                "result": rng.choice(["SUCCESS", "FAILURE"]),
                "repository-name": repo,
                "image-digest": f"sha256:{i:064x}",
                "action-type": rng.choice(["PUSH", "DELETE"]),
                "image-tag": tag,
                "source-ip": f"10.0.{rng.randint(0, 3)}.{rng.randint(1, 250)}",
            }
            events.append({**base, "detail-type": "ECR Image Action", "detail": detail})
        elif kind == 1:
            counts = {
                level: rng.randint(1, 60) for level in ("CRITICAL", "HIGH", "MEDIUM") if rng.random() < 0.6
            }
            detail = {
                "scan-status": rng.choice(["COMPLETE", "FAILED"]),
                "repository-name": repo,
                "finding-severity-counts": counts,
                "image-digest": f"sha256:{i:064x}",
                "image-tags": rng.sample(TAGS, rng.randint(0, 2)),
            }
            events.append({**base, "detail-type": "ECR Image Scan", "detail": detail})
        elif kind == 2:
            detail = {
                "result": "SUCCESS",
                "repository-name": repo,
                "image-digest": f"sha256:{i:064x}",
                "action-type": "REPLICATE",
                "image-tag": tag,
                "source-account": "123456789012",
                "source-region": "us-west-2",
            }
            events.append({**base, "detail-type": "ECR Replication Action", "detail": detail})
        elif kind == 3:
            repositories = [
                {
                    "repository-name": name,
                    "repository-arn": f"arn:aws:ecr:{region}:123456789012:repository/{name}",
                    "scan-frequency": rng.choice(["SCAN_ON_PUSH", "CONTINUOUS_SCAN"]),
                    "previous-scan-frequency": "MANUAL",
                }
                for name in rng.sample(REPOSITORIES, 2)
            ]
            detail = {
                "action-type": "SCAN_FREQUENCY_CHANGE",
                "repositories": repositories,
                "resource-type": "REPOSITORY",
                "scan-type": "ENHANCED",
            }
            events.append(
                {**base, "resources": [], "detail-type": "ECR Scan Resource Change", "detail": detail}
            )
        else:
            detail = {
                "rule-version": "1",
                "sync-status": rng.choice(["SUCCESS", "FAILED"]),
                "ecr-repository-prefix": "docker-hub",
                "repository-name": repo,
                "upstream-registry-url": rng.choice(["public.ecr.aws", "registry-1.docker.io"]),
                "image-tag": tag,
                "image-digest": f"sha256:{i:064x}",
            }
            events.append({**base, "detail-type": "ECR Pull Through Cache Action", "detail": detail})
    return events


def best_time(run: Callable[[], int], rounds: int) -> tuple[float, int]:
    best, matched = float("inf"), 0
    for _ in range(rounds):
        start = time.perf_counter()
        matched = run()
        best = min(best, time.perf_counter() - start)
    return best, matched


def main() -> None:
    events = make_events(1000, random.Random(SEED))
    ours_all = [compile_pattern(p, "aws") for p in PATTERNS]
    moto_all = [EventPattern.load(json.dumps(p)) for p in PATTERNS]
    kept = [
        (ours, theirs)
        for ours, theirs in zip(ours_all, moto_all, strict=True)
        if all(ours.matches(e) == theirs.matches_event(e) for e in events)
    ]
    ours_kept, moto_kept = [k[0] for k in kept], [k[1] for k in kept]

    def run_ours() -> int:
        return sum(p.matches(e) for p in ours_kept for e in events)

    def run_moto() -> int:
        return sum(p.matches_event(e) for p in moto_kept for e in events)

    ours_time = moto_time = float("inf")
    for _ in range(ROUNDS):  # interleaved, so both sides see the same background load
        t, ours_matched = best_time(run_ours, 1)
        ours_time = min(ours_time, t)
        t, moto_matched = best_time(run_moto, 1)
        moto_time = min(moto_time, t)
    assert ours_matched == moto_matched
    checks = len(kept) * len(events)
    left_out = len(PATTERNS) - len(kept)
    print(f"patterns: {len(kept)} of {len(PATTERNS)} (left out where moto disagrees: {left_out})")
    print(f"events: {len(events)}; pattern-event checks per round: {checks}; matches: {ours_matched}")
    print(f"crnotify.patterns: {checks / ours_time:,.0f} checks/s")
    print(f"moto EventPattern: {checks / moto_time:,.0f} checks/s")
    print("throughput ratio, crnotify.patterns / moto (target >= 5):")
    print(f"{moto_time / ours_time:.1f}")


if __name__ == "__main__":
    main()
