"""Choices about the GPU that must be made before the window exists.

Kept out of Kivy (kiosk/ never imports it) so the rule can be tested on its
own: ``main.py`` applies the result to Kivy's config.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Anti-aliasing samples with a GPU: smooth rounded corners at no visible cost.
GPU_MULTISAMPLES = 2
#: ``[display] multisamples`` value meaning "decide from the hardware".
AUTO = -1


def has_gpu(dri_dir: Path = Path("/dev/dri"), environ: dict[str, str] | None = None) -> bool:
    """Whether OpenGL will run on a GPU rather than in software (Mesa llvmpipe).

    Mesa renders in hardware only through a DRM render node
    (``/dev/dri/renderD*``); without one, or with ``LIBGL_ALWAYS_SOFTWARE``
    set, every pixel is computed by the CPU.

    Args:
        dri_dir: Where the DRM device nodes are.
        environ: The environment (default: this process's).
    """
    env = os.environ if environ is None else environ
    if env.get("LIBGL_ALWAYS_SOFTWARE", "") not in ("", "0", "false"):
        return False
    try:
        return any(p.name.startswith("renderD") for p in dri_dir.iterdir())
    except OSError:
        return False


def choose_multisamples(configured: int, *, gpu: bool) -> int:
    """The anti-aliasing samples to ask for.

    On software OpenGL multisampling makes every frame 2-6 times dearer
    (docs/benchmarks-ui-screens.md: an empty 1920x1080 frame costs 36-43 ms
    with 2 samples, 5.7 ms without), which a customer feels on every key
    press; on a GPU it is free. So "auto" means 2 samples on a GPU, none in
    software.

    Args:
        configured: ``[display] multisamples``: ``AUTO`` (-1), or 0, 2, 4, 8.
        gpu: Whether a GPU renders (see :func:`has_gpu`).
    """
    if configured == AUTO:
        return GPU_MULTISAMPLES if gpu else 0
    return configured
