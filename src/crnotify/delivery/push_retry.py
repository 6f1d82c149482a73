"""EventBridge push retry strategies as schedules of delays (research/alibaba-facts.md §2.4).

- `BACKOFF_RETRY`: 3 retries, each after a random 10–20 s.
- `EXPONENTIAL_DECAY_RETRY`: 176 retries within one day; the interval doubles from 1 s up to 512 s
  (1, 2, 4, … 512, then 512 s until 176 retries: 86,015 s in all, just under 24 h).

A target without a strategy is treated as `BACKOFF_RETRY`, the console's default. The delays are drawn
from a caller-supplied `random.Random`, so a seeded emulator retries at reproducible times.
"""

from __future__ import annotations

import random

BACKOFF_RETRY = "BACKOFF_RETRY"
EXPONENTIAL_DECAY_RETRY = "EXPONENTIAL_DECAY_RETRY"
NO_RETRY = "NO_RETRY"  # not an EventBridge value: `crnotify test --deliver` sends once and reports
STRATEGIES = (BACKOFF_RETRY, EXPONENTIAL_DECAY_RETRY)

BACKOFF_RETRIES = 3
BACKOFF_RANGE = (10.0, 20.0)
EXPONENTIAL_RETRIES = 176
EXPONENTIAL_CAP = 512.0


def retry_delays(strategy: str | None, rng: random.Random) -> list[float]:
    """Seconds to wait before each retry, in order."""
    if strategy is None or strategy == BACKOFF_RETRY:
        return [rng.uniform(*BACKOFF_RANGE) for _ in range(BACKOFF_RETRIES)]
    if strategy == EXPONENTIAL_DECAY_RETRY:
        return [min(2.0**i, EXPONENTIAL_CAP) for i in range(EXPONENTIAL_RETRIES)]
    if strategy == NO_RETRY:
        return []
    raise ValueError(f"unknown push retry strategy {strategy!r}; expected one of {', '.join(STRATEGIES)}")
