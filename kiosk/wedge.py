"""Telling a keyboard-wedge barcode scanner apart from a person typing.

A USB barcode scanner in "keyboard wedge" mode types the code's characters
a few milliseconds apart and finishes with Enter. A person (or the
on-screen keyboard driving a text field) types far more slowly. The
``WedgeBuffer`` collects key presses with their times and, on Enter,
returns the code only if the whole burst was scanner-fast.

No Kivy here: the app feeds it characters from the window's key events.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Scanners send a key every 1-20 ms; the fastest human bursts are ~60 ms.
DEFAULT_MAX_GAP_S = 0.05
DEFAULT_MIN_LENGTH = 4
MAX_LENGTH = 64
_ALLOWED = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_./+")


@dataclass
class WedgeBuffer:
    """Collects scanner keystrokes.

    Args:
        max_gap_s: Longest pause between two scanner keystrokes.
        min_length: Shortest code accepted (EAN-8 is 8; short SKUs exist).
    """

    max_gap_s: float = DEFAULT_MAX_GAP_S
    min_length: int = DEFAULT_MIN_LENGTH
    _chars: list[str] = field(default_factory=list)
    _last: float | None = None

    def feed_char(self, char: str, now: float) -> None:
        """A printable key was pressed at time ``now`` (seconds, monotonic)."""
        if self._last is not None and now - self._last > self.max_gap_s:
            # Too slow to be the same scan: start again from this key.
            self._chars.clear()
        self._last = now
        if len(char) != 1 or char not in _ALLOWED or len(self._chars) >= MAX_LENGTH:
            self._chars.clear()
            return
        self._chars.append(char)

    def feed_enter(self, now: float) -> str | None:
        """Enter was pressed.

        Returns:
            The scanned code if the burst was fast enough and long enough, else None.
        """
        fast = self._last is not None and now - self._last <= self.max_gap_s
        code = "".join(self._chars)
        self.clear()
        if fast and len(code) >= self.min_length:
            return code
        return None

    def clear(self) -> None:
        """Forget everything typed so far."""
        self._chars.clear()
        self._last = None

    @property
    def pending(self) -> str:
        """Characters collected so far (for tests and logs)."""
        return "".join(self._chars)
