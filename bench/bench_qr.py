"""QR generation for the handoff screen, beside segno in the same run.

Measures, for a central short link and for a 20-line Shopify permalink:

* ``qrcode -> matrix``: ``kiosk.handoff.qr.make_qr`` (the library the kiosk
  uses; error correction M, 4-module quiet zone, smallest version);
* ``+ texture``: the same plus ``screens.widgets.qr_widget.matrix_texture``
  (pack one pixel per module, create the Kivy texture, upload it): what the
  handoff screen pays before the code appears. Needs an OpenGL window: run
  under ``xvfb-run``; without a display the column is left out;
* ``segno -> matrix``: ``segno.make`` of the same payload at the same level
  (``error='m', boost_error=False``) and its matrix with the quiet zone.

Usage::

    xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python bench/bench_qr.py [--runs N]

Prints a table of median and p99 in milliseconds and the ratio to segno.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import segno  # noqa: E402

from kiosk.handoff.qr import make_qr  # noqa: E402
from kiosk.handoff.urls import central_short_url, kiosk_attribution, shopify_cart_url  # noqa: E402

SHORT = central_short_url("https://central.hearth-and-home.example", "K7M3QX9")
LONG = shopify_cart_url(
    "hearth-and-home.example",
    [(str(40112233445500 + i * 7919), i % 4 + 1) for i in range(20)],
    attribution=kiosk_attribution("kiosk", True, "demo-store"),
)


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    """Wall times in milliseconds of ``runs`` calls after 5 warm-up calls."""
    for _ in range(5):
        fn()
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def p99(values: list[float]) -> float:
    """99th percentile (nearest rank)."""
    s = sorted(values)
    return s[min(len(s) - 1, int(round(0.99 * (len(s) - 1))))]


def segno_matrix(data: str) -> list[bytearray]:
    """segno's symbol at level M with a 4-module quiet zone, as rows."""
    qr = segno.make(data, error="m", boost_error=False, micro=False)
    return list(qr.matrix_iter(scale=1, border=4))


def texture_fn() -> Callable[[str], object] | None:
    """``make_qr`` + texture upload, if an OpenGL window can be opened."""
    if not os.environ.get("DISPLAY"):
        return None
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
    from kivy.core.window import Window  # noqa: F401  (creates the GL context)

    from screens.widgets.qr_widget import matrix_texture

    return lambda data: matrix_texture(make_qr(data))


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300, help="timed runs per case (default 300)")
    args = parser.parse_args(argv)
    tex = texture_fn()
    rows = []
    for label, data in (("short link", SHORT), ("20-line permalink", LONG)):
        ours = make_qr(data)
        peer = segno.make(data, error="m", boost_error=False, micro=False)
        assert peer.error == "M" and ours.size == peer.symbol_size(border=4)[0], "not the same symbol size"
        seg = timed(lambda: segno_matrix(data), args.runs)
        mat = timed(lambda: make_qr(data), args.runs)
        full = timed(lambda: tex(data), args.runs) if tex else None
        rows.append((label, len(data), ours.version, peer.version, mat, full, seg))
    print(f"QR generation, {args.runs} runs each, milliseconds (median / p99); ratio = ours / segno median")
    head = f"{'payload':<18} {'bytes':>5} {'ver':>4} {'qrcode->matrix':>16} {'+ texture':>16} " \
           f"{'segno->matrix':>16} {'ratio':>6} {'ratio+tex':>9}"
    print(head)
    print("-" * len(head))
    for label, n, v, pv, mat, full, seg in rows:
        def cell(vals: list[float] | None) -> str:
            return f"{statistics.median(vals):7.2f} /{p99(vals):7.2f}" if vals else f"{'n/a':>16}"
        ratio = statistics.median(mat) / statistics.median(seg)
        ratio_tex = f"{statistics.median(full) / statistics.median(seg):9.1f}" if full else f"{'n/a':>9}"
        ver = f"{v}" if v == pv else f"{v}/{pv}"
        print(f"{label:<18} {n:>5} {ver:>4} {cell(mat):>16} {cell(full):>16} {cell(seg):>16} {ratio:6.1f} {ratio_tex}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
