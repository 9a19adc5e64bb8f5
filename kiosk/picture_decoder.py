"""Catalog pictures decoded in helper processes, at the lowest CPU priority.

A page of result tiles asks for a dozen pictures at once, each a JPEG to
decode and shrink (10-40 ms of CPU). On a kiosk without a GPU the frames
are rasterised on the same cores (Mesa llvmpipe), and the customer is
waiting for the frame with the results of the key they just tapped, not
for the pictures. Decoded on threads of the app, the pictures competed
with that frame twice:

* for the CPU: a thread can be made nicer, but only so far (below);
* for the GIL: a decoding thread at a low priority, descheduled while it
  held the GIL, held up the search thread and the UI thread behind it
  (priority inversion: the search for a letter started up to 20 ms late).

A process of its own shares no GIL with the app, so it can run at nice 19:
it gets the cores the frames leave, and next to none while they are busy
(docs/benchmarks-ui-screens.md, session 7).

:class:`DecoderPool` keeps a few such processes (``python -m
kiosk.picture_decoder``) and talks to each over its stdin/stdout: one
length-prefixed ``marshal`` frame per request and per answer (both ends are
this module: tuples of strings, ints and bytes). A process that dies
(killed, out of memory, a library crash on a hostile file) is replaced and
its requests are asked again once; a request that killed two processes
fails (the tile keeps its placeholder). If processes cannot be started at
all, the pool hands decodes to a fallback (the app's low-priority threads).

Nothing here imports Kivy: the pixels come back bottom row first, ready for
a Kivy texture, but the caller uploads them.
"""

from __future__ import annotations

import itertools
import logging
import marshal
import os
import queue
import struct
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

log = logging.getLogger(__name__)

Decoded = tuple[str, int, int, bytes, str]
"""A decoded picture: (file path, width, height, pixels bottom row first, ``"rgb"`` or ``"rgba"``)."""

Done = Callable[["Decoded | None", "BaseException | None"], None]
"""Called once per request, on a pool thread: (picture or None if not available offline, error or None)."""

#: Nice level of the decoder processes: the lowest. Safe in a process of its
#: own (there is no GIL shared with the UI for it to hold while starved).
DECODER_NICE = 19
#: Processes per pool: one per core of a small kiosk PC, so that a page of
#: pictures decodes on both cores while the customer reads the results.
DECODER_PROCESSES = 2
#: A request is asked again this many times after the process decoding it died.
RETRIES = 1
#: Processes started after the first ones (replacing dead ones) before the
#: pool gives up on processes and uses its fallback.
RESTARTS = 5

_HEADER = struct.Struct("<I")


class DecodeError(Exception):
    """A picture could not be decoded (a damaged file, an unknown format), or its decoder died twice."""


def decode_picture(ref: str, cache_dir: str | None, box: tuple[int, int]) -> Decoded | None:
    """Find a catalog picture and decode it to fit ``box``.

    Args:
        ref: Catalog image reference (``asset:...`` or an http(s) URL in the image cache).
        cache_dir: The image cache directory, or None.
        box: ``(width, height)`` in pixels the picture must fit in (aspect kept).

    Returns:
        The picture (see :data:`Decoded`), or None when it is not available offline.
    """
    from PIL import Image

    from kiosk.images import resolve

    path = resolve(ref, Path(cache_dir) if cache_dir else None)
    if path is None:
        return None
    width, height = max(1, int(box[0])), max(1, int(box[1]))
    with Image.open(path) as im:
        im.draft("RGB", (width, height))  # JPEG: decoded at a reduced scale directly
        has_alpha = im.mode in ("RGBA", "LA") or (im.mode == "P" and "transparency" in im.info)
        im = im.convert("RGBA" if has_alpha else "RGB")
        im.thumbnail((width, height))
        # Kivy textures start at the bottom row.
        im = im.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
        return str(path), im.width, im.height, im.tobytes(), "rgba" if has_alpha else "rgb"


def _write_frame(stream: IO[bytes], obj: Any) -> None:
    data = marshal.dumps(obj)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _read_frame(stream: IO[bytes]) -> Any:
    """The next frame's object, or None at the end of the stream (or a torn frame)."""
    head = stream.read(_HEADER.size)
    if len(head) < _HEADER.size:
        return None
    (size,) = _HEADER.unpack(head)
    data = stream.read(size)
    if len(data) < size:
        return None
    return marshal.loads(data)


# ------------------------------------------------------------ decoder process


def _serve(requests: IO[bytes], answers: IO[bytes]) -> None:
    """Answer requests until the app closes the pipe (or ends: the pipe closes with it)."""
    while True:
        request = _read_frame(requests)
        if request is None:
            return
        req_id, ref, cache_dir, box = request
        try:
            answer: tuple[Any, ...] = (req_id, "ok", decode_picture(ref, cache_dir, tuple(box)))
        except Exception as exc:  # noqa: BLE001 - reported to the app, the next picture goes on
            answer = (req_id, "error", f"{type(exc).__name__}: {exc}")
        _write_frame(answers, answer)


