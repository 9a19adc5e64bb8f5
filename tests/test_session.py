"""The idle/session state machine and the scanner burst detector, without a window."""

from __future__ import annotations

import pytest

from kiosk.session import IdleSession, State, Transition
from kiosk.wedge import WedgeBuffer


def test_idle_customer_is_warned_then_reset() -> None:
    s = IdleSession(timeout_s=90, warning_s=20)
    assert s.tick(1000) is None and s.state is State.ATTRACT  # nobody there: nothing happens
    s.start(0)
    assert s.state is State.ACTIVE and s.warn_after_s == 70
    assert s.tick(69.9) is None
    assert s.tick(70) is Transition.WARN and s.state is State.WARNING
    assert s.tick(80) is None  # warned once, not every tick
    assert s.remaining_s(80) == pytest.approx(10)
    assert s.tick(90) is Transition.RESET and s.state is State.ATTRACT
    assert s.tick(200) is None


def test_still_here_and_any_touch_keep_the_session() -> None:
    s = IdleSession(timeout_s=90, warning_s=20)
    s.start(0)
    assert s.tick(75) is Transition.WARN
    s.extend(76)  # "I'm still here"
    assert s.state is State.ACTIVE
    assert s.tick(145) is None and s.tick(146) is Transition.WARN
    assert s.activity(150) is True  # a touch during the warning dismisses it
    assert s.activity(151) is False
    assert s.tick(220) is None and s.tick(241) is Transition.RESET


def test_warning_is_never_shorter_than_20_seconds() -> None:
    s = IdleSession(timeout_s=90, warning_s=5)
    assert s.warning_s == 20 and s.warn_after_s == 70
    short = IdleSession(timeout_s=10, warning_s=30)  # longer than the timeout: capped
    assert short.warning_s == 10 and short.warn_after_s == 0
    tests_only = IdleSession(timeout_s=2, warning_s=0.5, min_warning_s=0)
    assert tests_only.warning_s == 0.5


def test_touch_on_attract_does_not_count_as_a_session() -> None:
    s = IdleSession(timeout_s=90, warning_s=20)
    assert s.activity(5) is False and s.state is State.ATTRACT
    assert s.next_deadline(5) is None
    s.start(10)
    assert s.next_deadline(10) == 70 and s.sessions_started == 1
    s.end()
    assert s.state is State.ATTRACT


def test_bad_timeout_is_refused() -> None:
    with pytest.raises(ValueError):
        IdleSession(timeout_s=0, warning_s=20)


def feed(buf: WedgeBuffer, text: str, start: float, gap: float) -> float:
    t = start
    for ch in text:
        buf.feed_char(ch, t)
        t += gap
    return t


def test_scanner_burst_is_a_code() -> None:
    buf = WedgeBuffer()
    t = feed(buf, "4006381333931", 100.0, 0.004)
    assert buf.feed_enter(t) == "4006381333931"
    assert buf.pending == ""


def test_human_typing_is_not_a_scan() -> None:
    buf = WedgeBuffer()
    t = feed(buf, "4006381333931", 100.0, 0.18)
    assert buf.feed_enter(t) is None


def test_slow_keys_before_a_scan_are_dropped() -> None:
    buf = WedgeBuffer()
    t = feed(buf, "sofa", 100.0, 0.3)
    t = feed(buf, "12345678", t + 1.0, 0.003)
    assert buf.feed_enter(t) == "12345678"


def test_short_or_odd_bursts_are_ignored() -> None:
    buf = WedgeBuffer()
    t = feed(buf, "12", 0.0, 0.001)
    assert buf.feed_enter(t) is None  # too short for a code
    t = feed(buf, "12<script>", 10.0, 0.001)
    assert buf.feed_enter(t) is None  # not code characters
    t = feed(buf, "NH-OSLO-3", 20.0, 0.001)
    assert buf.feed_enter(t) == "NH-OSLO-3"  # SKUs scan too
    t = feed(buf, "1234567", 30.0, 0.001)
    assert buf.feed_enter(t + 1.0) is None  # Enter long after the burst
