#!/usr/bin/env python3
"""Generate the bundled demo store "Hearth & Home" (assets/demo/).

Writes ``assets/demo/catalog.json`` in the canonical catalog format
(docs/catalog-format.md), the product illustrations under
``assets/demo/images/`` and the scene hero images under
``assets/demo/scenes/``. Everything is drawn here with Pillow; nothing is
downloaded. The output is deterministic: the same script and Pillow version
give the same files, so regenerating only shows a diff when the script
changed.

Usage::

    .venv/bin/python scripts/make_demo_catalog.py [--out assets/demo] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import shutil
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFilter

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "assets" / "demo"
SEED = 7
CURRENCY = "EUR"
SHOP_URL = "https://hearthandhome.example/products/"
UPDATED_AT = "2026-11-01T10:00:00Z"
DEMO_STORE_ID = "demo-store"

# Product illustrations are drawn at SS times their final size and scaled
# down: Pillow's primitives are not anti-aliased, the downscale is.
SS = 3
IMG = 320
HERO = (1600, 900)

RGB = tuple[int, int, int]

# ---------------------------------------------------------------- colours

COLOURS: dict[str, RGB] = {
    "Stone Grey": (160, 156, 150),
    "Charcoal": (72, 74, 80),
    "Oat": (216, 202, 178),
    "Sage": (148, 168, 138),
    "Terracotta": (198, 112, 82),
    "Navy": (46, 64, 100),
    "Mustard": (216, 166, 60),
    "Blush": (228, 180, 170),
    "Forest Green": (58, 94, 72),
    "White": (242, 240, 234),
    "Black": (44, 44, 48),
    "Natural": (204, 174, 128),
    "Walnut": (112, 74, 46),
    "Oak": (194, 154, 104),
    "Ocean Blue": (72, 124, 164),
    "Rust": (172, 84, 52),
    "Cream": (238, 228, 206),
    "Brass": (194, 162, 92),
    "Copper": (186, 116, 72),
    "Stainless": (192, 197, 202),
    "Red": (186, 54, 52),
    "Teal": (42, 122, 122),
    "Lavender": (172, 162, 204),
    "Olive": (122, 122, 72),
    "Sand": (222, 202, 164),
    "Cobalt": (40, 70, 150),
}

WOODS: list[RGB] = [(196, 156, 106), (112, 74, 46), (52, 50, 52)]  # oak, walnut, black
BG: RGB = (244, 239, 232)
LEAF: RGB = (76, 132, 84)


def shade(c: RGB, f: float) -> RGB:
    """Darker (f < 1) or lighter (f > 1, towards white) tone of ``c``."""
    if f <= 1:
        return (int(c[0] * f), int(c[1] * f), int(c[2] * f))
    t = f - 1
    return (int(c[0] + (255 - c[0]) * t), int(c[1] + (255 - c[1]) * t), int(c[2] + (255 - c[2]) * t))


# ---------------------------------------------------------------- drawing


class Pen:
    """Draws in unit coordinates (0..1 each way) of a pixel box."""

    def __init__(self, draw: ImageDraw.ImageDraw, box: tuple[float, float, float, float]):
        self.d = draw
        self.x0, self.y0, self.x1, self.y1 = box
        self.w = self.x1 - self.x0
        self.h = self.y1 - self.y0

    def p(self, u: float, v: float) -> tuple[float, float]:
        return (self.x0 + u * self.w, self.y0 + v * self.h)

    def rect(self, u0: float, v0: float, u1: float, v1: float, fill: RGB, r: float = 0.0) -> None:
        a, b = self.p(u0, v0)
        c, d = self.p(u1, v1)
        rad = r * min(self.w, self.h)
        if rad > 0:
            rad = min(rad, (c - a) / 2, (d - b) / 2)
            self.d.rounded_rectangle((a, b, c, d), radius=rad, fill=fill)
        else:
            self.d.rectangle((a, b, c, d), fill=fill)

    def ell(self, u0: float, v0: float, u1: float, v1: float, fill: RGB) -> None:
        self.d.ellipse((*self.p(u0, v0), *self.p(u1, v1)), fill=fill)

    def poly(self, pts: list[tuple[float, float]], fill: RGB) -> None:
        self.d.polygon([self.p(u, v) for u, v in pts], fill=fill)

    def line(self, pts: list[tuple[float, float]], fill: RGB, w: float = 0.02) -> None:
        self.d.line([self.p(u, v) for u, v in pts], fill=fill, width=max(1, int(w * min(self.w, self.h))),
                    joint="curve")

    def arc(self, u0: float, v0: float, u1: float, v1: float, start: float, end: float, fill: RGB,
            w: float = 0.02) -> None:
        self.d.arc((*self.p(u0, v0), *self.p(u1, v1)), start, end, fill=fill,
                   width=max(1, int(w * min(self.w, self.h))))

    def pie(self, u0: float, v0: float, u1: float, v1: float, start: float, end: float, fill: RGB) -> None:
        self.d.pieslice((*self.p(u0, v0), *self.p(u1, v1)), start, end, fill=fill)


Drawer = Callable[[Pen, RGB, int], None]


def _legs(p: Pen, wood: RGB, xs: list[float], v0: float, w: float = 0.035, taper: bool = True) -> None:
    for x in xs:
        if taper:
            p.poly([(x - w / 2, v0), (x + w / 2, v0), (x + w / 4, 1.0), (x - w / 4, 1.0)], wood)
        else:
            p.rect(x - w / 2, v0, x + w / 2, 1.0, wood)


def draw_sofa(p: Pen, c: RGB, s: int) -> None:
    wood = WOODS[s % 3]
    _legs(p, wood, [0.08, 0.92], 0.86, 0.03)
    p.rect(0.04, 0.05, 0.96, 0.62, shade(c, 0.82), 0.12)
    p.rect(0.11, 0.14, 0.495, 0.6, shade(c, 0.93), 0.1)
    p.rect(0.505, 0.14, 0.89, 0.6, shade(c, 0.93), 0.1)
    p.rect(0.06, 0.52, 0.94, 0.88, c, 0.08)
    p.rect(0.12, 0.5, 0.495, 0.66, shade(c, 1.08), 0.06)
    p.rect(0.505, 0.5, 0.88, 0.66, shade(c, 1.08), 0.06)
    r = 0.2 if s == 1 else 0.1
    p.rect(0.0, 0.32, 0.13, 0.88, shade(c, 0.88), r)
    p.rect(0.87, 0.32, 1.0, 0.88, shade(c, 0.88), r)


def draw_armchair(p: Pen, c: RGB, s: int) -> None:
    wood = WOODS[s % 3]
    _legs(p, wood, [0.14, 0.86], 0.84, 0.06)
    if s == 2:  # wingback
        p.poly([(0.12, 0.05), (0.88, 0.05), (0.95, 0.45), (0.05, 0.45)], shade(c, 0.82))
    p.rect(0.1, 0.04, 0.9, 0.62, shade(c, 0.84), 0.2)
    p.rect(0.2, 0.12, 0.8, 0.58, shade(c, 0.94), 0.16)
    p.rect(0.08, 0.52, 0.92, 0.87, c, 0.12)
    p.rect(0.2, 0.5, 0.8, 0.66, shade(c, 1.1), 0.1)
    p.rect(0.0, 0.36, 0.2, 0.87, shade(c, 0.9), 0.25)
    p.rect(0.8, 0.36, 1.0, 0.87, shade(c, 0.9), 0.25)


def draw_dining_chair(p: Pen, c: RGB, s: int) -> None:
    wood = c
    dark = shade(c, 0.75)
    _legs(p, dark, [0.2, 0.8], 0.55, 0.06)
    _legs(p, wood, [0.3, 0.7], 0.58, 0.05)
    p.rect(0.22, 0.0, 0.78, 0.06, wood, 0.5)
    if s == 0:  # spindle back
        for x in (0.3, 0.4, 0.5, 0.6, 0.7):
            p.rect(x - 0.015, 0.04, x + 0.015, 0.52, dark)
    elif s == 1:  # solid back
        p.rect(0.24, 0.04, 0.76, 0.34, wood, 0.2)
    else:  # ladder
        for v in (0.12, 0.24, 0.36):
            p.rect(0.24, v, 0.76, v + 0.05, wood, 0.3)
    p.rect(0.2, 0.02, 0.26, 0.56, dark, 0.3)
    p.rect(0.74, 0.02, 0.8, 0.56, dark, 0.3)
    p.rect(0.12, 0.5, 0.88, 0.6, shade(c, 1.08), 0.3)


def draw_stool(p: Pen, c: RGB, s: int) -> None:
    wood = WOODS[s % 3]
    _legs(p, wood, [0.22, 0.78], 0.12, 0.07)
    _legs(p, shade(wood, 0.8), [0.4, 0.6], 0.14, 0.06)
    p.rect(0.25, 0.62, 0.75, 0.66, wood)
    p.ell(0.05, 0.0, 0.95, 0.2, c)
    p.rect(0.05, 0.08, 0.95, 0.14, shade(c, 0.85), 0.3)


def draw_dining_table(p: Pen, c: RGB, s: int) -> None:
    legs = shade(c, 0.78) if s != 2 else WOODS[2]
    _legs(p, legs, [0.08, 0.92], 0.12, 0.04, taper=s == 0)
    _legs(p, shade(legs, 0.85), [0.2, 0.8], 0.14, 0.035, taper=s == 0)
    p.rect(0.06, 0.12, 0.94, 0.2, shade(c, 0.88))
    p.rect(0.0, 0.06, 1.0, 0.14, c, 0.2)


def draw_coffee_table(p: Pen, c: RGB, s: int) -> None:
    legs = WOODS[2] if s == 1 else shade(c, 0.8)
    if s == 2:  # round pedestal
        p.rect(0.42, 0.2, 0.58, 0.95, shade(c, 0.8))
        p.ell(0.25, 0.88, 0.75, 1.0, shade(c, 0.75))
        p.ell(0.0, 0.0, 1.0, 0.32, c)
        p.ell(0.0, 0.06, 1.0, 0.3, shade(c, 0.86))
        p.ell(0.0, 0.0, 1.0, 0.24, c)
        return
    _legs(p, legs, [0.08, 0.92], 0.2, 0.05)
    _legs(p, shade(legs, 0.85), [0.18, 0.82], 0.22, 0.045)
    p.rect(0.08, 0.62, 0.92, 0.68, shade(c, 0.9))
    p.rect(0.0, 0.04, 1.0, 0.24, c, 0.15)
    p.rect(0.0, 0.16, 1.0, 0.24, shade(c, 0.85), 0.1)


def draw_side_table(p: Pen, c: RGB, s: int) -> None:
    p.rect(0.44, 0.12, 0.56, 0.94, shade(c, 0.78))
    p.ell(0.2, 0.9, 0.8, 1.0, shade(c, 0.7))
    p.ell(0.0, 0.0, 1.0, 0.16, c)
    p.ell(0.0, 0.04, 1.0, 0.18, shade(c, 0.85))
    p.ell(0.0, 0.0, 1.0, 0.13, c)


def draw_bookshelf(p: Pen, c: RGB, s: int) -> None:
    rng = random.Random(11 + s)
    p.rect(0.0, 0.0, 1.0, 1.0, shade(c, 0.8))
    p.rect(0.05, 0.03, 0.95, 0.97, shade(c, 0.55))
    book_cols = [(186, 64, 60), (64, 104, 150), (220, 180, 80), (90, 140, 110), (230, 224, 210), (120, 90, 140)]
    rows = 5
    for i in range(rows):
        top = 0.03 + i * 0.94 / rows
        bottom = top + 0.94 / rows
        x = 0.07
        while x < 0.9:
            bw = rng.uniform(0.035, 0.07)
            if rng.random() < 0.15:
                x += bw
                continue
            bh = rng.uniform(0.6, 0.85) * (bottom - top - 0.03)
            p.rect(x, bottom - 0.025 - bh, min(x + bw, 0.93), bottom - 0.025, rng.choice(book_cols))
            x += bw + 0.005
        p.rect(0.0, bottom - 0.025, 1.0, bottom, c)


def draw_desk(p: Pen, c: RGB, s: int) -> None:
    legs = WOODS[2] if s == 1 else shade(c, 0.78)
    _legs(p, legs, [0.05, 0.95], 0.1, 0.035, taper=False)
    p.rect(0.6, 0.1, 0.95, 0.5, shade(c, 0.9))
    p.rect(0.62, 0.16, 0.93, 0.3, shade(c, 1.05))
    p.rect(0.62, 0.33, 0.93, 0.47, shade(c, 1.05))
    p.rect(0.74, 0.21, 0.81, 0.24, legs, 0.5)
    p.rect(0.74, 0.38, 0.81, 0.41, legs, 0.5)
    p.rect(0.0, 0.03, 1.0, 0.11, c, 0.2)


def draw_office_chair(p: Pen, c: RGB, s: int) -> None:
    metal = (60, 62, 66)
    p.rect(0.46, 0.58, 0.54, 0.86, metal)
    p.poly([(0.1, 0.9), (0.9, 0.9), (0.55, 0.84), (0.45, 0.84)], metal)
    for x in (0.1, 0.5, 0.9):
        p.ell(x - 0.06, 0.9, x + 0.06, 1.0, (30, 30, 32))
    p.rect(0.2, 0.0, 0.8, 0.5, c, 0.2)
    p.rect(0.26, 0.05, 0.74, 0.44, shade(c, 1.1), 0.18)
    p.rect(0.14, 0.5, 0.86, 0.62, shade(c, 0.85), 0.3)
    p.rect(0.08, 0.34, 0.16, 0.4, metal, 0.4)
    p.rect(0.84, 0.34, 0.92, 0.4, metal, 0.4)
    p.rect(0.1, 0.38, 0.14, 0.54, metal)
    p.rect(0.86, 0.38, 0.9, 0.54, metal)


def draw_bed(p: Pen, c: RGB, s: int) -> None:
    wood = WOODS[s % 3]
    p.rect(0.0, 0.0, 0.14, 1.0, wood, 0.15)
    p.rect(0.86, 0.4, 1.0, 1.0, wood, 0.1)
    p.rect(0.06, 0.55, 0.94, 0.88, shade(wood, 0.85))
    p.rect(0.08, 0.38, 0.92, 0.62, (246, 244, 240), 0.1)
    p.rect(0.14, 0.28, 0.36, 0.45, (250, 250, 248), 0.3)
    p.rect(0.2, 0.3, 0.92, 0.7, c, 0.1)
    p.rect(0.2, 0.3, 0.36, 0.7, shade(c, 1.12), 0.1)
    p.rect(0.04, 0.88, 0.08, 1.0, shade(wood, 0.7))
    p.rect(0.9, 0.88, 0.94, 1.0, shade(wood, 0.7))


def draw_nightstand(p: Pen, c: RGB, s: int) -> None:
    legs = shade(c, 0.7)
    _legs(p, legs, [0.1, 0.9], 0.8, 0.06)
    p.rect(0.0, 0.0, 1.0, 0.82, c, 0.06)
    p.rect(0.07, 0.1, 0.93, 0.42, shade(c, 1.07), 0.04)
    p.rect(0.07, 0.47, 0.93, 0.76, shade(c, 1.07), 0.04)
    p.ell(0.44, 0.22, 0.56, 0.3, (194, 162, 92))
    p.ell(0.44, 0.58, 0.56, 0.66, (194, 162, 92))


def draw_sideboard(p: Pen, c: RGB, s: int) -> None:
    legs = WOODS[(s + 1) % 3]
    _legs(p, legs, [0.06, 0.94], 0.8, 0.03)
    p.rect(0.0, 0.0, 1.0, 0.82, c, 0.05)
    for i in range(3):
        x0 = 0.03 + i * 0.32
        p.rect(x0, 0.08, x0 + 0.3, 0.75, shade(c, 1.06 if i % 2 else 0.94), 0.03)
        p.rect(x0 + 0.13, 0.36, x0 + 0.17, 0.46, (194, 162, 92), 0.4)


def draw_table_lamp(p: Pen, c: RGB, s: int) -> None:
    base = shade(c, 0.85)
    if s == 0:
        p.ell(0.2, 0.45, 0.8, 1.0, c)
        p.ell(0.3, 0.55, 0.5, 0.75, shade(c, 1.2))
    elif s == 1:
        p.rect(0.47, 0.45, 0.53, 0.95, (194, 162, 92))
        p.ell(0.28, 0.9, 0.72, 1.0, (194, 162, 92))
    else:
        p.rect(0.32, 0.45, 0.68, 1.0, c, 0.2)
    p.rect(0.48, 0.38, 0.52, 0.5, base)
    p.poly([(0.22, 0.0), (0.78, 0.0), (0.95, 0.42), (0.05, 0.42)], (248, 238, 214))
    p.poly([(0.22, 0.0), (0.3, 0.0), (0.15, 0.42), (0.05, 0.42)], (236, 222, 190))


def draw_floor_lamp(p: Pen, c: RGB, s: int) -> None:
    metal = c
    p.rect(0.47, 0.18, 0.53, 0.97, metal)
    p.ell(0.22, 0.94, 0.78, 1.0, shade(metal, 0.8))
    if s == 1:  # arc lamp head
        p.line([(0.5, 0.3), (0.62, 0.08), (0.85, 0.06)], metal, 0.06)
        p.pie(0.62, 0.02, 1.0, 0.26, 180, 360, shade(metal, 0.9))
        return
    p.poly([(0.18, 0.0), (0.82, 0.0), (0.98, 0.22), (0.02, 0.22)], (248, 238, 214))
    p.poly([(0.18, 0.0), (0.3, 0.0), (0.16, 0.22), (0.02, 0.22)], (236, 222, 190))


def draw_pendant_lamp(p: Pen, c: RGB, s: int) -> None:
    p.rect(0.49, 0.0, 0.51, 0.45, (50, 50, 50))
    if s == 0:
        p.pie(0.05, 0.4, 0.95, 1.25, 180, 360, c)
        p.pie(0.15, 0.72, 0.85, 0.96, 0, 180, (255, 240, 200))
    elif s == 1:
        p.ell(0.15, 0.4, 0.85, 1.0, c)
        p.ell(0.3, 0.5, 0.5, 0.65, shade(c, 1.25))
    else:
        p.poly([(0.38, 0.42), (0.62, 0.42), (0.95, 0.9), (0.05, 0.9)], c)
        p.ell(0.05, 0.84, 0.95, 0.96, (255, 240, 200))


def draw_vase(p: Pen, c: RGB, s: int) -> None:
    if s == 0:
        p.ell(0.12, 0.3, 0.88, 1.0, c)
        p.rect(0.36, 0.05, 0.64, 0.45, c)
        p.ell(0.3, 0.0, 0.7, 0.1, shade(c, 0.8))
    elif s == 1:
        p.poly([(0.3, 0.0), (0.7, 0.0), (0.85, 1.0), (0.15, 1.0)], c)
        p.ell(0.3, -0.03, 0.7, 0.05, shade(c, 0.8))
    else:
        p.ell(0.05, 0.15, 0.95, 1.0, c)
        p.ell(0.32, 0.05, 0.68, 0.22, shade(c, 0.85))
    # porcelain-style band pattern
    band = shade(c, 0.6) if sum(c) > 300 else shade(c, 1.5)
    p.rect(0.3, 0.55, 0.7, 0.6, band)
    p.rect(0.32, 0.66, 0.68, 0.69, band)
    p.ell(0.2, 0.35, 0.34, 0.6, shade(c, 1.18))


def draw_chinese_vase(p: Pen, c: RGB, s: int) -> None:
    white = (244, 244, 246)
    p.ell(0.08, 0.22, 0.92, 1.0, white)
    p.rect(0.36, 0.02, 0.64, 0.35, white)
    p.ell(0.28, 0.0, 0.72, 0.08, white)
    blue = (34, 64, 150)
    p.rect(0.36, 0.08, 0.64, 0.12, blue)
    p.rect(0.2, 0.44, 0.8, 0.47, blue)
    p.rect(0.16, 0.86, 0.84, 0.89, blue)
    for i in range(5):
        u = 0.22 + i * 0.13
        p.arc(u - 0.06, 0.52, u + 0.06, 0.68, 180, 360, blue, 0.025)
        p.ell(u - 0.025, 0.66, u + 0.025, 0.74, blue)
    p.arc(0.3, 0.7, 0.7, 0.86, 0, 180, blue, 0.025)


def draw_mirror(p: Pen, c: RGB, s: int) -> None:
    if s == 1:
        p.ell(0.0, 0.0, 1.0, 1.0, c)
        p.ell(0.07, 0.07, 0.93, 0.93, (206, 222, 230))
        p.poly([(0.25, 0.3), (0.35, 0.2), (0.6, 0.7), (0.5, 0.8)], (226, 238, 244))
    else:
        p.rect(0.0, 0.0, 1.0, 1.0, c, 0.5 if s == 2 else 0.05)
        p.rect(0.07, 0.05, 0.93, 0.95, (206, 222, 230), 0.45 if s == 2 else 0.03)
        p.poly([(0.2, 0.3), (0.35, 0.18), (0.7, 0.7), (0.55, 0.82)], (226, 238, 244))


def draw_frame(p: Pen, c: RGB, s: int) -> None:
    p.rect(0.0, 0.0, 1.0, 1.0, c)
    p.rect(0.08, 0.07, 0.92, 0.93, (250, 248, 242))
    art = [(212, 140, 100), (120, 156, 140), (230, 200, 120)][s % 3]
    p.rect(0.16, 0.14, 0.84, 0.86, (238, 232, 220))
    p.pie(0.16, 0.4, 0.84, 1.3, 180, 360, art)
    p.ell(0.55, 0.22, 0.72, 0.38, shade(art, 0.8))


def draw_candle(p: Pen, c: RGB, s: int) -> None:
    p.rect(0.25, 0.25, 0.75, 1.0, c, 0.08)
    p.ell(0.25, 0.2, 0.75, 0.3, shade(c, 1.15))
    p.rect(0.48, 0.12, 0.52, 0.25, (40, 40, 40))
    p.poly([(0.5, 0.0), (0.56, 0.1), (0.5, 0.16), (0.44, 0.1)], (255, 180, 60))


def draw_clock(p: Pen, c: RGB, s: int) -> None:
    p.ell(0.0, 0.0, 1.0, 1.0, c)
    p.ell(0.06, 0.06, 0.94, 0.94, (250, 248, 244))
    for i in range(12):
        a = i * math.pi / 6
        u, v = 0.5 + 0.38 * math.sin(a), 0.5 - 0.38 * math.cos(a)
        p.ell(u - 0.02, v - 0.02, u + 0.02, v + 0.02, (60, 60, 60))
    p.line([(0.5, 0.5), (0.5, 0.2)], (40, 40, 40), 0.035)
    p.line([(0.5, 0.5), (0.7, 0.6)], (40, 40, 40), 0.045)
    p.ell(0.46, 0.46, 0.54, 0.54, c)


def draw_plant_pot(p: Pen, c: RGB, s: int) -> None:
    leaf, leaf2 = LEAF, shade(LEAF, 0.78)
    if s == 0:  # monstera-like
        for (u, v, r) in ((0.3, 0.18, 0.2), (0.68, 0.14, 0.2), (0.5, 0.06, 0.18), (0.2, 0.36, 0.16),
                          (0.8, 0.34, 0.16)):
            p.ell(u - r, v - r * 0.7, u + r, v + r * 0.7, leaf if u < 0.5 else leaf2)
    elif s == 1:  # snake plant
        for i, u in enumerate((0.35, 0.45, 0.55, 0.65)):
            top = 0.0 + (i % 2) * 0.1
            p.poly([(u - 0.05, 0.56), (u, top), (u + 0.05, 0.56)], leaf if i % 2 else leaf2)
    else:  # round shrub
        p.ell(0.15, 0.02, 0.85, 0.62, leaf2)
        p.ell(0.22, 0.05, 0.6, 0.45, leaf)
    p.poly([(0.22, 0.52), (0.78, 0.52), (0.7, 1.0), (0.3, 1.0)], c)
    p.rect(0.18, 0.5, 0.82, 0.6, shade(c, 0.88), 0.1)


def draw_basket(p: Pen, c: RGB, s: int) -> None:
    p.arc(0.2, 0.0, 0.8, 0.6, 180, 360, shade(c, 0.8), 0.05)
    p.poly([(0.05, 0.3), (0.95, 0.3), (0.85, 1.0), (0.15, 1.0)], c)
    for v in (0.42, 0.56, 0.7, 0.84):
        p.line([(0.08, v), (0.92, v)], shade(c, 0.82), 0.02)
    p.rect(0.03, 0.27, 0.97, 0.34, shade(c, 0.88), 0.3)


def draw_mug(p: Pen, c: RGB, s: int) -> None:
    p.arc(0.58, 0.25, 0.98, 0.75, 270, 90, shade(c, 0.85), 0.1)
    p.rect(0.05, 0.1, 0.75, 1.0, c, 0.12)
    p.ell(0.05, 0.04, 0.75, 0.16, shade(c, 0.8))
    p.ell(0.09, 0.06, 0.71, 0.14, (110, 70, 40))
    p.rect(0.12, 0.25, 0.2, 0.85, shade(c, 1.15), 0.4)


def draw_plate(p: Pen, c: RGB, s: int) -> None:
    p.ell(0.0, 0.0, 1.0, 1.0, shade(c, 0.9))
    p.ell(0.04, 0.04, 0.96, 0.96, c)
    p.ell(0.2, 0.2, 0.8, 0.8, shade(c, 0.94))
    if s == 1:
        p.arc(0.08, 0.08, 0.92, 0.92, 0, 360, shade(c, 0.7), 0.015)


def draw_bowl(p: Pen, c: RGB, s: int) -> None:
    p.pie(0.0, -0.3, 1.0, 1.0, 0, 180, c)
    p.ell(0.0, 0.25, 1.0, 0.45, shade(c, 0.8))
    p.ell(0.04, 0.27, 0.96, 0.43, shade(c, 0.65))
    p.rect(0.35, 0.92, 0.65, 1.0, shade(c, 0.85))
    p.arc(0.12, 0.0, 0.88, 0.9, 20, 60, shade(c, 1.2), 0.03)


def draw_frying_pan(p: Pen, c: RGB, s: int) -> None:
    p.rect(0.6, 0.42, 1.0, 0.52, (40, 40, 40), 0.5)
    p.ell(0.0, 0.25, 0.66, 0.75, shade(c, 0.8))
    p.ell(0.04, 0.29, 0.62, 0.71, (52, 52, 56))
    p.ell(0.12, 0.36, 0.4, 0.5, (80, 80, 86))


def draw_saucepan(p: Pen, c: RGB, s: int) -> None:
    p.rect(0.7, 0.3, 1.0, 0.38, (40, 40, 40), 0.5)
    p.rect(0.05, 0.28, 0.75, 0.95, c, 0.06)
    p.ell(0.05, 0.2, 0.75, 0.36, shade(c, 0.8))
    p.ell(0.1, 0.23, 0.7, 0.33, shade(c, 0.6))
    p.rect(0.1, 0.4, 0.16, 0.85, shade(c, 1.2), 0.4)


def draw_kettle(p: Pen, c: RGB, s: int) -> None:
    p.poly([(0.12, 0.55), (0.0, 0.3), (0.04, 0.28), (0.22, 0.5)], shade(c, 0.85))
    p.arc(0.25, 0.0, 0.75, 0.5, 180, 360, (40, 40, 40), 0.06)
    p.poly([(0.25, 0.25), (0.75, 0.25), (0.9, 1.0), (0.1, 1.0)], c)
    p.ell(0.42, 0.17, 0.58, 0.27, (40, 40, 40))
    p.rect(0.18, 0.4, 0.24, 0.9, shade(c, 1.2), 0.4)


def draw_teapot(p: Pen, c: RGB, s: int) -> None:
    p.poly([(0.18, 0.6), (0.0, 0.3), (0.06, 0.28), (0.28, 0.55)], shade(c, 0.85))
    p.arc(0.68, 0.35, 1.0, 0.8, 270, 90, shade(c, 0.85), 0.08)
    p.ell(0.12, 0.28, 0.88, 1.0, c)
    p.ell(0.32, 0.18, 0.68, 0.34, shade(c, 0.88))
    p.ell(0.45, 0.1, 0.55, 0.2, shade(c, 0.7))
    if s == 2:  # painted pattern
        blue = (34, 64, 150)
        p.arc(0.25, 0.5, 0.75, 0.8, 0, 180, blue, 0.03)
        p.rect(0.16, 0.5, 0.84, 0.53, blue)


def draw_tumbler(p: Pen, c: RGB, s: int) -> None:
    glass = shade(c, 1.55)
    p.poly([(0.1, 0.0), (0.9, 0.0), (0.8, 1.0), (0.2, 1.0)], glass)
    p.poly([(0.16, 0.35), (0.84, 0.35), (0.8, 0.95), (0.2, 0.95)], shade(c, 1.2))
    p.rect(0.2, 0.05, 0.26, 0.9, (255, 255, 255))
    p.ell(0.1, -0.04, 0.9, 0.06, shade(c, 1.3))


def draw_wine_glass(p: Pen, c: RGB, s: int) -> None:
    glass = shade(c, 1.6)
    p.ell(0.2, 0.9, 0.8, 1.0, glass)
    p.rect(0.47, 0.5, 0.53, 0.95, glass)
    p.pie(0.15, -0.2, 0.85, 0.58, 0, 180, glass)
    p.rect(0.15, 0.0, 0.85, 0.19, glass)
    p.pie(0.2, 0.0, 0.8, 0.52, 0, 180, shade(c, 1.0))
    p.rect(0.25, 0.05, 0.3, 0.35, (255, 255, 255))


def draw_cutlery(p: Pen, c: RGB, s: int) -> None:
    # fork, knife, spoon side by side
    p.rect(0.17, 0.45, 0.23, 1.0, c, 0.5)
    p.rect(0.1, 0.2, 0.3, 0.48, c, 0.15)
    for u in (0.12, 0.18, 0.24):
        p.rect(u - 0.01, 0.0, u + 0.03, 0.25, c)
    p.rect(0.47, 0.45, 0.53, 1.0, c, 0.5)
    p.poly([(0.45, 0.0), (0.55, 0.05), (0.55, 0.48), (0.45, 0.48)], shade(c, 1.15))
    p.rect(0.77, 0.35, 0.83, 1.0, c, 0.5)
    p.ell(0.7, 0.0, 0.9, 0.38, c)
    p.ell(0.73, 0.04, 0.8, 0.2, shade(c, 1.25))


def draw_board(p: Pen, c: RGB, s: int) -> None:
    p.ell(0.38, 0.0, 0.62, 0.2, c)
    p.rect(0.42, 0.05, 0.58, 0.3, c)
    p.rect(0.05, 0.22, 0.95, 1.0, c, 0.12)
    p.ell(0.46, 0.06, 0.54, 0.12, BG)
    for v in (0.4, 0.6, 0.8):
        p.line([(0.12, v), (0.88, v + 0.02)], shade(c, 0.9), 0.012)


def draw_steamer(p: Pen, c: RGB, s: int) -> None:
    bamboo = (214, 184, 120)
    p.ell(0.0, 0.0, 1.0, 0.3, shade(bamboo, 0.85))
    p.rect(0.0, 0.15, 1.0, 0.85, bamboo)
    p.ell(0.0, 0.7, 1.0, 1.0, bamboo)
    for v in (0.35, 0.55):
        p.rect(0.0, v, 1.0, v + 0.05, shade(bamboo, 0.8))
    p.ell(0.1, 0.02, 0.9, 0.26, shade(bamboo, 1.1))


def draw_rug(p: Pen, c: RGB, s: int) -> None:
    # a rug drawn flat, seen from above
    p.rect(0.0, 0.0, 1.0, 1.0, c, 0.03)
    inner = shade(c, 1.25) if sum(c) < 450 else shade(c, 0.8)
    p.rect(0.06, 0.08, 0.94, 0.92, inner, 0.02)
    p.rect(0.1, 0.14, 0.9, 0.86, c, 0.02)
    if s == 0:
        for i in range(5):
            u = 0.2 + i * 0.15
            p.poly([(u, 0.3), (u + 0.06, 0.5), (u, 0.7), (u - 0.06, 0.5)], inner)
    elif s == 1:
        for v in (0.3, 0.5, 0.7):
            p.rect(0.14, v - 0.02, 0.86, v + 0.02, inner)
    else:
        p.ell(0.3, 0.25, 0.7, 0.75, inner)
        p.ell(0.38, 0.35, 0.62, 0.65, c)
    for u in [i / 20 for i in range(1, 20)]:
        p.rect(u - 0.004, -0.0, u + 0.004, 0.0 + 0.001, c)


def draw_cushion(p: Pen, c: RGB, s: int) -> None:
    p.poly([(0.02, 0.05), (0.5, 0.12), (0.98, 0.05), (0.9, 0.5), (0.98, 0.95), (0.5, 0.88), (0.02, 0.95),
            (0.1, 0.5)], c)
    p.ell(0.12, 0.14, 0.88, 0.86, c)
    if s == 1:
        for u in (0.3, 0.5, 0.7):
            p.line([(u, 0.15), (u, 0.85)], shade(c, 0.85), 0.03)
    elif s == 2:
        p.ell(0.4, 0.4, 0.6, 0.6, shade(c, 0.8))
    p.ell(0.2, 0.2, 0.5, 0.45, shade(c, 1.12))


def draw_throw(p: Pen, c: RGB, s: int) -> None:
    p.rect(0.05, 0.0, 0.95, 0.9, c, 0.06)
    p.poly([(0.05, 0.55), (0.95, 0.45), (0.95, 0.9), (0.05, 0.9)], shade(c, 0.86))
    stripe = shade(c, 1.3)
    if s != 2:
        for v in (0.15, 0.22):
            p.rect(0.05, v, 0.95, v + 0.03, stripe)
    else:
        for u in (0.2, 0.4, 0.6, 0.8):
            p.rect(u, 0.0, u + 0.03, 0.9, stripe)
    for u in [0.07 + i * 0.04 for i in range(22)]:
        p.rect(u, 0.9, u + 0.012, 1.0, shade(c, 0.8))


def draw_towel(p: Pen, c: RGB, s: int) -> None:
    for i, off in enumerate((0.0, 0.33, 0.66)):
        col = shade(c, 1.0 - i * 0.06)
        p.rect(0.0, 0.66 - off, 1.0, 1.0 - off, col, 0.12)
        p.rect(0.0, 0.9 - off, 1.0, 0.94 - off, shade(col, 0.85))


def draw_bedding(p: Pen, c: RGB, s: int) -> None:
    # A folded duvet cover set as it sits on the shelf: two folded layers,
    # the pillowcase on top, and a kraft-paper band with a label.
    p.rect(0.0, 0.42, 1.0, 1.0, shade(c, 0.9), 0.08)
    p.rect(0.0, 0.42, 1.0, 0.72, c, 0.08)
    for v in (0.72, 0.86):
        p.line([(0.02, v), (0.98, v)], shade(c, 0.78), 0.015)
    p.rect(0.08, 0.12, 0.92, 0.46, shade(c, 1.12), 0.1)
    if s == 1:  # striped pillowcase
        for u in (0.25, 0.45, 0.65, 0.85):
            p.rect(u - 0.03, 0.12, u, 0.46, shade(c, 0.92))
    elif s == 2:  # piped edge
        p.line([(0.1, 0.16), (0.9, 0.16)], shade(c, 0.75), 0.02)
    p.rect(0.38, 0.1, 0.56, 1.0, (196, 164, 120))
    p.rect(0.3, 0.5, 0.64, 0.66, (246, 242, 232), 0.1)
    p.line([(0.35, 0.56), (0.59, 0.56)], (150, 130, 100), 0.012)
    p.line([(0.35, 0.6), (0.52, 0.6)], (150, 130, 100), 0.012)


def draw_curtain(p: Pen, c: RGB, s: int) -> None:
    p.rect(0.0, 0.0, 1.0, 0.03, (60, 60, 60))
    for i in range(6):
        u0 = i / 6
        p.rect(u0, 0.02, u0 + 1 / 6, 1.0, shade(c, 0.9 if i % 2 else 1.05))
    p.poly([(0.0, 0.02), (0.1, 0.02), (0.05, 1.0), (0.0, 1.0)], shade(c, 0.8))


def draw_tablecloth(p: Pen, c: RGB, s: int) -> None:
    p.poly([(0.1, 0.0), (0.9, 0.0), (1.0, 1.0), (0.0, 1.0)], c)
    check = shade(c, 0.82)
    for i in range(6):
        u = 0.05 + i * 0.17
        p.rect(u, 0.0, u + 0.06, 1.0, check)
    p.rect(0.08, 0.3, 0.92, 0.36, check)
    p.rect(0.04, 0.65, 0.96, 0.71, check)


def draw_bbq(p: Pen, c: RGB, s: int) -> None:
    metal = (60, 60, 62)
    p.line([(0.25, 0.5), (0.12, 1.0)], metal, 0.04)
    p.line([(0.75, 0.5), (0.88, 1.0)], metal, 0.04)
    p.line([(0.5, 0.55), (0.5, 0.95)], metal, 0.04)
    p.ell(0.05, 0.88, 0.2, 1.0, (30, 30, 30))
    if s == 1:  # gas grill cart
        p.rect(0.05, 0.25, 0.95, 0.7, c, 0.06)
        p.rect(0.05, 0.0, 0.95, 0.3, shade(c, 0.85), 0.3)
        p.rect(0.35, 0.12, 0.65, 0.16, (200, 200, 200), 0.5)
        for u in (0.3, 0.5, 0.7):
            p.ell(u - 0.04, 0.45, u + 0.04, 0.55, (30, 30, 30))
        return
    p.pie(0.05, 0.02, 0.95, 0.9, 0, 180, c)
    p.pie(0.05, 0.0, 0.95, 0.72, 180, 360, shade(c, 0.85))
    p.rect(0.05, 0.34, 0.95, 0.38, (90, 90, 92))
    p.rect(0.44, 0.0, 0.56, 0.04, (40, 40, 40), 0.4)
    p.ell(0.2, 0.5, 0.4, 0.64, shade(c, 1.15))


def draw_lantern(p: Pen, c: RGB, s: int) -> None:
    p.arc(0.3, 0.0, 0.7, 0.25, 180, 360, c, 0.05)
    p.poly([(0.2, 0.12), (0.8, 0.12), (0.9, 0.22), (0.1, 0.22)], c)
    p.rect(0.18, 0.22, 0.82, 0.92, shade(c, 0.9))
    p.rect(0.25, 0.26, 0.75, 0.88, (255, 228, 160))
    p.ell(0.4, 0.45, 0.6, 0.75, (255, 246, 220))
    p.rect(0.47, 0.26, 0.53, 0.88, shade(c, 0.9))
    p.rect(0.12, 0.9, 0.88, 1.0, c, 0.2)


def draw_paper_lantern(p: Pen, c: RGB, s: int) -> None:
    p.rect(0.49, 0.0, 0.51, 0.1, (40, 40, 40))
    p.rect(0.3, 0.08, 0.7, 0.14, (40, 40, 40), 0.3)
    p.ell(0.02, 0.1, 0.98, 0.92, c)
    for v in (0.3, 0.5, 0.7):
        p.arc(0.02, v - 0.2, 0.98, v + 0.2, 10, 170, shade(c, 0.8), 0.015)
    p.rect(0.3, 0.88, 0.7, 0.94, (40, 40, 40), 0.3)
    p.rect(0.48, 0.94, 0.52, 1.0, (220, 170, 40))
    p.ell(0.38, 0.4, 0.62, 0.6, (236, 190, 60))


def draw_garden_chair(p: Pen, c: RGB, s: int) -> None:
    dark = shade(c, 0.78)
    p.line([(0.15, 0.55), (0.1, 1.0)], dark, 0.05)
    p.line([(0.85, 0.55), (0.9, 1.0)], dark, 0.05)
    p.line([(0.25, 0.58), (0.3, 1.0)], c, 0.05)
    p.line([(0.75, 0.58), (0.7, 1.0)], c, 0.05)
    if s == 0:  # slatted
        for v in (0.05, 0.17, 0.29, 0.41):
            p.rect(0.15, v, 0.85, v + 0.08, c, 0.3)
    else:  # bistro
        p.rect(0.18, 0.0, 0.82, 0.42, c, 0.3)
        p.rect(0.25, 0.06, 0.75, 0.36, shade(c, 1.15), 0.3)
    p.rect(0.1, 0.5, 0.9, 0.6, dark, 0.3)
    p.rect(0.1, 0.48, 0.9, 0.56, c, 0.3)


def draw_garden_bench(p: Pen, c: RGB, s: int) -> None:
    dark = shade(c, 0.75)
    _legs(p, dark, [0.08, 0.92], 0.55, 0.04, taper=False)
    for v in (0.05, 0.17, 0.29):
        p.rect(0.03, v, 0.97, v + 0.08, c, 0.2)
    p.rect(0.06, 0.0, 0.1, 0.55, dark)
    p.rect(0.9, 0.0, 0.94, 0.55, dark)
    p.rect(0.0, 0.5, 1.0, 0.6, c, 0.2)
    p.rect(0.0, 0.42, 0.08, 0.46, dark)
    p.rect(0.92, 0.42, 1.0, 0.46, dark)


def draw_garden_table(p: Pen, c: RGB, s: int) -> None:
    dark = shade(c, 0.78)
    _legs(p, dark, [0.12, 0.88], 0.1, 0.04, taper=False)
    p.line([(0.12, 0.6), (0.88, 0.6)], dark, 0.03)
    p.ell(0.0, 0.0, 1.0, 0.2, c)
    p.rect(0.0, 0.08, 1.0, 0.14, shade(c, 0.85))
    p.ell(0.0, 0.0, 1.0, 0.16, c)


def draw_parasol(p: Pen, c: RGB, s: int) -> None:
    pole = (230, 226, 218)
    p.rect(0.485, 0.1, 0.515, 0.96, pole)
    p.rect(0.35, 0.94, 0.65, 1.0, (80, 80, 80), 0.3)
    p.pie(0.0, 0.02, 1.0, 0.62, 180, 360, c)
    for i in range(4):
        u0 = 0.0 + i * 0.25
        if i % 2:
            p.poly([(0.5, 0.04), (u0, 0.32), (u0 + 0.25, 0.32)], shade(c, 1.2))
    p.rect(0.0, 0.31, 1.0, 0.34, shade(c, 0.8))
    p.ell(0.47, 0.0, 0.53, 0.05, pole)


def draw_watering_can(p: Pen, c: RGB, s: int) -> None:
    p.poly([(0.68, 0.55), (0.98, 0.12), (1.0, 0.18), (0.72, 0.7)], shade(c, 0.85))
    p.ell(0.92, 0.06, 1.0, 0.2, shade(c, 0.7))
    p.arc(0.1, 0.0, 0.6, 0.6, 180, 360, shade(c, 0.8), 0.06)
    p.rect(0.05, 0.3, 0.72, 1.0, c, 0.08)
    p.rect(0.05, 0.3, 0.72, 0.38, shade(c, 0.88), 0.3)
    p.rect(0.12, 0.45, 0.18, 0.92, shade(c, 1.2), 0.4)


def draw_planter(p: Pen, c: RGB, s: int) -> None:
    flowers = [(230, 90, 110), (250, 200, 70), (240, 240, 250), (170, 120, 210)]
    p.ell(0.05, 0.0, 0.95, 0.5, LEAF)
    rng = random.Random(5 + s)
    for _ in range(14):
        u, v = rng.uniform(0.12, 0.88), rng.uniform(0.06, 0.36)
        p.ell(u - 0.05, v - 0.05, u + 0.05, v + 0.05, rng.choice(flowers))
    p.rect(0.0, 0.35, 1.0, 1.0, c, 0.06)
    p.rect(0.0, 0.35, 1.0, 0.45, shade(c, 0.85), 0.1)
    for u in (0.25, 0.5, 0.75):
        p.line([(u, 0.47), (u, 0.97)], shade(c, 0.9), 0.012)


def draw_string_lights(p: Pen, c: RGB, s: int) -> None:
    pts = [(i / 20, 0.2 + 0.25 * (1 - ((i - 10) / 10) ** 2)) for i in range(21)]
    p.line(pts, (60, 60, 60), 0.02)
    for i in range(1, 20, 2):
        u, v = pts[i]
        p.ell(u - 0.04, v + 0.02, u + 0.04, v + 0.26, c)
        p.ell(u - 0.02, v + 0.06, u + 0.01, v + 0.14, shade(c, 1.4))


DRAWERS: dict[str, Drawer] = {
    name[len("draw_"):]: fn for name, fn in dict(globals()).items() if name.startswith("draw_")
}


def render_sprite(kind: str, colour: RGB, style: int, size: tuple[int, int]) -> Image.Image:
    """An RGBA illustration of ``kind`` filling ``size`` (pixels), transparent around it."""
    w, h = size
    img = Image.new("RGBA", (w * SS, h * SS), (0, 0, 0, 0))
    DRAWERS[kind](Pen(ImageDraw.Draw(img), (0, 0, w * SS - 1, h * SS - 1)), colour, style)
    return img.resize((w, h), Image.Resampling.LANCZOS)


# ---------------------------------------------------------------- product types


@dataclass(frozen=True)
class Kind:
    """A product type: how it is drawn, named, sized, priced and shelved."""

    key: str
    drawer: str
    category: tuple[str, str]
    noun: str
    aspect: float  # width / height of the drawing
    height_cm: float  # real height, for scenes
    count: int
    price: tuple[int, int]  # euro range
    brands: tuple[str, ...]
    colours: tuple[str, ...]
    sizes: tuple[tuple[str, float], ...] = ()  # (label, price factor)
    size_axis: str = "Size"
    tags: tuple[str, ...] = ()
    material: str = ""
    stock: tuple[int, int] = (0, 12)
    flat: bool = False  # drawn from above (rugs): no floor shadow in product shots
    hangs: bool = False  # hangs from the ceiling or wall: no floor shadow
    scene_cm: tuple[float, float] | None = None  # (width, height) as seen in a room, if not height x aspect


F, DEC, K, T, G = "Furniture", "Decor", "Kitchen", "Textiles", "Garden"
FAB = ("Stone Grey", "Charcoal", "Oat", "Sage", "Terracotta", "Navy", "Mustard", "Blush", "Forest Green")
WOOD = ("Oak", "Walnut", "White", "Black", "Natural")
CER = ("White", "Sage", "Terracotta", "Navy", "Cream", "Blush", "Charcoal", "Ocean Blue", "Mustard")
MET = ("Black", "Brass", "White", "Stone Grey", "Copper")

KINDS: tuple[Kind, ...] = (
    Kind("sofa", "sofa", (F, "Sofas"), "sofa", 2.3, 85, 10, (449, 1499), ("Nordhem", "Hearth & Home"), FAB,
         (("2-seat", 0.8), ("3-seat", 1.0)), "Seats", ("living room", "lounge"), "woven fabric", (0, 5)),
    Kind("armchair", "armchair", (F, "Armchairs"), "armchair", 1.0, 90, 9, (199, 699), ("Nordhem", "Hearth & Home"),
         FAB, (), tags=("living room", "reading nook"), material="bouclé fabric", stock=(0, 6)),
    Kind("dining_chair", "dining_chair", (F, "Chairs"), "dining chair", 0.62, 86, 9, (69, 249),
         ("Nordhem", "Hearth & Home"), WOOD, (), tags=("dining", "kitchen"), material="solid wood", stock=(0, 24)),
    Kind("stool", "stool", (F, "Chairs"), "bar stool", 0.6, 75, 6, (49, 159), ("Nordhem",), ("Natural", "Black",
         "Sage", "Terracotta", "Charcoal"), (), tags=("kitchen", "dining"), material="beech", stock=(0, 16)),
    Kind("dining_table", "dining_table", (F, "Tables"), "dining table", 2.0, 75, 8, (299, 1299),
         ("Nordhem", "Hearth & Home"), WOOD, (("4 seats", 1.0), ("6 seats", 1.3)), "Seats", ("dining",),
         "solid wood", (0, 4)),
    Kind("coffee_table", "coffee_table", (F, "Tables"), "coffee table", 2.2, 45, 8, (129, 549), ("Nordhem",), WOOD,
         (), tags=("living room",), material="solid oak", stock=(0, 8)),
    Kind("side_table", "side_table", (F, "Tables"), "side table", 0.8, 55, 6, (59, 199), ("Nordhem", "Maison Crème"),
         ("Oak", "Walnut", "Black", "White", "Terracotta"), (), tags=("living room", "bedroom"), material="mango wood",
         stock=(0, 10)),
    Kind("bookshelf", "bookshelf", (F, "Storage"), "bookcase", 0.55, 190, 7, (149, 599), ("Nordhem",), WOOD,
         (("80 cm", 1.0), ("120 cm", 1.35)), "Width", ("home office", "living room", "storage"), "oak veneer", (0, 5)),
    Kind("sideboard", "sideboard", (F, "Storage"), "sideboard", 2.2, 80, 6, (349, 999), ("Nordhem",), WOOD, (),
         tags=("dining", "living room", "storage"), material="walnut veneer", stock=(0, 3)),
    Kind("desk", "desk", (F, "Desks"), "desk", 1.7, 75, 7, (179, 699), ("Nordhem", "Hearth & Home"), WOOD,
         (("120 cm", 1.0), ("160 cm", 1.25)), "Width", ("home office", "work from home"), "oak veneer", (0, 6)),
    Kind("office_chair", "office_chair", (F, "Desks"), "office chair", 0.75, 100, 7, (149, 549), ("Ergonord",),
         ("Charcoal", "Navy", "Stone Grey", "Sage", "Black"), (), tags=("home office", "work from home"),
         material="recycled mesh", stock=(0, 8)),
    Kind("bed", "bed", (F, "Beds"), "bed frame", 1.6, 100, 7, (349, 1299), ("Nordhem", "Hearth & Home"), FAB,
         (("140×200", 1.0), ("160×200", 1.15), ("180×200", 1.3)), "Size", ("bedroom",), "upholstered", (0, 3)),
    Kind("nightstand", "nightstand", (F, "Beds"), "bedside table", 0.9, 55, 6, (79, 249), ("Nordhem",), WOOD, (),
         tags=("bedroom",), material="solid pine", stock=(0, 10)),
    Kind("table_lamp", "table_lamp", (DEC, "Lighting"), "table lamp", 0.72, 48, 9, (39, 189),
         ("Lumen & Co", "Maison Crème"), CER, (), tags=("lighting", "living room", "bedroom", "home office"),
         material="glazed ceramic", stock=(0, 20)),
    Kind("floor_lamp", "floor_lamp", (DEC, "Lighting"), "floor lamp", 0.36, 160, 7, (89, 349), ("Lumen & Co",), MET,
         (), tags=("lighting", "living room", "reading nook"), material="powder-coated steel", stock=(0, 8)),
    Kind("pendant_lamp", "pendant_lamp", (DEC, "Lighting"), "pendant light", 1.0, 60, 8, (59, 279),
         ("Lumen & Co",), MET + ("Sage", "Terracotta"), (), tags=("lighting", "dining", "kitchen"),
         material="spun aluminium", stock=(0, 12), hangs=True),
    Kind("vase", "vase", (DEC, "Vases & Bowls"), "vase", 0.62, 30, 9, (19, 89), ("Maison Crème", "Hearth & Home"),
         CER, (("S", 0.8), ("L", 1.0)), "Size", ("decor", "flowers"), "stoneware", (0, 30)),
    Kind("chinese_vase", "chinese_vase", (DEC, "Vases & Bowls"), "porcelain vase", 0.62, 34, 2, (49, 129),
         ("景德 Jingde",), ("White",), (), tags=("decor", "porcelain", "chinoiserie"), material="porcelain",
         stock=(0, 8)),
    Kind("mirror", "mirror", (DEC, "Mirrors"), "mirror", 0.75, 90, 7, (49, 249), ("Maison Crème",),
         ("Brass", "Black", "Oak", "White"), (), tags=("decor", "hallway", "bedroom"), material="glass and metal",
         stock=(0, 8), hangs=True),
    Kind("frame", "frame", (DEC, "Wall Decor"), "picture frame", 0.8, 40, 7, (12, 59), ("Maison Crème",),
         ("Black", "Oak", "White", "Brass"), (("A4", 0.8), ("A3", 1.0), ("50×70", 1.4)), "Size",
         ("decor", "wall art", "gallery wall"), "FSC oak", (0, 40), hangs=True),
    Kind("candle", "candle", (DEC, "Candles"), "scented candle", 0.7, 12, 9, (9, 39), ("Hearth & Home", "Maison Crème"),
         ("Cream", "Sage", "Blush", "Terracotta", "Charcoal", "Lavender"), (), tags=("decor", "scent", "cozy"),
         material="soy wax", stock=(0, 60)),
    Kind("clock", "clock", (DEC, "Wall Decor"), "wall clock", 1.0, 30, 5, (29, 99), ("Hearth & Home",),
         ("Black", "Oak", "Brass", "White"), (), tags=("decor", "home office", "kitchen"), material="oak",
         stock=(0, 15), hangs=True),
    Kind("plant_pot", "plant_pot", (G, "Plant Pots"), "plant pot", 0.8, 45, 9, (12, 79), ("GreenThumb", "Maison Crème"),
         ("Terracotta", "White", "Sage", "Charcoal", "Blush", "Sand"), (("Ø12 cm", 0.6), ("Ø18 cm", 0.8),
                                                                    ("Ø24 cm", 1.0)), "Size",
         ("plants", "indoor garden", "living room", "balcony"), "terracotta", (0, 40)),
    Kind("basket", "basket", (DEC, "Storage"), "storage basket", 1.1, 35, 6, (19, 69), ("Hearth & Home",),
         ("Natural", "Charcoal", "Sand"), (("M", 1.0), ("L", 1.3)), "Size", ("storage", "living room", "bedroom"),
         "seagrass", (0, 30)),
    Kind("mug", "mug", (K, "Tableware"), "mug", 1.05, 10, 10, (6, 19), ("Kökken", "Hearth & Home"), CER, (),
         tags=("coffee", "breakfast", "tableware"), material="stoneware", stock=(0, 80)),
    Kind("plate", "plate", (K, "Tableware"), "dinner plate", 1.0, 3, 9, (7, 24), ("Kökken", "Porcelana"), CER,
         (("Ø21 cm", 0.8), ("Ø27 cm", 1.0)), "Size", ("dining", "tableware"), "stoneware", (0, 120),
         scene_cm=(27, 9)),
    Kind("bowl", "bowl", (K, "Tableware"), "bowl", 1.6, 8, 8, (6, 39), ("Kökken", "Porcelana"), CER, (),
         tags=("dining", "breakfast", "tableware"), material="stoneware", stock=(0, 80)),
    Kind("tumbler", "tumbler", (K, "Glassware"), "glass tumbler", 0.75, 11, 6, (4, 16), ("Kökken",),
         ("Ocean Blue", "Sage", "Stone Grey", "Blush", "Sand"), (), tags=("drinks", "glassware", "dining"),
         material="recycled glass", stock=(0, 100)),
    Kind("wine_glass", "wine_glass", (K, "Glassware"), "wine glass", 0.55, 22, 5, (6, 22), ("Kökken",),
         ("Stone Grey", "Sand"), (("Set of 2", 1.0), ("Set of 4", 1.8)), "Pack", ("drinks", "glassware", "dining"),
         "crystal glass", (0, 50)),
    Kind("cutlery", "cutlery", (K, "Tableware"), "cutlery set", 1.0, 21, 6, (29, 129), ("Kökken",),
         ("Stainless", "Brass", "Black"), (("16 pieces", 1.0), ("24 pieces", 1.4)), "Pieces", ("dining", "tableware"),
         "18/10 stainless steel", (0, 30)),
    Kind("frying_pan", "frying_pan", (K, "Cookware"), "frying pan", 1.8, 6, 7, (29, 119), ("Kökken", "Hearth & Home"),
         ("Stainless", "Black", "Copper"), (("Ø24 cm", 0.85), ("Ø28 cm", 1.0)), "Size", ("cooking", "cookware"),
         "carbon steel", (0, 25)),
    Kind("saucepan", "saucepan", (K, "Cookware"), "saucepan", 1.3, 14, 6, (29, 139), ("Kökken",),
         ("Stainless", "Copper", "Black", "Red"), (("1.5 l", 0.85), ("2.5 l", 1.0)), "Size", ("cooking", "cookware"),
         "tri-ply stainless steel", (0, 25)),
    Kind("kettle", "kettle", (K, "Kitchen Appliances"), "kettle", 0.95, 24, 6, (39, 129), ("Kökken",),
         ("Stainless", "Cream", "Sage", "Black", "Red"), (), tags=("tea", "coffee", "breakfast"),
         material="stainless steel", stock=(0, 12)),
    Kind("teapot", "teapot", (K, "Tableware"), "teapot", 1.2, 16, 6, (24, 89), ("Kökken", "景德 Jingde"), CER, (),
         tags=("tea", "breakfast"), material="porcelain", stock=(0, 20)),
    Kind("board", "board", (K, "Kitchen Tools"), "chopping board", 0.7, 40, 6, (14, 59), ("Kökken", "Hearth & Home"),
         ("Oak", "Walnut", "Natural"), (("M", 1.0), ("L", 1.35)), "Size", ("cooking", "serving", "kitchen"),
         "end-grain oak", (0, 30)),
    Kind("steamer", "steamer", (K, "Cookware"), "bamboo steamer", 1.6, 14, 2, (16, 34), ("Hearth & Home",),
         ("Natural",), (("Ø20 cm", 1.0), ("Ø26 cm", 1.3)), "Size", ("cooking", "asian kitchen"), "bamboo", (0, 20)),
    Kind("rug", "rug", (T, "Rugs"), "rug", 1.45, 1, 10, (79, 499), ("Linnea Textiles", "Hearth & Home"),
         ("Oat", "Stone Grey", "Terracotta", "Navy", "Sage", "Charcoal", "Rust"),
         (("120×170", 0.6), ("160×230", 1.0), ("200×300", 1.5)), "Size", ("living room", "bedroom", "rugs"),
         "hand-woven wool", (0, 6), flat=True),
    Kind("cushion", "cushion", (T, "Cushions"), "cushion cover", 1.0, 45, 10, (12, 45),
         ("Linnea Textiles", "Hearth & Home"), FAB + ("Cream", "Rust"), (("45×45", 1.0), ("50×50", 1.15)), "Size",
         ("living room", "bedroom", "cozy"), "washed linen", (0, 40)),
    Kind("throw", "throw", (T, "Throws & Blankets"), "throw", 0.9, 120, 9, (29, 149), ("Linnea Textiles",),
         FAB + ("Cream", "Rust"), (), tags=("living room", "bedroom", "cozy"), material="merino wool",
         stock=(0, 25)),
    Kind("towel", "towel", (T, "Bath"), "towel", 1.2, 30, 8, (8, 39), ("Linnea Textiles", "Hearth & Home"),
         ("White", "Sage", "Stone Grey", "Navy", "Blush", "Sand"),
         (("Hand", 0.5), ("Bath", 1.0), ("Bath sheet", 1.4)), "Size", ("bathroom",), "organic cotton", (0, 60)),
    Kind("bedding", "bedding", (T, "Bedding"), "duvet cover set", 1.3, 60, 8, (49, 149), ("Linnea Textiles",),
         ("White", "Oat", "Sage", "Stone Grey", "Blush", "Terracotta"),
         (("Single", 0.75), ("Double", 1.0), ("King", 1.25)), "Size", ("bedroom", "linen"), "stonewashed linen",
         (0, 20)),
    Kind("curtain", "curtain", (T, "Curtains"), "curtain", 0.6, 250, 6, (39, 129), ("Linnea Textiles",),
         ("Oat", "Sage", "Stone Grey", "Navy", "White"), (("140×250", 1.0), ("140×280", 1.15)), "Size",
         ("living room", "bedroom", "windows"), "linen blend", (0, 20), hangs=True),
    Kind("tablecloth", "tablecloth", (T, "Table Linen"), "tablecloth", 1.2, 80, 5, (24, 69), ("Linnea Textiles",),
         ("Oat", "Sage", "Red", "Ocean Blue"), (("145×250", 1.0), ("145×320", 1.25)), "Size",
         ("dining", "table linen"), "linen", (0, 20)),
    Kind("bbq", "bbq", (G, "Barbecues"), "barbecue grill", 1.0, 100, 7, (89, 899), ("Emberline",),
         ("Black", "Red", "Forest Green", "Stainless"), (), tags=("barbecue", "outdoor", "summer"),
         material="enamelled steel", stock=(0, 6)),
    Kind("lantern", "lantern", (G, "Outdoor Lighting"), "lantern", 0.6, 40, 7, (19, 79),
         ("GreenThumb", "Lumen & Co"), ("Black", "White", "Brass", "Sage"), (("S", 0.75), ("L", 1.0)), "Size",
         ("outdoor", "lighting", "balcony", "cozy"), "powder-coated steel", (0, 25)),
    Kind("paper_lantern", "paper_lantern", (DEC, "Lighting"), "paper lantern", 0.8, 40, 2, (15, 39),
         ("Hearth & Home",), ("Red",), (), tags=("lighting", "festive", "chinoiserie"), material="rice paper",
         stock=(0, 30), hangs=True),
    Kind("string_lights", "string_lights", (G, "Outdoor Lighting"), "string lights", 2.2, 30, 5, (19, 59),
         ("Lumen & Co",), ("Cream", "Mustard", "White"), (("5 m", 1.0), ("10 m", 1.6)), "Length",
         ("outdoor", "lighting", "balcony", "summer"), "solar-powered LED", (0, 30), hangs=True),
    Kind("garden_chair", "garden_chair", (G, "Garden Furniture"), "garden chair", 0.8, 85, 8, (49, 189),
         ("GreenThumb", "Nordhem"), ("Forest Green", "Black", "White", "Sage", "Natural", "Terracotta"), (),
         tags=("outdoor", "balcony", "summer", "garden furniture"), material="FSC acacia", stock=(0, 12)),
    Kind("garden_bench", "garden_bench", (G, "Garden Furniture"), "garden bench", 1.9, 80, 5, (149, 449),
         ("GreenThumb", "Nordhem"), ("Natural", "Forest Green", "Charcoal"), (), tags=("outdoor", "garden furniture"),
         material="FSC teak", stock=(0, 4)),
    Kind("garden_table", "garden_table", (G, "Garden Furniture"), "garden table", 1.35, 74, 6, (99, 499),
         ("GreenThumb", "Nordhem"), ("Natural", "Forest Green", "Black", "White"), (), tags=("outdoor", "summer",
                                                                                          "garden furniture"),
         material="FSC acacia", stock=(0, 5)),
    Kind("parasol", "parasol", (G, "Garden Furniture"), "parasol", 1.1, 240, 5, (59, 299), ("GreenThumb",),
         ("Oat", "Terracotta", "Navy", "Sage"), (("Ø2.5 m", 1.0), ("Ø3 m", 1.3)), "Size", ("outdoor", "summer"),
         "UV-resistant canvas", (0, 6)),
    Kind("watering_can", "watering_can", (G, "Garden Tools"), "watering can", 1.3, 30, 5, (14, 49), ("GreenThumb",),
         ("Sage", "Stone Grey", "Copper", "Forest Green"), (("5 l", 1.0), ("9 l", 1.35)), "Size",
         ("plants", "balcony", "gardening"), "galvanised steel", (0, 20)),
    Kind("planter", "planter", (G, "Plant Pots"), "balcony planter", 1.9, 45, 5, (24, 89), ("GreenThumb",),
         ("Terracotta", "Charcoal", "White", "Sage"), (("60 cm", 1.0), ("80 cm", 1.25)), "Length",
         ("plants", "balcony", "outdoor"), "recycled plastic", (0, 20)),
)
KIND_BY_KEY = {k.key: k for k in KINDS}

SERIES = ("Oslo", "Bergen", "Malmö", "Lund", "Åre", "Visby", "Tromsø", "Aalborg", "Kolding", "Skagen", "Ystad", "Falun",
          "Odense", "Höga", "Ribe", "Mora", "Gävle", "Kiruna", "Varberg", "Dalby", "Hygge", "Sørlandet", "Fjäll",
          "Löv", "Strand", "Solvik", "Norrland", "Karlstad", "Vänern", "Ljung")

# Hand-named products: (kind, name, brand or "", extra tags). Diacritics and
# CJK names on purpose, so that search shows they work.
SPECIAL: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("chinese_vase", "青花瓷 Blue-and-white vase", "景德 Jingde", ("blue and white",)),
    ("chinese_vase", "梅瓶 Meiping plum vase", "景德 Jingde", ("blue and white",)),
    ("teapot", "龙井 Longjing teapot", "景德 Jingde", ("green tea",)),
    ("bowl", "竹 Bamboo-leaf rice bowl", "景德 Jingde", ("rice",)),
    ("steamer", "竹蒸笼 Bamboo steamer", "Hearth & Home", ("dim sum",)),
    ("paper_lantern", "福 Good-fortune paper lantern", "Hearth & Home", ("lunar new year",)),
    ("board", "Smörgås serving board", "Kökken", ("smörgåsbord",)),
    ("cushion", "Crème linen cushion cover", "Maison Crème", ()),
    ("throw", "Crème de la crème alpaca throw", "Maison Crème", ("alpaca",)),
    ("mug", "Café au lait mug", "Kökken", ()),
    ("garden_chair", "Café bistro chair", "Maison Crème", ("bistro",)),
    ("candle", "Fleur d'oranger candle", "Maison Crème", ()),
    ("kettle", "Kaffeestübchen kettle", "Kökken", ()),
    ("rug", "Jalapeño flatweave rug", "Linnea Textiles", ()),
    ("vase", "Øresund stoneware vase", "Maison Crème", ()),
    ("plate", "Çini dinner plate", "Porcelana", ()),
)

ADJ = {
    "sofa": ("deep-seated", "low-slung", "modular", "classic"),
    "default": ("timeless", "everyday", "hand-finished", "sturdy", "soft-edged", "understated"),
}


# ---------------------------------------------------------------- barcodes & ids


def ean13(body12: str) -> str:
    """``body12`` plus its EAN-13 check digit."""
    assert len(body12) == 12 and body12.isdigit()
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body12))
    return body12 + str((10 - total % 10) % 10)


def slugify(text: str) -> str:
    """ASCII URL slug (``Malmö sofa`` -> ``malmo-sofa``); CJK is dropped."""
    norm = unicodedata.normalize("NFKD", text.replace("ø", "o").replace("Ø", "O").replace("æ", "ae").replace("ß", "ss"))
    ascii_text = norm.encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def code(text: str, n: int) -> str:
    """Upper-case ASCII code of ``text`` for SKUs (``Malmö`` -> ``MALM``)."""
    s = re.sub(r"[^A-Z0-9]", "", slugify(text).upper())
    return (s or "X")[:n]


# ---------------------------------------------------------------- catalog


@dataclass
class Generated:
    """The catalog being built plus what the drawings need."""

    products: list[dict[str, Any]] = field(default_factory=list)
    kind_of: dict[str, Kind] = field(default_factory=dict)
    style_of: dict[str, int] = field(default_factory=dict)
    images: dict[str, tuple[str, str, int]] = field(default_factory=dict)  # file -> (kind, colour, style)


# Aisles by department, then by subcategory in order of first appearance:
# the store map is laid out by department so neighbours share an aisle range.
AISLE_START = {F: 1, DEC: 10, K: 16, T: 22, G: 30}


def price_str(euros: float) -> str:
    """A shelf price: whole euros ending in 9 or .95 / .99 for small items."""
    if euros >= 100:
        return f"{int(round(euros / 10.0) * 10 - 1)}.00"
    if euros >= 20:
        return f"{int(euros)}.95"
    return f"{int(euros)}.99"


def image_file(kind: Kind, colour: str, style: int) -> str:
    return f"{kind.key}-{style}-{slugify(colour)}.png"


def build_catalog(rng: random.Random) -> Generated:
    """All products, deterministic for a given ``rng`` seed."""
    gen = Generated()
    aisles: dict[tuple[str, str], str] = {}
    next_aisle = dict(AISLE_START)
    bay_counter: dict[str, int] = {}
    ean_seq = 0
    pid_seq = 1000
    used_names: set[str] = set()
    specials = {k: [s for s in SPECIAL if s[0] == k] for k in KIND_BY_KEY}

    for kind in KINDS:
        dept, sub = kind.category
        if (dept, sub) not in aisles:
            aisles[(dept, sub)] = str(next_aisle[dept])
            next_aisle[dept] += 1
        aisle = aisles[(dept, sub)]
        series_pool = list(SERIES)
        rng.shuffle(series_pool)
        for i in range(kind.count):
            pid_seq += 1
            pid = f"P-{pid_seq}"
            special = specials[kind.key][i] if i < len(specials[kind.key]) else None
            if special:
                name, brand, extra = special[1], special[2], special[3]
            else:
                series = series_pool[i % len(series_pool)]
                name = f"{series} {kind.noun}"
                if name in used_names:
                    name = f"{series} {rng.choice(('Classic', 'Studio', 'Nova', 'Loft'))} {kind.noun}"
                brand = kind.brands[i % len(kind.brands)]
                extra = ()
            used_names.add(name)
            style = i % 3
            # Colours: 1-4 per product from the kind's palette.
            n_col = min(len(kind.colours), rng.choice((1, 2, 3, 3, 4)))
            colours = rng.sample(kind.colours, n_col)
            if kind.key == "chinese_vase":
                colours = ["White"]
            sizes = list(kind.sizes)
            if sizes and rng.random() < 0.25:
                sizes = [sizes[-1]]  # some products come in one size only
            base = rng.uniform(*kind.price)
            on_sale = rng.random() < 0.16
            online_only = rng.random() < 0.07
            has_platform = rng.random() < 0.93
            bay_counter[aisle] = bay_counter.get(aisle, 0) + 1
            bay = "ABCDEFGH"[(bay_counter[aisle] - 1) % 8]
            variants = []
            sku_base = f"{code(brand, 2)}-{code(name, 6)}-{pid_seq}"
            for ci, colour in enumerate(colours):
                for si, size in enumerate(sizes or [None]):
                    vi = len(variants) + 1
                    options: dict[str, str] = {}
                    title_parts: list[str] = []
                    if len(kind.colours) > 1:
                        options["Colour"] = colour
                        title_parts.append(colour)
                    if size is not None:
                        options[kind.size_axis] = size[0]
                        title_parts.append(size[0])
                    factor = size[1] if size is not None else 1.0
                    price = price_str(base * factor)
                    compare = None
                    if on_sale:
                        compare = price_str(float(price) * rng.uniform(1.2, 1.45))
                        if float(compare) <= float(price):
                            compare = None
                    ean_seq += 1
                    barcodes = [ean13(f"20{rng.randrange(10)}{ean_seq:09d}")]
                    if rng.random() < 0.05:  # a few carry a second (older) code
                        ean_seq += 1
                        barcodes.append(ean13(f"29{rng.randrange(10)}{ean_seq:09d}"))
                    if online_only:
                        stock, online, v_aisle, v_bay = 0, True, "", ""
                    else:
                        r = rng.random()
                        stock = 0 if r < 0.12 else rng.randint(max(1, kind.stock[0]), max(1, kind.stock[1]))
                        online = rng.random() < 0.85
                        v_aisle, v_bay = aisle, bay
                    sku = sku_base + f"-{code(colour, 3)}" + (f"-{code(size[0], 8)}" if size else "")
                    img = image_file(kind, colour, style)
                    gen.images[img] = (kind.key, colour, style)
                    variants.append({
                        "id": f"V-{pid_seq}-{vi}",
                        "sku": sku,
                        "title": " / ".join(title_parts),
                        "options": options,
                        "price": price,
                        "compare_at_price": compare,
                        "currency": CURRENCY,
                        "barcodes": barcodes,
                        "stock": stock,
                        "online_available": online,
                        "aisle": v_aisle,
                        "bay": v_bay,
                        "platform_variant_id": str(40_000_000_000_000 + pid_seq * 1000 + vi) if has_platform else "",
                        "image": f"asset:demo/images/{img}",
                    })
            images = []
            for colour in colours:
                ref = f"asset:demo/images/{image_file(kind, colour, style)}"
                if ref not in images:
                    images.append(ref)
            tags = sorted(set(kind.tags) | set(extra) | ({"sale"} if on_sale else set())
                          | ({"online only"} if online_only else set()))
            slug = slugify(name) or f"product-{pid_seq}"
            adj = rng.choice(ADJ.get(kind.key, ADJ["default"]))
            desc = describe(kind, name, brand, adj, colours, sizes, rng)
            gen.products.append({
                "id": pid,
                "name": name,
                "brand": brand,
                "description": desc,
                "category": [dept, sub],
                "tags": tags,
                "images": images,
                "online_url": f"{SHOP_URL}{slug}-{pid_seq}",
                "platform_product_id": str(7_000_000_000_000 + pid_seq) if has_platform else "",
                "featured": False,
                "updated_at": UPDATED_AT,
                "variants": variants,
            })
            gen.kind_of[pid] = kind
            gen.style_of[pid] = style

    # Featured: a spread across departments, in stock, the customer's first impression.
    by_dept: dict[str, list[dict[str, Any]]] = {}
    for p in gen.products:
        if any(v["stock"] > 0 for v in p["variants"]):
            by_dept.setdefault(p["category"][0], []).append(p)
    for dept in sorted(by_dept):
        for p in rng.sample(by_dept[dept], 4):
            p["featured"] = True
    return gen


def describe(kind: Kind, name: str, brand: str, adj: str, colours: list[str], sizes: list[tuple[str, float]],
             rng: random.Random) -> str:
    """A short, shop-like product description."""
    first = {
        F: f"A {adj} {kind.noun} in {kind.material}, built to be used every day and to last for years.",
        DEC: f"A {adj} {kind.noun} in {kind.material} that brings warmth to any shelf, table or wall.",
        K: f"A {adj} {kind.noun} in {kind.material}, made for the way you really cook and eat.",
        T: f"A {adj} {kind.noun} in {kind.material}: soft from the first use and softer with every wash.",
        G: f"A {adj} {kind.noun} in {kind.material}, weather-resistant and made for long summer evenings.",
    }[kind.category[0]]
    extras = [
        f"Designed by {brand}'s in-house studio.",
        "Pairs well with the rest of the collection.",
        "Easy to care for; see the label for details.",
        "Responsibly sourced materials.",
        "Ships flat-packed; assembly takes about 20 minutes." if kind.category[0] == F else
        "Gift-ready packaging.",
    ]
    text = f"{name}. {first} " + " ".join(rng.sample(extras, 2))
    if len(colours) > 1:
        text += f" Available in {', '.join(colours[:-1])} and {colours[-1]}."
    if len(sizes) > 1:
        text += f" Sizes: {', '.join(s[0] for s in sizes)}."
    return text


# ---------------------------------------------------------------- product images


def product_image(kind: Kind, colour: str, style: int) -> Image.Image:
    """The 320 px catalog image: the object on a soft studio background."""
    s = IMG * SS
    img = Image.new("RGB", (s, s), BG)
    d = ImageDraw.Draw(img)
    # A soft lighter disc behind the object, like a studio spot.
    d.ellipse((s * 0.1, s * 0.08, s * 0.9, s * 0.88), fill=shade(BG, 1.35))
    margin = 0.16 * s
    avail = s - 2 * margin
    if kind.aspect >= 1:
        w, h = avail, avail / kind.aspect
    else:
        w, h = avail * kind.aspect, avail
    x0 = (s - w) / 2
    y0 = (s - h) / 2 + 0.03 * s
    if not (kind.flat or kind.hangs):
        shadow = Image.new("L", (s, s), 0)
        sd = ImageDraw.Draw(shadow)
        sd.ellipse((x0 - 0.04 * w, y0 + h - 0.05 * s, x0 + 1.04 * w, y0 + h + 0.04 * s), fill=90)
        shadow = shadow.filter(ImageFilter.GaussianBlur(8 * SS))
        img.paste(shade(BG, 0.72), (0, 0), shadow)
    layer = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    DRAWERS[kind.drawer](Pen(ImageDraw.Draw(layer), (x0, y0, x0 + w, y0 + h)), COLOURS[colour], style)
    img.paste(layer, (0, 0), layer)
    return img.resize((IMG, IMG), Image.Resampling.LANCZOS)


def save_png(img: Image.Image, path: Path, colours: int = 128) -> None:
    """Save as a palette PNG: flat illustrations need few colours and stay tiny."""
    q = img.convert("RGB").quantize(colors=colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    q.save(path, optimize=True)


# ---------------------------------------------------------------- scenes


@dataclass(frozen=True)
class Place:
    """Where one product of a scene goes: kind, centre x and bottom y (fractions)."""

    kind: str
    x: float
    bottom: float
    scale: float = 1.0  # extra scale (depth: things further back are smaller)
    note: str = ""
    on: int | None = None  # index of the place whose top surface this stands on


@dataclass(frozen=True)
class SceneSpec:
    id: str
    title: str
    subtitle: str
    backdrop: str
    places: tuple[Place, ...]
    tags: tuple[str, ...]
    store_id: str | None = None
    active_from: str | None = None
    active_to: str | None = None


# Where a thing standing on a table sits: fraction of the table drawing's height.
SURFACE = {"coffee_table": 0.1, "dining_table": 0.09, "desk": 0.06, "garden_table": 0.07, "sideboard": 0.01,
           "nightstand": 0.01, "side_table": 0.05}

FLOOR = 0.74  # where the back wall meets the floor in indoor scenes
PX_PER_CM = 3.4  # at the back wall, for a 1600 px wide hero

SCENES: tuple[SceneSpec, ...] = (
    SceneSpec("cozy-living-room", "Cozy living room", "Soft textures and warm light for long evenings in",
              "living", (
                  Place("curtain", 0.08, 0.66, 1.0),
                  Place("frame", 0.5, 0.27, 1.0),
                  Place("floor_lamp", 0.17, 0.79, 1.0, "Reading light by the sofa"),
                  Place("sofa", 0.5, 0.8, 1.1, "The heart of the room"),
                  Place("cushion", 0.39, 0.66, 0.55),
                  Place("throw", 0.7, 0.74, 0.42, "Draped over the arm"),
                  Place("plant_pot", 0.88, 0.84, 1.5),
                  Place("rug", 0.5, 1.02, 1.05),
                  Place("coffee_table", 0.5, 0.98, 1.35),
                  Place("candle", 0.4, 0, 2.0, on=8),
                  Place("vase", 0.6, 0, 1.2, on=8),
              ), ("living room", "cozy")),
    SceneSpec("summer-barbecue", "Summer barbecue", "Fire up the grill: everything for an evening outdoors",
              "garden", (
                  Place("parasol", 0.62, 0.9, 1.0),
                  Place("string_lights", 0.2, 0.2, 1.5),
                  Place("bbq", 0.18, 0.86, 1.15, "Ready in 15 minutes"),
                  Place("garden_table", 0.62, 0.93, 1.15),
                  Place("garden_chair", 0.4, 0.96, 1.15),
                  Place("garden_chair", 0.86, 0.96, 1.15),
                  Place("plate", 0.55, 0, 1.1, on=3),
                  Place("tumbler", 0.7, 0, 2.0, on=3),
                  Place("lantern", 0.07, 0.98, 1.6),
              ), ("outdoor", "summer", "barbecue")),
    SceneSpec("scandinavian-dining", "Scandinavian dining", "Light wood, clean lines and room for everyone",
              "dining", (
                  Place("pendant_lamp", 0.5, 0.28, 1.0),
                  Place("sideboard", 0.2, 0.74, 0.9),
                  Place("vase", 0.12, 0, 1.4, on=1),
                  Place("frame", 0.82, 0.42, 1.2),
                  Place("dining_chair", 0.3, 0.93, 1.15),
                  Place("dining_table", 0.52, 0.96, 1.25, "Seats six comfortably"),
                  Place("dining_chair", 0.76, 0.93, 1.15),
                  Place("plate", 0.4, 0, 1.15, on=5),
                  Place("wine_glass", 0.53, 0, 1.8, on=5),
                  Place("bowl", 0.65, 0, 2.2, on=5),
              ), ("dining", "scandinavian")),
    SceneSpec("home-office", "Home office", "A calm corner that makes Mondays easier",
              "office", (
                  Place("bookshelf", 0.14, 0.78, 1.0),
                  Place("clock", 0.52, 0.22, 1.0),
                  Place("desk", 0.55, 0.9, 1.15, "Cable tray underneath"),
                  Place("office_chair", 0.45, 0.98, 1.15),
                  Place("table_lamp", 0.72, 0, 1.6, on=2),
                  Place("mug", 0.6, 0, 2.4, on=2),
                  Place("plant_pot", 0.88, 0.86, 1.4),
              ), ("home office",)),
    SceneSpec("bedroom-retreat", "Bedroom retreat", "Layered linen and a soft glow for slow mornings",
              "bedroom", (
                  Place("mirror", 0.09, 0.76, 1.25),
                  Place("frame", 0.5, 0.28, 1.1),
                  Place("nightstand", 0.24, 0.8, 1.1),
                  Place("table_lamp", 0.24, 0, 1.3, on=2),
                  Place("bed", 0.54, 0.86, 1.2, "Headboard in soft fabric"),
                  Place("throw", 0.69, 0.77, 0.45),
                  Place("cushion", 0.46, 0.6, 0.6),
                  Place("rug", 0.52, 1.02, 1.1),
              ), ("bedroom",)),
    SceneSpec("balcony-garden", "Balcony garden", "Grow your own green corner, however small",
              "balcony", (
                  Place("string_lights", 0.5, 0.2, 1.6),
                  Place("planter", 0.24, 0.72, 1.2, "Hooks over the railing"),
                  Place("planter", 0.72, 0.72, 1.2),
                  Place("garden_chair", 0.36, 0.96, 1.2),
                  Place("plant_pot", 0.12, 0.98, 1.6),
                  Place("watering_can", 0.6, 0.98, 1.6),
                  Place("lantern", 0.85, 0.98, 1.6),
              ), ("balcony", "plants")),
    SceneSpec("sunday-breakfast", "Slow Sunday breakfast", "Fresh coffee, warm bread and nowhere to be",
              "kitchen", (
                  Place("pendant_lamp", 0.35, 0.25, 0.8),
                  Place("clock", 0.8, 0.24, 0.9),
                  Place("kettle", 0.15, 0.585, 2.4, "Boils a litre in three minutes"),
                  Place("board", 0.29, 0.585, 1.6),
                  Place("teapot", 0.43, 0.585, 2.6),
                  Place("mug", 0.55, 0.585, 3.0),
                  Place("bowl", 0.66, 0.585, 2.6),
                  Place("frying_pan", 0.83, 0.585, 4.5),
                  Place("stool", 0.3, 0.98, 1.1),
                  Place("stool", 0.62, 0.98, 1.1),
              ), ("breakfast", "kitchen"), store_id=DEMO_STORE_ID),
    SceneSpec("tea-ceremony", "茶 Tea time, East and West", "Blue-and-white porcelain meets Nordic oak",
              "dining", (
                  Place("paper_lantern", 0.2, 0.3, 1.3),
                  Place("paper_lantern", 0.8, 0.3, 1.3),
                  Place("chinese_vase", 0.16, 0.78, 2.6),
                  Place("dining_table", 0.55, 0.96, 1.25),
                  Place("teapot", 0.45, 0, 2.6, "Brews three cups", on=3),
                  Place("bowl", 0.6, 0, 2.2, on=3),
                  Place("steamer", 0.73, 0, 2.2, on=3),
              ), ("tea", "chinoiserie")),
    # Exercise the date filter: last summer's campaign has ended.
    SceneSpec("summer-terrace-2025", "Summer terrace 2025", "Last summer's terrace picks",
              "garden", (
                  Place("parasol", 0.4, 0.9, 1.0),
                  Place("garden_bench", 0.55, 0.95, 1.2),
                  Place("lantern", 0.82, 0.97, 1.4),
              ), ("outdoor",), active_from="2025-05-01T00:00:00Z", active_to="2025-08-31T23:59:59Z"),
    # Exercise store scoping: a scene only the (fictional) harbour store shows.
    SceneSpec("harbour-loft", "Harbour loft", "Shown at the harbour store only",
              "living", (
                  Place("sofa", 0.5, 0.8, 1.0),
                  Place("floor_lamp", 0.2, 0.78, 1.0),
                  Place("coffee_table", 0.5, 0.98, 1.3),
              ), ("living room",), store_id="harbour-store"),
)


def _gradient(size: tuple[int, int], top: RGB, bottom: RGB) -> Image.Image:
    w, h = size
    col = Image.new("RGB", (1, h))
    for y in range(h):
        t = y / max(1, h - 1)
        col.putpixel((0, y), tuple(int(top[i] + (bottom[i] - top[i]) * t) for i in range(3)))
    return col.resize((w, h))


def backdrop(kind: str, size: tuple[int, int]) -> Image.Image:
    """The room (or garden) behind a scene's products."""
    w, h = size
    walls = {"living": (200, 212, 208), "dining": (236, 232, 224), "office": (206, 218, 212),
             "bedroom": (222, 206, 204), "kitchen": (236, 230, 214)}
    if kind in walls:
        wall = walls[kind]
        img = _gradient(size, shade(wall, 1.08), shade(wall, 0.94))
        d = ImageDraw.Draw(img)
        fy = int(h * FLOOR)
        floor = (176, 138, 98) if kind != "kitchen" else (200, 190, 176)
        d.rectangle((0, fy, w, h), fill=floor)
        if kind == "kitchen":
            # counter with tiles behind it
            d.rectangle((0, int(h * 0.32), w, int(h * 0.6)), fill=(246, 244, 238))
            for x in range(0, w, w // 24):
                d.line((x, int(h * 0.32), x, int(h * 0.6)), fill=(226, 222, 214), width=3)
            for y in range(int(h * 0.32), int(h * 0.6), h // 24):
                d.line((0, y, w, y), fill=(226, 222, 214), width=3)
            d.rectangle((0, int(h * 0.585), w, int(h * 0.63)), fill=(210, 190, 160))
            d.rectangle((0, int(h * 0.63), w, fy), fill=(110, 128, 120))
            for x in range(0, w, w // 6):
                d.rectangle((x + 8, int(h * 0.65), x + w // 6 - 8, fy - 10), outline=(96, 112, 104), width=5)
        else:
            for x in range(0, w, w // 9):
                d.line((x, fy, x - (x - w / 2) * 0.6, h), fill=shade(floor, 0.9), width=4)
            d.rectangle((0, fy - int(h * 0.02), w, fy), fill=shade(wall, 1.2))
        if kind in ("living", "bedroom", "office"):
            # window with daylight
            wx0, wx1 = (int(w * 0.7), int(w * 0.95)) if kind != "living" else (int(w * 0.05), int(w * 0.3))
            if kind == "living":
                wx0, wx1 = int(w * 0.74), int(w * 0.98)
            d.rectangle((wx0, int(h * 0.08), wx1, int(h * 0.6)), fill=(250, 250, 246))
            d.rectangle((wx0 + 14, int(h * 0.08) + 14, wx1 - 14, int(h * 0.6) - 14), fill=(196, 222, 238))
            mid = (wx0 + wx1) // 2
            d.line((mid, int(h * 0.08), mid, int(h * 0.6)), fill=(250, 250, 246), width=12)
            d.line((wx0, int(h * 0.34), wx1, int(h * 0.34)), fill=(250, 250, 246), width=12)
        return img
    # outdoor
    img = _gradient(size, (150, 196, 230), (236, 226, 200))
    d = ImageDraw.Draw(img)
    if kind == "garden":
        d.ellipse((int(w * 0.78), int(h * 0.06), int(w * 0.86), int(h * 0.2)), fill=(255, 226, 150))
        for i, x in enumerate(range(-100, w + 100, 180)):
            d.ellipse((x, int(h * 0.36), x + 300, int(h * 0.78)), fill=(96, 146, 92) if i % 2 else (82, 130, 80))
        d.rectangle((0, int(h * 0.62), w, int(h * 0.7)), fill=(170, 130, 90))
        for x in range(0, w, 40):
            d.rectangle((x, int(h * 0.56), x + 28, int(h * 0.7)), fill=(186, 146, 104))
        d.rectangle((0, int(h * 0.7), w, h), fill=(122, 170, 96))
        d.rectangle((0, int(h * 0.8), w, h), fill=(196, 168, 132))
        for x in range(0, w, 80):
            d.line((x, int(h * 0.8), x, h), fill=(176, 148, 112), width=4)
    else:  # balcony: city and railing
        rng = random.Random(3)
        for x in range(0, w, 120):
            bh = rng.randint(int(h * 0.15), int(h * 0.45))
            d.rectangle((x, int(h * 0.7) - bh, x + 110, int(h * 0.7)), fill=(168, 180, 196))
            for wy in range(int(h * 0.7) - bh + 20, int(h * 0.7) - 20, 40):
                for wx in range(x + 15, x + 100, 30):
                    d.rectangle((wx, wy, wx + 14, wy + 20), fill=(206, 214, 226))
        d.rectangle((0, int(h * 0.7), w, h), fill=(186, 176, 164))
        for x in range(0, w, 70):
            d.line((x, int(h * 0.7), x - (x - w / 2) * 0.4, h), fill=(170, 160, 150), width=3)
        d.rectangle((0, int(h * 0.42), w, int(h * 0.45)), fill=(60, 62, 66))
        for x in range(0, w, 50):
            d.rectangle((x, int(h * 0.42), x + 8, int(h * 0.72)), fill=(60, 62, 66))
    return img


def sprite_size(kind: Kind, place: Place, hero_w: int) -> tuple[int, int]:
    """Pixel size of a product in a hero image: real height times scale."""
    scale = PX_PER_CM * hero_w / HERO[0] * place.scale
    h_cm = kind.height_cm
    if kind.flat:  # rugs lie on the floor: drawn as a flat band
        w = int(hero_w * 0.62 * place.scale)
        return w, max(8, int(w * 0.16))
    if kind.scene_cm:  # seen at an angle on a table: wider than tall
        return max(12, int(kind.scene_cm[0] * scale)), max(8, int(kind.scene_cm[1] * scale))
    h = max(12, int(h_cm * scale))
    return max(12, int(h * kind.aspect)), h


def hero_image(spec: SceneSpec, picks: list[tuple[Place, dict[str, Any], Kind, int]], size: tuple[int, int]
               ) -> tuple[Image.Image, list[tuple[float, float]]]:
    """Draw a scene; return the image and each pick's hotspot (fractions)."""
    w, h = size
    img = backdrop(spec.backdrop, (w, h)).convert("RGBA")
    room = img.convert("RGB")
    boxes: list[tuple[int, int, int, int]] = []  # x0, y0, w, h of each drawn product
    sprites: list[Image.Image] = []
    # Which product shows at each pixel (index + 1) once everything is drawn:
    # a hotspot must sit where its product is visible, not under the table
    # drawn over the rug.
    owner = Image.new("L", (w, h), 0)
    for index, (place, product, kind, style) in enumerate(picks):
        colour = COLOURS[first_colour(product)]
        sw, sh = sprite_size(kind, place, w)
        sprite = render_sprite(kind.drawer, colour, style, (sw, sh))
        if kind.flat:
            # A rug seen in perspective: squash a top view into a trapezoid-ish band.
            top = render_sprite(kind.drawer, colour, style, (sw, int(sw / kind.aspect)))
            sprite = top.resize((sw, sh), Image.Resampling.LANCZOS)
        x0 = int(place.x * w - sw / 2)
        if place.on is not None:
            bx0, by0, bw, bh = boxes[place.on]
            bottom_px = by0 + SURFACE[picks[place.on][2].key] * bh
            y0 = int(bottom_px - sh)
        else:
            y0 = int(place.bottom * h - sh)
        boxes.append((x0, y0, sw, sh))
        if not (kind.flat or kind.hangs) and place.on is None and place.bottom > FLOOR:
            sh_layer = Image.new("RGBA", (w, h), (0, 0, 0, 0))
            ImageDraw.Draw(sh_layer).ellipse((x0 - sw * 0.03, y0 + sh - sh * 0.05 - 6, x0 + sw * 1.03,
                                              y0 + sh + sh * 0.04 + 6), fill=(40, 30, 20, 70))
            img.alpha_composite(sh_layer.filter(ImageFilter.GaussianBlur(10)))
        img.alpha_composite(sprite, (x0, y0))
        owner.paste(index + 1, (x0, y0), sprite.getchannel("A").point(lambda a: 255 if a > 200 else 0))
        sprites.append(sprite)
    hero = img.convert("RGB")
    return hero, place_hotspots(sprites, boxes, owner, hero, room)


def place_hotspots(sprites: list[Image.Image], boxes: list[tuple[int, int, int, int]], owner: Image.Image,
                   hero: Image.Image, room: Image.Image) -> list[tuple[float, float]]:
    """One hotspot per drawn product, on a visible pixel of it, apart from the others.

    Visible means the product owns the pixel in the finished picture and it
    stands out from the empty room (a wooden table on a wooden floor does not).

    Topmost products choose first; each takes its visible pixel nearest its
    centre that keeps a finger's width from the hotspots already placed
    (or, if none does, the visible pixel farthest from them).
    """
    w, h = hero.size
    gap = 0.05 * w

    def stands_out(x: int, y: int) -> bool:
        return sum(abs(a - b) for a, b in zip(hero.getpixel((x, y)), room.getpixel((x, y)))) > 60

    chosen: dict[int, tuple[int, int]] = {}
    for index in reversed(range(len(sprites))):
        x0, y0, sw, sh = boxes[index]
        cx, cy = x0 + sw // 2, y0 + int(sh * 0.55)
        step = max(4, min(sw, sh) // 24)
        visible = [(x, y) for x in range(max(0, x0), min(w, x0 + sw), step)
                   for y in range(max(0, y0), min(h, y0 + sh), step) if owner.getpixel((x, y)) == index + 1 and stands_out(x, y)]
        if not visible:
            fx, fy = hotspot_on(sprites[index], x0, y0, w, h)
            chosen[index] = (int(fx * w), int(fy * h))
            continue

        def clearance(p: tuple[int, int]) -> float:
            return min((math.dist(p, q) for q in chosen.values()), default=math.inf)

        visible.sort(key=lambda p: math.dist(p, (cx, cy)))
        best = next((p for p in visible if clearance(p) >= gap), None)
        chosen[index] = best or max(visible, key=clearance)
    return [(round(min(max(x / w, 0.0), 1.0), 4), round(min(max(y / h, 0.0), 1.0), 4))
            for x, y in (chosen[i] for i in range(len(sprites)))]


def hotspot_on(sprite: Image.Image, x0: int, y0: int, w: int, h: int) -> tuple[float, float]:
    """A point on the drawn product (an opaque pixel near its centre), as fractions."""
    alpha = sprite.getchannel("A")
    sw, sh = sprite.size
    cx, cy = sw // 2, int(sh * 0.55)
    best = None
    # Spiral outwards from the centre until a solid pixel is found: some
    # drawings (chairs, lamps) are open in the middle.
    for r in range(0, max(sw, sh)):
        for dx in range(-r, r + 1):
            for dy in (-r, r) if abs(dx) != r else range(-r, r + 1):
                x, y = cx + dx, cy + dy
                if 0 <= x < sw and 0 <= y < sh and alpha.getpixel((x, y)) > 200:
                    best = (x, y)
                    break
            if best:
                break
        if best:
            break
    bx, by = best or (cx, cy)
    fx = min(max((x0 + bx) / w, 0.0), 1.0)
    fy = min(max((y0 + by) / h, 0.0), 1.0)
    return round(fx, 4), round(fy, 4)


def presence(kind: Kind) -> float:
    """How much room a kind takes in a scene (real height x width; rugs count less)."""
    area = kind.height_cm * kind.height_cm * kind.aspect
    return 150.0 * 150.0 if kind.flat else area


def first_colour(product: dict[str, Any]) -> str:
    colour = product["variants"][0]["options"].get("Colour")
    if colour:
        return colour
    # Single-colour kinds: the image file name carries the colour.
    stem = product["images"][0].rsplit("/", 1)[-1][:-4]
    for name in COLOURS:
        if stem.endswith("-" + slugify(name)):
            return name
    return "White"


def pick_products(spec: SceneSpec, gen: Generated, rng: random.Random
                  ) -> list[tuple[Place, dict[str, Any], Kind, int]]:
    """Choose one product per place: in stock here, different ones for repeated kinds."""
    picks = []
    used: set[str] = set()
    for place in spec.places:
        kind = KIND_BY_KEY[place.kind]
        candidates = [p for p in gen.products if gen.kind_of[p["id"]].key == kind.key and p["id"] not in used]
        in_store = [p for p in candidates if any(v["stock"] > 0 for v in p["variants"])]
        pool = in_store or candidates
        # Prefer products tagged for the scene's mood so the look holds together.
        tagged = [p for p in pool if set(p["tags"]) & set(spec.tags)]
        product = rng.choice(sorted(tagged or pool, key=lambda p: p["id"]))
        # Repeated kinds (two garden chairs) show the same product twice, as in a real room.
        same = [pk for pk in picks if pk[2].key == kind.key]
        if same and kind.key in ("garden_chair", "dining_chair", "stool", "paper_lantern"):
            product = same[0][1]
        used.add(product["id"])
        picks.append((place, product, kind, gen.style_of[product["id"]]))
    return picks


# ---------------------------------------------------------------- main


def generate(out: Path, seed: int = SEED) -> dict[str, Any]:
    """Write the demo catalog, images and scenes under ``out``; return the catalog."""
    rng = random.Random(seed)
    gen = build_catalog(rng)
    img_dir, scene_dir = out / "images", out / "scenes"
    for d in (img_dir, scene_dir):
        if d.exists():
            shutil.rmtree(d)
        d.mkdir(parents=True)
    for fname, (kind_key, colour, style) in sorted(gen.images.items()):
        save_png(product_image(KIND_BY_KEY[kind_key], colour, style), img_dir / fname)

    scenes = []
    for pos, spec in enumerate(SCENES):
        picks = pick_products(spec, gen, rng)
        hero, hotspots = hero_image(spec, picks, (HERO[0] * 2, HERO[1] * 2))
        hero = hero.resize(HERO, Image.Resampling.LANCZOS)
        hero.save(scene_dir / f"{spec.id}.jpg", quality=84, optimize=True, progressive=True)
        items = []
        seen: set[str] = set()
        # The scene's product list reads best from the anchor piece (the one
        # with a note) down to the small accessories; drawing order is back
        # to front, which is not the order a customer wants.
        placed = sorted(zip(picks, hotspots), key=lambda ph: (not ph[0][0].note, -presence(ph[0][2])))
        for (place, product, _kind, _style), (x, y) in placed:
            if product["id"] in seen:  # the second chair of a pair needs no second hotspot
                continue
            seen.add(product["id"])
            items.append({"product_id": product["id"], "x": x, "y": y, "note": place.note})
        scenes.append({
            "id": spec.id,
            "title": spec.title,
            "subtitle": spec.subtitle,
            "hero_image": f"asset:demo/scenes/{spec.id}.jpg",
            "store_id": spec.store_id,
            "active_from": spec.active_from,
            "active_to": spec.active_to,
            "position": pos,
            "items": items,
        })
    catalog = {"format": "kiosk-catalog", "version": 1, "products": gen.products, "scenes": scenes}
    (out / "catalog.json").write_text(json.dumps(catalog, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return catalog


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory (default assets/demo)")
    parser.add_argument("--seed", type=int, default=SEED, help="random seed (default %(default)s)")
    args = parser.parse_args(argv)
    catalog = generate(args.out, args.seed)
    n_var = sum(len(p["variants"]) for p in catalog["products"])
    size = sum(f.stat().st_size for f in args.out.rglob("*") if f.is_file())
    print(f"{len(catalog['products'])} products, {n_var} variants, {len(catalog['scenes'])} scenes, "
          f"{size / 1e6:.1f} MB in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