def main(argv: list[str] | None = None) -> int:
    """Decoder process: ``python -m kiosk.picture_decoder [NICE]``."""
    args = sys.argv[1:] if argv is None else argv
    try:
        os.nice(int(args[0]) if args else DECODER_NICE)
    except (OSError, AttributeError, ValueError):
        pass  # not allowed or not Linux: decode at the priority inherited
    _serve(sys.stdin.buffer, sys.stdout.buffer)
    return 0


# ------------------------------------------------------------------- app side


class _Request:
    __slots__ = ("req_id", "args", "done", "wanted", "attempts")

    def __init__(self, req_id: int, args: tuple[str, str | None, tuple[int, int]], done: Done,
                 wanted: Callable[[], bool] | None) -> None:
        self.req_id = req_id
        self.args = args
        self.done = done
        self.wanted = wanted
        self.attempts = 0


class _Process:
    """One decoder process, its requests in flight, and the threads that write to and read from it.

    Requests are queued to a writer thread: the app never blocks on the
    pipe, however many pictures a fast scroll asks for.
    """

    def __init__(self, pool: DecoderPool, python: str, env: dict[str, str], nice: int) -> None:
        self.pool = pool
        self.in_flight: dict[int, _Request] = {}
        self.alive = True
        self.proc: subprocess.Popen[bytes] | None = None
        self.started = threading.Event()  # set once the process runs (or could not be started)
        self.queue: queue.SimpleQueue[_Request | None] = queue.SimpleQueue()
        self.reader = threading.Thread(target=self._read, name="kiosk-picture-answers", daemon=True)
        self.writer = threading.Thread(target=self._run, args=([python, "-m", "kiosk.picture_decoder", str(nice)], env),
                                       name="kiosk-picture-requests", daemon=True)
        self.writer.start()

    def _run(self, argv: list[str], env: dict[str, str]) -> None:
        # Started on this thread, not the caller's (the UI's): ~10 ms a process.
        # Requests queue meanwhile.
        try:
            self.proc = subprocess.Popen(argv, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=subprocess.DEVNULL, close_fds=True)
        except OSError as exc:
            self.started.set()
            self.pool._could_not_start(self, exc)
            return
        self.started.set()
        self.reader.start()
        self._write()

    # Each request and answer is handled in a call of its own: a thread
    # waiting for the next one keeps no reference to the last (its tile
    # widget, whose screen it would keep alive, and up to megabytes of pixels).

    def _write(self) -> None:
        assert self.proc is not None
        stdin = self.proc.stdin
        assert stdin is not None
        while self._send_next(stdin):
            pass
        try:
            stdin.close()  # the process answers what it has, then ends
        except OSError:
            pass

    def _send_next(self, stdin: IO[bytes]) -> bool:
        """Send the next queued request; False when closing or the process is gone."""
        request = self.queue.get()
        if request is None:  # closing
            return False
        if request.wanted is not None and not request.wanted():
            # Its tile shows another product by now (a fast scroll): not decoded.
            if self.pool._answered(self, request.req_id) is not None:
                request.done(None, None)
            return True
        try:
            _write_frame(stdin, (request.req_id, *request.args))
        except (OSError, ValueError):  # the process died: the reader hands its requests on
            return False
        return True

    def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        while self._answer_next(self.proc.stdout):
            pass
        self.pool._process_ended(self)

    def _answer_next(self, stdout: IO[bytes]) -> bool:
        """Hand the next answer to its request's ``done``; False at the end of the process's output."""
        try:
            answer = _read_frame(stdout)
        except (OSError, ValueError, EOFError, TypeError):  # a torn or garbled frame: the process is gone
            answer = None
        if answer is None:
            return False
        req_id, status, payload = answer
        request = self.pool._answered(self, req_id)
        if request is None:
            return True
        if status == "ok":
            request.done(payload, None)
        else:
            request.done(None, DecodeError(f"{request.args[0]!r}: {payload}"))
        return True

    def close(self, timeout: float) -> None:
        self.queue.put(None)
        self.started.wait(timeout)
        if self.proc is None:
            return
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.reader.is_alive():
            self.reader.join(timeout)


