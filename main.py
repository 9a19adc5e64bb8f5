"""Start the store kiosk's customer touchscreen app.

    python main.py --demo                 # fullscreen kiosk on the demo catalog
    python main.py --demo --windowed      # development window with a cursor
    python main.py --screenshots shots/   # every screen as PNG, both orientations

Options override the ``[display]`` section of the config file.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    p = argparse.ArgumentParser(prog="main.py", description="Store kiosk: the customer touchscreen app.")
    p.add_argument("--config", type=Path, help="TOML configuration file (default: $KIOSK_CONFIG or built-in defaults)")
    p.add_argument("--db", type=Path, help="catalog database (default: $KIOSK_DB or the per-user data dir)")
    p.add_argument("--demo", action="store_true",
                   help="load the bundled demo catalog on first start (empty database, no central service)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--windowed", action="store_true", help="a normal window (development)")
    mode.add_argument("--fullscreen", action="store_true", help="fullscreen without window chrome (the default)")
    orient = p.add_mutually_exclusive_group()
    orient.add_argument("--portrait", action="store_true", help="1080x1920 portrait screen")
    orient.add_argument("--landscape", action="store_true", help="1920x1080 landscape screen")
    p.add_argument("--show-cursor", action="store_true", help="show the mouse cursor (hidden by default)")
    p.add_argument("--screenshots", type=Path, metavar="DIR",
                   help="render every customer screen with the demo catalog at both orientations to DIR and exit")
    p.add_argument("--bench-startup", action="store_true", help=argparse.SUPPRESS)
    # With --bench-startup: at the interactive frame, prove the app is usable (touch, search, add) before stopping.
    p.add_argument("--startup-check", action="store_true", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def configure_kivy(display: object, *, screenshots: bool = False) -> None:
    """Set Kivy's window options; must run before ``kivy.core.window`` is imported."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")  # our arguments are not Kivy's
    from kivy.config import Config as KivyConfig

    d = display
    landscape = d.orientation == "landscape"  # type: ignore[attr-defined]
    w, h = sorted((d.width, d.height), reverse=landscape)  # type: ignore[attr-defined]
    KivyConfig.set("kivy", "exit_on_escape", "0")
    KivyConfig.set("input", "mouse", "mouse,disable_multitouch")
    KivyConfig.set("graphics", "resizable", "0" if d.fullscreen else "1")  # type: ignore[attr-defined]
    if d.fullscreen and not screenshots:  # type: ignore[attr-defined]
        KivyConfig.set("graphics", "fullscreen", "auto")
        KivyConfig.set("graphics", "borderless", "1")
    else:
        KivyConfig.set("graphics", "fullscreen", "0")
        KivyConfig.set("graphics", "borderless", "1" if screenshots else "0")
        if not screenshots:
            # A development window that fits a laptop screen, same aspect ratio.
            scale = min(1.0, 900 / h)
            w, h = int(w * scale), int(h * scale)
    KivyConfig.set("graphics", "width", str(w))
    KivyConfig.set("graphics", "height", str(h))
    KivyConfig.set("graphics", "show_cursor", "1" if d.show_cursor else "0")  # type: ignore[attr-defined]
    from kiosk.graphics import GPU_MULTISAMPLES, choose_multisamples, has_gpu

    configured: int = d.multisamples  # type: ignore[attr-defined]
    # Pictures for people to look at get smooth edges whatever renders them;
    # a customer's screen gets what its hardware draws fast.
    if screenshots:
        samples = max(GPU_MULTISAMPLES, configured)
    else:
        samples = choose_multisamples(configured, gpu=has_gpu())
    KivyConfig.set("graphics", "multisamples", str(samples))
    if not screenshots:
        from screens.pacing import configure as configure_pacing

        # Sleep between frames, woken at once by a touch or a worker's result.
        # Not for screenshots: they run on asyncio (App.async_run), where
        # Kivy 2.3.1's interrupt clock raises TimeoutError at every frame.
        configure_pacing(KivyConfig)


def main(argv: list[str] | None = None) -> int:
    """Run the kiosk; returns the process exit code."""
    args = parse_args(argv)
    from kiosk.config import ConfigError, load_config

    try:
        config = load_config(args.config, db=args.db)
    except ConfigError as exc:
        print(f"main.py: {exc}", file=sys.stderr)
        return 2
    d = config.display
    if args.windowed:
        d.fullscreen = False
        d.show_cursor = True
    if args.fullscreen:
        d.fullscreen = True
    if args.portrait:
        d.orientation = "portrait"
    if args.landscape:
        d.orientation = "landscape"
    if args.show_cursor:
        d.show_cursor = True

    if args.screenshots:
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY") and shutil.which("xvfb-run"):
            # No screen here: render on a virtual one tall enough for portrait.
            os.execvp("xvfb-run", ["xvfb-run", "-a", "-s", "-screen 0 1920x1920x24", sys.executable,
                                   str(Path(__file__).resolve()), *(argv if argv is not None else sys.argv[1:])])
        from screens.screenshots import run_screenshots

        configure_kivy(d, screenshots=True)
        return run_screenshots(config, args.screenshots)

    configure_kivy(d)
    from screens.app import KioskApp
    from screens.pacing import wake_on_input

    wake_on_input()

    # The app opens the catalog and warms search once its first frame is drawn.
    app = KioskApp(config, demo=args.demo)
    if args.bench_startup or args.startup_check:
        from screens.startup_probe import attach_probe

        attach_probe(app, check=args.startup_check)
    app.run()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        # Ctrl-C in a terminal (development): stop without a traceback. The
        # catalog and the analytics are committed as they happen, nothing is lost.
        sys.exit(130)
