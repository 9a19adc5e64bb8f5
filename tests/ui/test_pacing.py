"""The kiosk's frame pacing (screens.pacing): it sleeps between frames, and a touch or a result wakes it.

The pacing is chosen when Kivy's clock is first imported, so the real thing
runs in a child process (tests/ui/pacing_child.py) with frames 10 s apart:
anything that waited for the next frame would wait seconds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from screens import pacing

REPO = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("pacing_child.py")


def run_child(*args: str) -> dict[str, object]:
    proc = subprocess.run([sys.executable, str(CHILD), *args], cwd=REPO, capture_output=True, text=True, timeout=120)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    assert proc.returncode == 0 and lines, f"child failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr[-3000:]}"
    out: dict[str, object] = json.loads(lines[-1])
    assert "error" not in out, out
    return out


@pytest.mark.skipif(not os.environ.get("DISPLAY"), reason="needs a display (run under xvfb-run)")
def test_a_touch_and_a_workers_result_are_handled_at_once_not_at_the_next_frame() -> None:
    out = run_child()
    # Frames are 10 s apart in the child (the next one ~7 s after the touch):
    # without a waking touchscreen queue the touch waited ~7 s, and with
    # Kivy's default clock the worker's result did too.
    assert out["touch_waited_s"] < 2.5, out  # type: ignore[operator]
    assert out["result_waited_s"] < 2.5, out  # type: ignore[operator]
    if sys.platform.startswith("linux"):
        # How Kivy reads a Linux touchscreen (probesysfs finds it; one of these reads it).
        assert {"hidinput", "linuxwacom"} <= set(out["providers"]), out  # type: ignore[arg-type]


def test_a_waking_provider_queues_into_a_waking_queue_whatever_its_code_assigns() -> None:
    from kivy.input.provider import MotionEventProvider

    class Panel(MotionEventProvider):
        def start(self) -> None:
            import collections

            self.queue = collections.deque()  # what mtdev and hidinput do

    panel = pacing.waking(Panel)("panel", "")
    panel.start()
    assert isinstance(panel.queue, pacing.WakingQueue)
    panel.queue.append(("begin", None))
    assert list(panel.queue) == [("begin", None)]
    assert pacing.waking(Panel).__mro__[1] is Panel


def test_pacing_refuses_to_be_configured_too_late() -> None:
    """Kivy reads its clock choice once: configured after that, the kiosk would silently spin or lag."""
    import kivy.clock  # noqa: F401  (the test session's Kivy has its clock)
    from kivy.config import Config

    with pytest.raises(RuntimeError, match="before kivy.clock"):
        pacing.configure(Config)
