"""A customer session's idle life cycle, as a small state machine without Kivy.

States::

    ATTRACT --start()--> ACTIVE --(idle for timeout - warning)--> WARNING
       ^                   ^  |                                     |
       |                   |  +--activity()------------------------+|
       |                   +--------------- extend() / activity() --+
       +------------------------ (idle for timeout) ---- RESET -----+

The reset happens ``idle_timeout_s`` after the last activity; the warning
("Are you still there?") is shown during the last ``idle_warning_s`` of that
time, which is never shorter than ``min_warning_s`` (20 s in the store, so
a customer reading a product page has time to react).

The app feeds it the time (``time.monotonic()``) and reacts to the returned
events; tests feed it numbers.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

MIN_WARNING_S = 20.0


class State(enum.Enum):
    """Where the kiosk is in a customer's visit."""

    ATTRACT = "attract"
    ACTIVE = "active"
    WARNING = "warning"


class Transition(enum.Enum):
    """What ``tick`` asks the app to do."""

    WARN = "warn"  # show the idle warning
    RESET = "reset"  # end the session: clear everything, back to attract


@dataclass
class IdleSession:
    """Tracks customer activity and decides when to warn and when to reset.

    Args:
        timeout_s: Idle seconds after which the session ends.
        warning_s: Seconds of warning before the end (raised to ``min_warning_s``).
        min_warning_s: The floor for ``warning_s``; the store uses 20 s,
            tests a fraction of a second.
    """

    timeout_s: float
    warning_s: float
    min_warning_s: float = MIN_WARNING_S
    state: State = State.ATTRACT
    last_activity: float = 0.0
    sessions_started: int = 0

    def __post_init__(self) -> None:
        if self.timeout_s <= 0:
            raise ValueError("timeout_s must be positive")
        warning = max(self.warning_s, self.min_warning_s)
        # A warning longer than the whole timeout would appear at once.
        self.warning_s = min(warning, self.timeout_s)

    @property
    def warn_after_s(self) -> float:
        """Idle seconds after which the warning appears."""
        return self.timeout_s - self.warning_s

    def start(self, now: float) -> None:
        """A customer touched the attract screen: a new session begins."""
        self.state = State.ACTIVE
        self.last_activity = now
        self.sessions_started += 1

    def activity(self, now: float) -> bool:
        """The customer touched or typed something.

        Returns:
            True if this dismissed a warning (the app hides it).
        """
        if self.state is State.ATTRACT:
            return False
        was_warning = self.state is State.WARNING
        self.state = State.ACTIVE
        self.last_activity = now
        return was_warning

    def extend(self, now: float) -> None:
        """"I'm still here": the same as any activity."""
        self.activity(now)

    def end(self) -> None:
        """Back to attract (after a reset or a completed handoff)."""
        self.state = State.ATTRACT

    def idle_s(self, now: float) -> float:
        """Seconds since the last activity (0 while attracting)."""
        if self.state is State.ATTRACT:
            return 0.0
        return max(0.0, now - self.last_activity)

    def remaining_s(self, now: float) -> float:
        """Seconds until the reset (the warning's countdown)."""
        if self.state is State.ATTRACT:
            return self.timeout_s
        return max(0.0, self.timeout_s - self.idle_s(now))

    def next_deadline(self, now: float) -> float | None:
        """Seconds from ``now`` until ``tick`` has something to do, or None when attracting."""
        if self.state is State.ATTRACT:
            return None
        if self.state is State.ACTIVE:
            return max(0.0, self.last_activity + self.warn_after_s - now)
        return max(0.0, self.last_activity + self.timeout_s - now)

    def tick(self, now: float) -> Transition | None:
        """Advance the clock.

        Returns:
            ``WARN`` when the warning should appear, ``RESET`` when the session
            is over (the state is then ATTRACT), else None.
        """
        if self.state is State.ATTRACT:
            return None
        idle = self.idle_s(now)
        if idle >= self.timeout_s:
            self.state = State.ATTRACT
            return Transition.RESET
        if self.state is State.ACTIVE and idle >= self.warn_after_s:
            self.state = State.WARNING
            return Transition.WARN
        return None
