"""The DingTalk robot limit (20 a minute, then 10 minutes locked) as properties over any timeline."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from crnotify.delivery.ratelimit import Limits, RateLimiter, RobotState, admit

LIMITS = Limits()
((PER_WINDOW, WINDOW),) = LIMITS.windows  # DingTalk: one window, then the lock

# Gaps between messages: many bursts (0–3 s) mixed with pauses long enough to cross windows and locks.
gaps = st.lists(
    st.one_of(st.floats(min_value=0, max_value=3), st.floats(min_value=0, max_value=900)),
    min_size=1,
    max_size=120,
)


def run(deltas: list[float]) -> list[tuple[float, bool, float | None]]:
    state, now, out = RobotState(), 1000.0, []
    for delta in deltas:
        now += delta
        state, decision = admit(state, now, LIMITS)
        out.append((now, decision.allowed, decision.locked_until))
    return out


@given(gaps)
def test_never_more_than_20_accepted_in_any_minute(deltas: list[float]) -> None:
    accepted = [t for t, ok, _ in run(deltas) if ok]
    for i, start in enumerate(accepted):
        in_window = list(itertools.takewhile(lambda t, s=start: t < s + WINDOW, accepted[i:]))
        assert len(in_window) <= PER_WINDOW


@given(gaps)
def test_a_refusal_means_the_limit_was_reached_or_the_robot_is_locked(deltas: list[float]) -> None:
    timeline = run(deltas)
    lock_until: float | None = None
    for index, (now, ok, locked_until) in enumerate(timeline):
        if ok:
            assert lock_until is None or now >= lock_until
            continue
        if lock_until is not None and now < lock_until:
            assert locked_until == lock_until  # still the same lock, not extended
            continue
        # A fresh refusal: 20 accepted in the minute before it (since the last lock lifted), new lock.
        since = lock_until if lock_until is not None else float("-inf")
        recent = [t for t, a, _ in timeline[:index] if a and t > now - WINDOW and t >= since]
        assert len(recent) == PER_WINDOW
        assert locked_until == now + LIMITS.lock
        lock_until = locked_until


@given(st.floats(min_value=0, max_value=59.9), st.floats(min_value=0, max_value=599.9))
def test_the_21st_message_locks_for_ten_minutes(spread: float, wait: float) -> None:
    limiter = RateLimiter(LIMITS)
    step = spread / 20
    times = [5000.0 + i * step for i in range(21)]
    decisions = [limiter.admit("robot", t) for t in times]
    assert all(d.allowed for d in decisions[:20])
    assert not decisions[20].allowed
    assert decisions[20].locked_until == times[20] + 600
    assert not limiter.admit("robot", times[20] + wait).allowed
    assert limiter.admit("other-robot", times[20] + wait).allowed
    assert limiter.admit("robot", times[20] + 600).allowed
