"""Picture decoder processes (kiosk.picture_decoder): real processes, real files."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from kiosk.picture_decoder import DecodeError, DecoderPool, decode_picture


class Answers:
    """Collects ``done`` calls (they come on pool threads)."""

    def __init__(self) -> None:
        self.got: dict[str, tuple[Any, BaseException | None]] = {}
        self._cond = threading.Condition()

    def done_for(self, name: str) -> Any:
        def done(picture: Any, error: BaseException | None) -> None:
            with self._cond:
                assert name not in self.got, f"{name} answered twice"
                self.got[name] = (picture, error)
                self._cond.notify_all()
        return done

    def wait(self, *names: str, timeout: float = 30.0) -> None:
        with self._cond:
            ok = self._cond.wait_for(lambda: all(n in self.got for n in names), timeout)
        assert ok, f"no answer for {[n for n in names if n not in self.got]} within {timeout} s"


@pytest.fixture
def pictures(tmp_path: Path) -> dict[str, str]:
    """Files referenced by absolute path through an image cache dir (``resolve`` of an URL)."""
    from kiosk.image_cache import ImageCache

    cache = ImageCache(tmp_path / "cache", scan=False)
    refs = {}
    square = Image.new("RGB", (800, 800), (200, 40, 40))
    square.paste((20, 60, 200), (0, 0, 400, 800))  # left half blue: orientation shows
    for name, image, fmt in (("square", square, "JPEG"), ("wide", Image.new("RGB", (900, 300), (10, 150, 10)), "JPEG"),
                             ("small", Image.new("RGBA", (60, 40), (0, 0, 255, 128)), "PNG")):
        url = f"https://cdn.example/{name}.img"
        image.save(cache.path_for(url), format=fmt)
        refs[name] = url
    url = "https://cdn.example/broken.img"
    cache.path_for(url).write_bytes(b"\xff\xd8\xff\xe0 not a jpeg at all" * 10)
    refs["broken"] = url
    refs["absent"] = "https://cdn.example/never-downloaded.jpg"
    refs["cache"] = str(tmp_path / "cache")
    return refs


@pytest.fixture
def pool() -> Any:
    made = DecoderPool(processes=2)
    yield made
    made.close()


def test_a_picture_is_decoded_to_fit_its_box_bottom_row_first(pictures: dict[str, str]) -> None:
    path, w, h, pixels, fmt = decode_picture(pictures["square"], pictures["cache"], (298, 243))
    assert (w, h, fmt) == (243, 243, "rgb")  # fits the box, aspect kept
    assert len(pixels) == w * h * 3
    _p, ww, wh, _px, _f = decode_picture(pictures["wide"], pictures["cache"], (298, 243))
    assert (ww, wh) == (298, 99)
    # Not scaled up: a small file stays small (the widget decides how to show it).
    _p, sw, sh, _px, sfmt = decode_picture(pictures["small"], pictures["cache"], (298, 243))
    assert (sw, sh, sfmt) == (60, 40, "rgba")
    assert decode_picture(pictures["absent"], pictures["cache"], (100, 100)) is None


def test_the_processes_answer_what_the_app_would_decode_itself(pictures: dict[str, str], pool: DecoderPool) -> None:
    answers = Answers()
    for name in ("square", "wide", "small", "absent"):
        pool.submit(pictures[name], pictures["cache"], (298, 243), answers.done_for(name))
    answers.wait("square", "wide", "small", "absent")
    for name in ("square", "wide", "small"):
        picture, error = answers.got[name]
        assert error is None
        assert tuple(picture) == decode_picture(pictures[name], pictures["cache"], (298, 243))
    assert answers.got["absent"] == (None, None)  # not available offline: the placeholder stays
    assert len(pool.pids) == 2 and os.getpid() not in pool.pids


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="nice levels as Linux has them")
def test_decoders_run_at_the_lowest_cpu_priority(pictures: dict[str, str], pool: DecoderPool) -> None:
    """They take the cores the frames leave, and share no GIL with the UI."""
    answers = Answers()
    pool.submit(pictures["square"], pictures["cache"], (100, 100), answers.done_for("square"))
    answers.wait("square")
    # A process lowers its priority first thing, before it reads a request
    # (the other one may still be starting up: wait for it, bounded).
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and (len(pool.pids) < 2 or any(
            os.getpriority(os.PRIO_PROCESS, pid) != 19 for pid in pool.pids)):
        time.sleep(0.02)
    assert len(pool.pids) == 2
    for pid in pool.pids:
        assert os.getpriority(os.PRIO_PROCESS, pid) == 19
    assert os.getpriority(os.PRIO_PROCESS, 0) < 19  # the app itself is untouched


def test_a_damaged_file_is_an_error_and_the_next_picture_still_decodes(pictures: dict[str, str]) -> None:
    pool = DecoderPool(processes=1)
    try:
        answers = Answers()
        pool.submit(pictures["broken"], pictures["cache"], (200, 200), answers.done_for("broken"))
        pool.submit(pictures["square"], pictures["cache"], (200, 200), answers.done_for("square"))
        answers.wait("broken", "square")
        picture, error = answers.got["broken"]
        assert picture is None and isinstance(error, DecodeError) and "broken.img" in str(error)
        assert answers.got["square"][1] is None and answers.got["square"][0][1:3] == (200, 200)
        assert len(pool.pids) == 1  # the same process went on
    finally:
        pool.close()


def test_a_killed_decoder_is_replaced_and_its_pictures_still_arrive(pictures: dict[str, str]) -> None:
    pool = DecoderPool(processes=1)
    try:
        answers = Answers()
        pool.submit(pictures["square"], pictures["cache"], (100, 100), answers.done_for("warm-up"))
        answers.wait("warm-up")
        (first,) = pool.pids
        # Stopped, so that the requests are surely in flight when it is killed.
        os.kill(first, signal.SIGSTOP)
        names = [f"p{i}" for i in range(6)]
        for name in names:
            pool.submit(pictures["square"], pictures["cache"], (120, 120), answers.done_for(name))
        os.kill(first, signal.SIGKILL)
        answers.wait(*names)
        assert all(answers.got[n][1] is None and answers.got[n][0][1:3] == (120, 120) for n in names)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and (not pool.pids or first in pool.pids):
            time.sleep(0.02)
        assert pool.pids and first not in pool.pids
    finally:
        pool.close()


def test_a_picture_no_longer_wanted_is_not_decoded(pictures: dict[str, str], pool: DecoderPool) -> None:
    """A fast scroll asks for pictures of tiles that show other products by the time a decoder is free."""
    answers = Answers()
    pool.submit(pictures["broken"], pictures["cache"], (100, 100), answers.done_for("gone"), wanted=lambda: False)
    pool.submit(pictures["square"], pictures["cache"], (100, 100), answers.done_for("kept"), wanted=lambda: True)
    answers.wait("gone", "kept")
    assert answers.got["gone"] == (None, None)  # skipped: a decode of the broken file would have been an error
    assert answers.got["kept"][0] is not None


def test_without_processes_the_fallback_decodes(pictures: dict[str, str], tmp_path: Path) -> None:
    """E.g. a locked-down machine where the app may not start programs: pictures still come."""
    ran: list[str] = []

    def on_a_thread(job: Any) -> None:
        ran.append(threading.current_thread().name)
        threading.Thread(target=job, name="fallback").start()

    pool = DecoderPool(fallback=on_a_thread, python=str(tmp_path / "no-such-python"))
    try:
        answers = Answers()
        pool.submit(pictures["square"], pictures["cache"], (64, 64), answers.done_for("square"))
        answers.wait("square")
        assert pool.uses_fallback and ran and pool.pids == []
        assert answers.got["square"][0][1:3] == (64, 64)
    finally:
        pool.close()


def test_closing_the_pool_ends_its_processes(pictures: dict[str, str]) -> None:
    pool = DecoderPool(processes=2)
    pool.start()
    pids = pool.pids
    assert len(pids) == 2
    pool.close()
    for pid in pids:
        with pytest.raises(ChildProcessError):  # reaped: no zombie left behind
            os.waitpid(pid, os.WNOHANG)
    answers = Answers()
    pool.submit(pictures["square"], pictures["cache"], (64, 64), answers.done_for("late"))
    answers.wait("late")
    assert isinstance(answers.got["late"][1], DecodeError)  # refused, not lost silently


def test_an_answered_request_is_not_kept_alive(pictures: dict[str, str], pool: DecoderPool) -> None:
    """Its callbacks hold the tile widget (and so its whole screen): the pool must let them go."""
    import gc
    import weakref

    class Tile:
        """Stands in for the widget the callbacks belong to."""

        def __init__(self) -> None:
            self.answers = Answers()

        def wanted(self) -> bool:
            return True

    tiles = [Tile() for _ in range(4)]
    for tile in tiles:
        pool.submit(pictures["square"], pictures["cache"], (64, 64), tile.answers.done_for("p"), wanted=tile.wanted)
    for tile in tiles:
        tile.answers.wait("p")
        assert tile.answers.got["p"][0] is not None
    refs = [weakref.ref(tile) for tile in tiles]
    del tiles, tile
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(ref() is not None for ref in refs):
        gc.collect()
        time.sleep(0.02)
    assert all(ref() is None for ref in refs), "the pool's threads still hold an answered request"
