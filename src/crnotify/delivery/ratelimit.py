"""Every robot's rate limit as one pure function of time: `admit`.

DingTalk: "Each robot can send at most 20 messages per minute; beyond that it is throttled for 10
minutes" (research/alibaba-facts.md §5, https://help.dingtalk.io/open/development/custom-robots-send-group-messages).
The chat channels (`delivery/<channel>.py`, `Channel.windows`) state several windows at once (Lark's
5 a second and 100 a minute) and refuse an over-limit message without locking the robot.

`admit` reads both: a message is accepted when, in every window, fewer than its count were accepted
in the seconds before it. A message over a limit is refused; with a `lock` (DingTalk) it also locks the
robot, and every message is refused until the lock has lasted that long, after which the count starts
afresh. Refused messages do not count. The emulator's robots, `crnotify replay` and `plan --history`
all decide through it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

from crnotify.delivery import channels, dingtalk


@dataclass(frozen=True, slots=True)
class Limits:
    windows: tuple[tuple[int, float], ...] = ((dingtalk.PER_MINUTE, 60.0),)  # (messages, seconds)
    lock: float | None = dingtalk.LOCK_SECONDS  # None: an over-limit message is refused, no lock

    @property
    def longest(self) -> float:
        return max((seconds for _, seconds in self.windows), default=0.0)


DEFAULT_LIMITS = Limits()


def of_channel(channel: channels.Channel) -> Limits | None:
    """A chat channel's limits, from its own facts (`Channel.windows`); None when it states none."""
    return Limits(windows=channel.windows, lock=None) if channel.windows else None


# Each rate-limited channel, keyed by the name a replay route carries (`Route.method`: the notify
# method, or the chat channel of a channel rule): what `crnotify replay` and `plan --history`
# simulate. A channel with no entry is not rate limited.
CHANNEL_LIMITS: dict[str, Limits] = {
    "dingtalk": DEFAULT_LIMITS,
    **{name: limits for name, c in channels.CHANNELS.items() if (limits := of_channel(c)) is not None},
}


def channel_limits(method: str) -> Limits | None:
    return CHANNEL_LIMITS.get(channels.ALIASES.get(method, method))


@dataclass(frozen=True, slots=True)
class RobotState:
    accepted: tuple[float, ...] = ()  # times of accepted messages within the longest window
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
    recent = tuple(t for t in state.accepted if t > now - limits.longest)
    for count, seconds in limits.windows:
        if sum(1 for t in recent if t > now - seconds) >= count:
            if limits.lock is None:
                return replace(state, accepted=recent), Decision(allowed=False, locked_until=None)
            locked = RobotState(accepted=(), locked_until=now + limits.lock)
            return locked, Decision(allowed=False, locked_until=locked.locked_until)
    return replace(state, accepted=(*recent, now)), Decision(allowed=True, locked_until=None)


class RateLimiter:
    """Thread-safe `admit` per robot (keyed by access token, or a channel robot's credential)."""

    def __init__(self, limits: Limits = DEFAULT_LIMITS) -> None:
        self.limits = limits
        self._states: dict[str, RobotState] = {}
        self._lock = threading.Lock()

    def admit(self, robot: str, now: float) -> Decision:
        with self._lock:
            state, decision = admit(self._states.get(robot, RobotState()), now, self.limits)
            self._states[robot] = state
            return decision
