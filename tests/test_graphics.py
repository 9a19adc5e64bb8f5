"""Anti-aliasing is chosen from the hardware: free on a GPU, off where the CPU draws every pixel."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import ConfigError, load_config
from kiosk.graphics import AUTO, GPU_MULTISAMPLES, choose_multisamples, has_gpu


def test_a_render_node_means_a_gpu_unless_software_is_forced(tmp_path: Path) -> None:
    dri = tmp_path / "dri"
    assert not has_gpu(dri, {})  # no /dev/dri at all (a VM, a container)
    dri.mkdir()
    (dri / "card0").touch()
    assert not has_gpu(dri, {})  # a display controller without a render node
    (dri / "renderD128").touch()
    assert has_gpu(dri, {})
    assert not has_gpu(dri, {"LIBGL_ALWAYS_SOFTWARE": "1"})
    assert has_gpu(dri, {"LIBGL_ALWAYS_SOFTWARE": "0"})


def test_auto_picks_smooth_edges_on_a_gpu_and_speed_in_software() -> None:
    assert choose_multisamples(AUTO, gpu=True) == GPU_MULTISAMPLES
    assert choose_multisamples(AUTO, gpu=False) == 0
    assert choose_multisamples(4, gpu=False) == 4  # the store asked for it


def test_the_setting_is_checked(tmp_path: Path) -> None:
    cfg = tmp_path / "kiosk.toml"
    assert load_config().display.multisamples == AUTO
    cfg.write_text("[display]\nmultisamples = 0\n")
    assert load_config(cfg).display.multisamples == 0
    cfg.write_text("[display]\nmultisamples = 3\n")
    with pytest.raises(ConfigError, match="multisamples"):
        load_config(cfg)
