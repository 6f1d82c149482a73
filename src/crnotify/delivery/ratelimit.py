"""DingTalk's robot rate limit as a pure function of time.

"Each robot can send at most 20 messages per minute; beyond that it is throttled for 10 minutes"
(research/alibaba-facts.md §5, https://help.dingtalk.io/open/development/custom-robots-send-group-messages).
The emulator reads this as: a message is accepted when fewer than 20 were accepted in the 60 seconds
before it; the first message over the limit locks the robot, and every message is refused until the
lock has lasted 10 minutes, after which the count starts afresh. Refused messages do not count.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

from crnotify.delivery import dingtalk


@dataclass(frozen=True, slots=True)
class Limits:
    per_window: int = dingtalk.PER_MINUTE
    window: float = 60.0
    lock: float = dingtalk.LOCK_SECONDS


DEFAULT_LIMITS = Limits()

# Each channel's rate limit, keyed by its notify method (`model.NotifyMethod` value): what `crnotify
# replay` and `plan --history` simulate. A channel with no entry is not rate limited. Channels that
# have one add it here, from their own facts module (DingTalk's: `delivery/dingtalk.py`).
CHANNEL_LIMITS: dict[str, Limits] = {"dingtalk": DEFAULT_LIMITS}


def channel_limits(method: str) -> Limits | None:
    return CHANNEL_LIMITS.get(method)


@dataclass(frozen=True, slots=True)
class RobotState:
    accepted: tuple[float, ...] = ()  # times of accepted messages within the current window
    locked_until: float | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    locked_until: float | None  # set when the robot is (or has just become) locked


def admit(state: RobotState, now: float, limits: Limits = DEFAULT_LIMITS) -> tuple[RobotState, Decision]:
    """Decide one message at `now` (times must not go backwards); return the new state."""
    if state.locked_until is not None:
        if now < state.locked_until:
            return state, Decision(allowed=False, locked_until=state.locked_until)
        state = RobotState()
    recent = tuple(t for t in state.accepted if t > now - limits.window)
    if len(recent) >= limits.per_window:
        locked = RobotState(accepted=(), locked_until=now + limits.lock)
        return locked, Decision(allowed=False, locked_until=locked.locked_until)
    return replace(state, accepted=(*recent, now)), Decision(allowed=True, locked_until=None)


class RateLimiter:
    """Thread-safe `admit` per robot (keyed by access token)."""

    def __init__(self, limits: Limits = DEFAULT_LIMITS) -> None:
        self.limits = limits
        self._states: dict[str, RobotState] = {}
        self._lock = threading.Lock()

    def admit(self, robot: str, now: float) -> Decision:
        with self._lock:
            state, decision = admit(self._states.get(robot, RobotState()), now, self.limits)
            self._states[robot] = state
            return decision


# --- the chat channels' limits: several windows at once, no lock -------------------------------------


def admit_windows(
    accepted: tuple[float, ...], now: float, windows: tuple[tuple[int, float], ...]
) -> tuple[tuple[float, ...], bool]:
    """A chat channel's limits (`Channel.windows`, e.g. Lark's 5 a second and 100 a minute): a message
    is accepted when, in every window, fewer than its count were accepted in the seconds before it.
    Refused messages do not count. Returns the accepted times still inside the longest window."""
    longest = max((seconds for _, seconds in windows), default=0.0)
    recent = tuple(t for t in accepted if t > now - longest)
    for count, seconds in windows:
        if sum(1 for t in recent if t > now - seconds) >= count:
            return recent, False
    return (*recent, now), True
