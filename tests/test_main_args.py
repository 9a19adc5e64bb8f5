"""main.py's command line: options map onto the display config; bad config fails before any window."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import main as kiosk_main

ROOT = Path(__file__).resolve().parent.parent


def test_options_parse() -> None:
    args = kiosk_main.parse_args(["--demo", "--windowed", "--portrait", "--show-cursor", "--db", "x.db"])
    assert args.demo and args.windowed and args.portrait and args.show_cursor
    assert args.db == Path("x.db") and args.screenshots is None


def test_bad_config_is_a_clear_error_without_a_window(tmp_path: Path) -> None:
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text("[display]\norientation = 'sideways'\n")
    proc = subprocess.run([sys.executable, "main.py", "--config", str(cfg)], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, env={"PATH": "/usr/bin:/bin", "KIVY_NO_ARGS": "1"})
    assert proc.returncode == 2
    assert "orientation" in proc.stderr and "Traceback" not in proc.stderr


def test_help_lists_the_kiosk_options() -> None:
    proc = subprocess.run([sys.executable, "main.py", "--help"], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0
    for opt in ("--demo", "--windowed", "--portrait", "--landscape", "--show-cursor", "--screenshots"):
        assert opt in proc.stdout


def _clock_and_fps_after_configure(screenshots: bool, kivy_home: Path) -> list[str]:
    code = ("import main; from kiosk.config import DisplayConfig; "
            f"main.configure_kivy(DisplayConfig(), screenshots={screenshots}); "
            "from kivy.config import Config; print(Config.get('kivy', 'kivy_clock'), Config.get('graphics', 'maxfps'))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "KIVY_NO_ARGS": "1", "KIVY_NO_CONSOLELOG": "1",
                               "KIVY_NO_FILELOG": "1", "KIVY_HOME": str(kivy_home)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout.split()


def test_the_kiosk_sleeps_between_frames_and_wakes_for_input(tmp_path: Path) -> None:
    # screens.pacing: Kivy's interrupt clock at 60 fps, not a spinning loop (maxfps 0).
    assert _clock_and_fps_after_configure(False, tmp_path) == ["interrupt", "60"]


def test_screenshots_keep_kivys_default_clock(tmp_path: Path) -> None:
    # They run on App.async_run, where Kivy 2.3.1's interrupt clock raises TimeoutError every idle frame.
    assert _clock_and_fps_after_configure(True, tmp_path)[0] != "interrupt"