class DecoderPool:
    """Decode pictures in a few helper processes at the lowest CPU priority.

    Example::

        pool = DecoderPool(fallback=lambda job: threads.submit(job))
        pool.submit("asset:demo/images/p-1001.png", None, (320, 240), done)

    Processes start on the first request (or :meth:`start`), and end with
    :meth:`close` or with the app (their stdin closes with it).

    Args:
        processes: How many decoder processes.
        nice: Their nice level (added to the app's).
        fallback: Runs a job elsewhere (e.g. on a thread) when processes
            cannot be started; without one, such requests fail.
        python: The Python that runs the processes (this one by default).
    """

    def __init__(self, processes: int = DECODER_PROCESSES, nice: int = DECODER_NICE,
                 fallback: Callable[[Callable[[], None]], None] | None = None,
                 python: str | None = None) -> None:
        self._size = max(1, processes)
        self._python = python or sys.executable
        self._nice = nice
        self._fallback = fallback
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._processes: list[_Process] = []
        self._restarts = 0
        self._broken = False
        self._closed = False
        self._env = dict(os.environ)
        # The processes import this package from where the app found it.
        root = str(Path(__file__).resolve().parents[1])
        self._env["PYTHONPATH"] = root + (os.pathsep + self._env["PYTHONPATH"] if self._env.get("PYTHONPATH") else "")

    @property
    def pids(self) -> list[int]:
        """Process ids of the live decoder processes."""
        with self._lock:
            return [p.proc.pid for p in self._processes if p.alive and p.proc is not None]

    @property
    def uses_fallback(self) -> bool:
        """True once processes could not be started (or kept dying): decodes go to the fallback."""
        return self._broken

    def start(self) -> None:
        """Start the processes now and wait until they run (their start-up is then off the first picture's path)."""
        with self._lock:
            self._top_up()
            processes = list(self._processes)
        for process in processes:
            process.started.wait(10)

    def submit(self, ref: str, cache_dir: str | None, box: tuple[int, int], done: Done,
               wanted: Callable[[], bool] | None = None) -> None:
        """Decode ``ref`` to fit ``box``; ``done(picture, error)`` is called once, on a pool thread.

        Args:
            ref: Catalog image reference.
            cache_dir: The image cache directory, or None.
            box: ``(width, height)`` in pixels.
            done: See :data:`Done`; ``(None, None)`` also for a request
                skipped because it was no longer wanted.
            wanted: Asked (on a pool thread) right before the decode is
                sent to a process: False skips it.
        """
        request = _Request(next(self._ids), (ref, cache_dir, (int(box[0]), int(box[1]))), done, wanted)
        self._dispatch(request)

    def _dispatch(self, request: _Request) -> None:
        with self._lock:
            process = None if self._broken or self._closed else self._least_busy()
            if process is not None:
                process.in_flight[request.req_id] = request
                process.queue.put(request)
                return
        self._elsewhere(request)

    def _least_busy(self) -> _Process | None:
        """The live process with the fewest requests in flight (lock held), starting processes as needed."""
        self._top_up()
        live = [p for p in self._processes if p.alive]
        return min(live, key=lambda p: len(p.in_flight)) if live else None

    def _top_up(self) -> None:
        """Start processes up to the pool's size (lock held; each starts on its own thread, see _could_not_start)."""
        if self._broken or self._closed:
            return
        self._processes = [p for p in self._processes if p.alive]
        while len(self._processes) < self._size:
            self._processes.append(_Process(self, self._python, self._env, self._nice))

    def _could_not_start(self, process: _Process, exc: OSError) -> None:
        """A process could not be started: from now on the fallback decodes, its requests too."""
        with self._lock:
            process.alive = False
            orphans = sorted(process.in_flight.values(), key=lambda r: r.req_id)
            process.in_flight.clear()
            if not self._broken:
                log.warning("picture decoder processes unavailable, decoding on threads: %s", exc)
            self._broken = True
        for request in orphans:
            self._elsewhere(request)

    def _elsewhere(self, request: _Request) -> None:
        """Decode on the fallback (or fail the request if there is none, or the pool is closed)."""
        if self._fallback is None or self._closed:
            request.done(None, DecodeError("no picture decoder available"))
            return

        def job() -> None:
            if request.wanted is not None and not request.wanted():
                request.done(None, None)
                return
            try:
                picture = decode_picture(*request.args)
            except Exception as exc:  # noqa: BLE001 - reported through done()
                request.done(None, DecodeError(f"{request.args[0]!r}: {type(exc).__name__}: {exc}"))
                return
            request.done(picture, None)

        self._fallback(job)

    def _answered(self, process: _Process, req_id: int) -> _Request | None:
        with self._lock:
            return process.in_flight.pop(req_id, None)

    def _process_ended(self, process: _Process) -> None:
        """A process's answers ended: replace it and ask its requests again (once)."""
        with self._lock:
            process.alive = False
            orphans = sorted(process.in_flight.values(), key=lambda r: r.req_id)
            process.in_flight.clear()
            if not self._closed:
                log.warning("picture decoder process %d ended (exit code %s) with %d request(s) in flight",
                            process.proc.pid, process.proc.poll(), len(orphans))
                self._restarts += 1
                if self._restarts > RESTARTS:
                    log.warning("picture decoder processes keep ending: decoding on threads from now on")
                    self._broken = True
        process.queue.put(None)  # ends its writer thread
        assert process.proc is not None
        try:
            process.proc.wait(1.0)
        except subprocess.TimeoutExpired:
            process.proc.kill()
            process.proc.wait()
        for request in orphans:
            request.attempts += 1
            if request.attempts > RETRIES or self._closed:
                request.done(None, DecodeError(f"{request.args[0]!r}: the decoder ended while decoding it"))
            else:
                self._dispatch(request)

    def close(self, timeout: float = 2.0) -> None:
        """End the processes: requests sent are answered if done within ``timeout``, the others fail."""
        with self._lock:
            self._closed = True
            processes, self._processes = self._processes, []
        for process in processes:
            process.close(timeout)


if __name__ == "__main__":
    sys.exit(main())
