"""Background work for the UI: run a function on a worker thread, get the result on the Kivy thread.

The threading rule (DESIGN.md): no SQL, HTTP or file I/O on the UI thread.
Screens hand such work to this module; the callback runs later on the main
thread through ``Clock.schedule_once``, where touching widgets is safe.

Two helpers:

* ``run_in_background(fn, *args, on_result=..., on_error=...)``: fire and
  forget, on a small shared thread pool.
* ``LatestWins``: one lane of work where only the newest request matters
  (search as you type). Requests that were superseded before they started
  are skipped; results of superseded requests are dropped. Each request
  carries a sequence number, like Textual's ``@work(exclusive=True)``.
  Lanes run on threads of their own, never queued behind the shared
  pool's work (image decodes).

Low-priority work runs on a pool of its own, at a lower CPU priority
(``run_in_background(..., low_priority=True)``): with software OpenGL
the frame is rasterised on the CPU, and a page of pictures decoding on
both cores while the customer types took half the CPU from the frame that
shows their results (keystroke p99 93-117 ms with pictures, 40-50 without;
docs/benchmarks-ui-screens.md). Picture decodes now run in processes of
their own (``kiosk.picture_decoder``, no GIL shared with the UI); this pool
is their fallback where processes cannot be started. Work done elsewhere
reports back through :func:`main_thread_done`.

``pending_count()`` tells tests, the screenshot driver and benchmarks when
the UI has settled (no work in flight, no results waiting to be delivered).
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from kivy.clock import Clock

log = logging.getLogger(__name__)

ResultCallback = Callable[[Any], None]
ErrorCallback = Callable[[BaseException], None]

_MAX_WORKERS = 3
#: Threads of the lanes (``LatestWins``): apart from the shared pool, so that
#: a keystroke's search never queues behind the image decodes its previous
#: page started (a dozen per page of tiles).
_LANE_WORKERS = 2
#: Threads decoding pictures: one per core of a small kiosk PC.
_LOW_WORKERS = 2
#: How much nicer than the UI the picture decoders are (Linux nice levels,
#: per thread). Not 19: a decoder holds the GIL now and then, and one starved
#: of CPU while holding it would hold up the UI thread.
LOW_PRIORITY_NICE = 10
_executors: dict[str, ThreadPoolExecutor] = {}
_executor_lock = threading.Lock()
_pending = 0
_pending_lock = threading.Lock()


def _threads(prefix: str, workers: int, initializer: Callable[[], None] | None = None) -> ThreadPoolExecutor:
    """The thread pool named ``prefix``, started on first use."""
    with _executor_lock:
        pool = _executors.get(prefix)
        if pool is None:
            pool = _executors[prefix] = ThreadPoolExecutor(
                max_workers=workers, thread_name_prefix=prefix, initializer=initializer)
        return pool


def _lower_this_threads_priority() -> None:
    """Make the calling thread nicer (Linux: nice levels are per thread); elsewhere a no-op."""
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + LOW_PRIORITY_NICE))
    except (AttributeError, OSError) as exc:  # not Linux, or not allowed: run at normal priority
        log.debug("background thread priority unchanged: %s", exc)


def _pool() -> ThreadPoolExecutor:
    return _threads("kiosk-ui-worker", _MAX_WORKERS)


def _lane_pool() -> ThreadPoolExecutor:
    return _threads("kiosk-ui-lane", _LANE_WORKERS)


def _low_pool() -> ThreadPoolExecutor:
    return _threads("kiosk-ui-low", _LOW_WORKERS, _lower_this_threads_priority)


def _inc(n: int) -> None:
    global _pending
    with _pending_lock:
        _pending += n


def add_pending(n: int) -> None:
    """Count ``n`` more (or, negative, fewer) pieces of UI work in :func:`pending_count`.

    For work that outlives its job's callback (results held back to be
    shown together with others).
    """
    _inc(n)


def pending_count() -> int:
    """Jobs submitted whose callbacks have not yet run on the main thread."""
    with _pending_lock:
        return _pending


def _log_error(exc: BaseException) -> None:
    log.error("background work failed", exc_info=(type(exc), exc, exc.__traceback__))


def _deliver(callback: Callable[..., Any] | None, value: Any) -> None:
    """Schedule ``callback(value)`` on the main thread and release the pending slot after it."""

    def run(_dt: float) -> None:
        try:
            if callback is not None:
                callback(value)
        finally:
            _inc(-1)

    Clock.schedule_once(run, 0)


def main_thread_done(on_result: ResultCallback | None,
                     on_error: ErrorCallback | None = None) -> Callable[[Any, BaseException | None], None]:
    """A ``done(value, error)`` for work done elsewhere (the picture decoder processes).

    The work counts in :func:`pending_count` from now until its callback has
    run on the main thread. Call ``done`` exactly once, from any thread.

    Args:
        on_result: Called on the main thread with the value when ``error`` is None.
        on_error: Called on the main thread with the error; by default it is logged.
    """
    _inc(1)

    def done(value: Any, error: BaseException | None) -> None:
        if error is None:
            _deliver(on_result, value)
        else:
            _deliver(on_error or _log_error, error)

    return done


def run_in_background(
    fn: Callable[..., Any],
    *args: Any,
    on_result: ResultCallback | None = None,
    on_error: ErrorCallback | None = None,
    low_priority: bool = False,
    **kwargs: Any,
) -> None:
    """Run ``fn(*args, **kwargs)`` on a worker thread.

    Args:
        fn: Plain Python work (SQL, files); it must not touch widgets.
        on_result: Called on the main thread with the return value.
        on_error: Called on the main thread with the exception; by default
            the error is logged (never shown to the customer).
        low_priority: CPU-heavy work the customer does not wait for
            (picture decodes): on threads of its own, at a lower CPU
            priority than the UI and the other workers.
    """
    done = main_thread_done(on_result, on_error)

    def job() -> None:
        try:
            value = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread
            done(None, exc)
            return
        done(value, None)

    try:
        (_low_pool() if low_priority else _pool()).submit(job)
    except RuntimeError:  # interpreter shutting down
        _inc(-1)


class LatestWins:
    """A lane of background work where only the newest request's result is delivered.

    Example::

        self._search = LatestWins("search")
        seq = self._search.submit(engine.search, text, on_result=self.show_results)

    Only one request of a lane runs at a time; when several are queued while
    one runs, only the newest is started. A result whose sequence number is no
    longer the newest is dropped before its callback would run, so the screen
    never flickers back to an older query's results.
    """

    def __init__(self, name: str = "lane") -> None:
        self.name = name
        self._seq = itertools.count(1)
        self._latest = 0
        self._lock = threading.Lock()
        self._next: tuple[int, Callable[[], Any], ResultCallback | None, ErrorCallback | None] | None = None
        self._running = False

    @property
    def latest(self) -> int:
        """Sequence number of the newest request."""
        return self._latest

    def cancel(self) -> None:
        """Drop every request made so far (e.g. when the screen resets)."""
        with self._lock:
            self._latest = next(self._seq)
            if self._next is not None:
                self._next = None
                _inc(-1)

    def submit(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_result: ResultCallback | None = None,
        on_error: ErrorCallback | None = None,
        **kwargs: Any,
    ) -> int:
        """Queue ``fn(*args, **kwargs)``, superseding every earlier request of this lane.

        Returns:
            The request's sequence number.
        """
        with self._lock:
            seq = next(self._seq)
            self._latest = seq
            if self._next is not None:
                _inc(-1)  # the superseded request will never run
            self._next = (seq, lambda: fn(*args, **kwargs), on_result, on_error)
            _inc(1)
            start = not self._running
            self._running = True
        if start:
            try:
                _lane_pool().submit(self._drain)
            except RuntimeError:
                pass
        return seq

    def _drain(self) -> None:
        while True:
            with self._lock:
                item = self._next
                self._next = None
                if item is None:
                    self._running = False
                    return
            seq, call, on_result, on_error = item
            try:
                value = call()
            except BaseException as exc:  # noqa: BLE001
                self._deliver_if_latest(seq, on_error or _log_error, exc)
                continue
            self._deliver_if_latest(seq, on_result, value)

    def _deliver_if_latest(self, seq: int, callback: Callable[..., Any] | None, value: Any) -> None:
        def guarded(v: Any) -> None:
            # Checked on the main thread, at delivery time: a newer request
            # made while this result waited for the clock still wins.
            if seq == self._latest and callback is not None:
                callback(v)

        _deliver(guarded, value)


_deferred: list[Callable[[], None]] = []


def run_pending_jobs(jobs: list[Callable[[], None]], what: str) -> None:
    """Run the queued ``jobs`` (main thread) and empty the queue, each counted out of :func:`pending_count`.

    One that fails is logged (``what`` says what it was) and does not stop the others.
    """
    batch = jobs[:]
    jobs.clear()
    for job in batch:
        try:
            job()
        except Exception:  # noqa: BLE001 - one bad job must not stop the others
            log.exception("%s failed", what)
        finally:
            _inc(-1)


def _run_deferred(_dt: float) -> None:
    run_pending_jobs(_deferred, "deferred work")


def after_this_frame(job: Callable[[], None]) -> None:
    """Run ``job()`` on the main thread once the frame being prepared has been drawn.

    For work the frame should not compete with (starting picture decodes
    while the customer waits for their results). Counted in
    :func:`pending_count` until it has run.
    """
    _inc(1)
    _deferred.append(job)
    if len(_deferred) == 1:
        # A timeout of 0 asked for during a clock tick runs on the next
        # tick, i.e. after this tick's frame (-1 would run before it).
        Clock.schedule_once(_run_deferred, 0)


#: A finger resting on a key longer than this no longer holds work back (s).
KEY_HOLD_LIMIT_S = 1.0
_key_down_at: float | None = None
_held_back: list[Callable[[], None]] = []


def key_held(held: bool) -> None:
    """The on-screen keyboard reports a finger landing on a key (True) or lifting (False).

    While a finger is on a key, work that would draw a frame of its own
    (pictures arriving) waits: the lift types a letter, and a frame begun
    just before it would hold up the frame with that letter's results. On
    the lift the held-back work runs after the frame being prepared.
    """
    global _key_down_at
    if held:
        _key_down_at = time.monotonic()
        Clock.schedule_once(_release_if_held_too_long, KEY_HOLD_LIMIT_S)
        return
    _key_down_at = None
    if _held_back:
        jobs = _held_back[:]
        _held_back.clear()
        for job in jobs:
            _inc(-1)  # after_this_frame counts it again
            after_this_frame(job)


def _release_if_held_too_long(_dt: float) -> None:
    if _key_down_at is not None and time.monotonic() - _key_down_at >= KEY_HOLD_LIMIT_S * 0.99:
        run_pending_jobs(_held_back, "held-back work")


def unless_a_key_is_held(job: Callable[[], None]) -> None:
    """Run ``job()`` now, or, while a finger is on a key, after the frame that follows its lift."""
    if _key_down_at is None or time.monotonic() - _key_down_at >= KEY_HOLD_LIMIT_S:
        job()
        return
    _inc(1)
    _held_back.append(job)


def call_on_main(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Run ``fn`` on the Kivy main thread soon (safe to call from any thread)."""
    Clock.schedule_once(lambda _dt: fn(*args, **kwargs), 0)
