"""The search index of a bulk import, built beside the import and saved with it.

A bulk import of a large catalog (kiosk.import_parallel) ends with a
serial tail in the importer's process (the copy of the last part, the
catalog's indexes, the commit) while the other core has nothing to do. The
first search after it used to build the in-memory search index from the
committed catalog (reading it back, tokenising every product: ~1.7 s for
200,000 variants). Here an **index builder** (a worker process) builds
that index during the tail instead, from what the import workers staged:

* each worker writes, beside its staging file, the search index's row of
  each of its products (``kiosk.search.loader.product_rows``: exactly what
  ``load_products`` will read back from the committed catalog), with the
  category as the path the file gives;
* the worker of the file's last part does not end once its part is
  staged: it becomes the **index builder**. It keeps its own products'
  rows in memory (nothing written, nothing read back; no process to start
  at the import's busiest moment: 0.10 s less CPU for the 200k catalog).
  Once every part is staged, the importer
  creates the last categories and sends it the category tree and the
  path -> id map (:meth:`IndexBuilder.build`); it makes the
  :class:`~kiosk.search.inverted.InvertedIndex` a ``SearchEngine`` would
  build, while the importer copies;
* the builder pickles the index at once, as ``kiosk.search.snapshot``
  saves one (the generation is not in the pickle but in the row it is
  saved in: the importer logs the change with ``update_index`` later).
  If it is done by the time the import commits, the importer writes it
  with the generation it logged in the import's own transaction; if not,
  the builder goes on while the import commits (the catalog written:
  0.15-0.45 s for 200,000 variants) and the importer
  saves it right after, before returning, in a transaction of its own
  that checks the catalog is still at that generation. The first search
  after the import, in this process or any other, then loads it instead
  of building.

Into a full catalog (a re-import) this is done only when the file is the
whole catalog once merged (the nightly full feed): the builder then orders
the products as the catalog table holds them. A file that leaves other
products in the catalog saves no index.

The builder only ever gives the index or nothing: an unexpected category,
a builder that fails or takes too long, and the import commits without a
saved index (the first search builds it, as before). Nothing here changes
what the import writes to the catalog.

The worker (``kiosk.import_parallel``) serves one request with
:func:`serve_request`: it reads the name of the request (a JSON file) as a
line on its stdin, writes the pickle and a JSON line saying so.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from dataclasses import astuple
from pathlib import Path
from typing import Any

_log = logging.getLogger(__name__)

#: How long the importer waits for the builder once the import is written (s).
SNAPSHOT_WAIT = 60.0


def die_with_parent(parent: int) -> None:
    """Linux: end this process if the importer ends (killed mid-import, its transaction is gone anyway)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # it ended before the line above
        os._exit(1)


# ------------------------------------------------------------ builder side


def build_index(search_files: list[Path], categories: list[list[Any]], category_ids: dict[str, str],
                order: list[str] | None = None, held: dict[str, list[Any]] | None = None) -> Any:
    """The index ``SearchEngine`` would build from the catalog once the staged products are in it.

    Args:
        search_files: The workers' search rows (see
            ``kiosk.import_parallel.search_file``), in part order.
        categories: Every row of the catalog's ``categories`` table as
            ``load_categories`` reads it, after the import created its own.
        category_ids: The file's category paths (JSON) -> category id.
        order: The products' ids in the catalog table's order, when it is
            not the file's (a file merged into a catalog that had them).
        held: ``ProductRow`` objects already in memory, by the search file
            they stand for (the builder's own part: that file was never
            written).

    Returns:
        The :class:`~kiosk.search.inverted.InvertedIndex` (generation not set).

    Raises:
        KeyError: A product's category path is not in ``category_ids``, or
            ``order`` and the file hold different products.
    """
    import marshal

    from kiosk.search.inverted import InvertedIndex
    from kiosk.search.loader import CategoryRow, ProductRow

    rows: list[ProductRow] = []
    held = held or {}
    for path in search_files:
        mine = held.get(str(path))
        if mine is not None:
            rows.extend(mine)
            continue
        # One marshal object per part (a list of tuples), read in one call.
        rows.extend(ProductRow(*t) for t in marshal.loads(Path(path).read_bytes()))
    for row in rows:
        if row.category_id is not None:
            row.category_id = category_ids[row.category_id]
    if order is not None:
        by_id = {row.id: row for row in rows}
        if len(by_id) != len(order):
            raise KeyError("the catalog and the file hold different products")
        rows = [by_id[pid] for pid in order]
    index = InvertedIndex([CategoryRow(*c) for c in categories], -1)
    new, typo_words = index.add_products(rows)
    index.finish(new, typo_words, full=True)
    return index


def serve_request(out: Path, held: dict[str, list[Any]] | None = None) -> int:
    """Build the index the request on stdin asks for, pickle it to ``out`` and say so on stdout.

    The worker of the import's last part runs this once its part is
    staged (``kiosk.import_parallel``). End of stdin instead of a request:
    the import did not need it.

    Args:
        out: Where the pickled index goes.
        held: The caller's own part's rows, by search file (see :func:`build_index`).

    Returns:
        The process's exit status (0; a failed build raises).
    """
    from kiosk.search.snapshot import dump_snapshot

    cpu = {"start": time.process_time()}
    # The request is a file; stdin only says where (see IndexBuilder.build).
    name = sys.stdin.readline().strip()
    if not name:
        return 0
    request = json.loads(Path(name).read_bytes())
    started = time.process_time()
    index = build_index([Path(p) for p in request["search_files"]], request["categories"],
                        request["category_ids"], request.get("order"), held)
    cpu["build"] = time.process_time() - started
    built_at = time.time()
    started = time.process_time()
    _, data = dump_snapshot(index)  # without the generation: the importer saves it with the one it logs
    out.write_bytes(data)
    cpu["save"] = time.process_time() - started
    sys.stdout.write(json.dumps({"ok": True, "bytes": len(data), "products": index.live_count,
                                 "cpu": {k: round(v, 3) for k, v in cpu.items()},
                                 "built_at": built_at, "saved_at": time.time()}) + "\n")
    sys.stdout.flush()
    return 0


# ------------------------------------------------------------ importer side


class IndexBuilder:
    """The importer's handle on the builder: the last part's worker, idle once staged until :meth:`build`."""

    def __init__(self, proc: subprocess.Popen[bytes], out: Path, errors: Path) -> None:
        """Take over a worker that serves a request once staged (:func:`serve_request`).

        Args:
            proc: The worker (stdin and stdout pipes, unbuffered; its first
                stdout line, its part's result, already read).
            out: Where it writes the pickled index.
            errors: The file its stderr goes to (a pipe nobody reads
                while it stages could fill up and stall it).
        """
        self.out = out
        self.errors = errors
        self.proc: subprocess.Popen[bytes] | None = proc
        self._asked = False

    def build(self, search_files: list[Path], categories: list[Any], category_ids: dict[str, str],
              order: list[str] | None = None) -> None:
        """Start building from the workers' search rows, the category tree and the path -> id map.

        ``order``: the catalog's product ids in table order, if not the file's.
        """
        request = {"search_files": [str(p) for p in search_files],
                   "categories": [astuple(c) for c in categories], "category_ids": category_ids,
                   "order": order}
        # Written to a file, and only its name down the pipe: the request
        # (the category tree and the path map, ~90 KB for the 200k catalog)
        # is more than a pipe holds, and writing it there kept the importer
        # waiting until the builder, still starting, read it (0.06 s).
        path = self.out.with_name(self.out.name + ".request.json")
        try:
            path.write_bytes(json.dumps(request).encode())
        except OSError as exc:  # no room for it: the first search builds the index
            _log.info("search index not built with the import: %s", exc)
            self.stop()
            return
        self._send(str(path))
        self._asked = True

    def done(self) -> bool:
        """True once the builder has ended (its :meth:`snapshot` is ready, or it failed)."""
        return self.proc is None or self.proc.poll() is not None

    def snapshot(self, timeout: float = SNAPSHOT_WAIT) -> bytes | None:
        """Wait for the index :meth:`build` asked for: its pickle, or None if it could not be had."""
        if self.proc is None:
            return None
        if not self._asked:  # it ended before it could be asked (a failed build): say why
            if self.proc.poll() is not None:
                _log.warning("search index not saved with the import: %s", self._stderr())
            return None
        started = time.perf_counter()
        try:
            stdout, _ = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _log.warning("search index not saved with the import: its builder took over %.0f s", timeout)
            self.stop()
            return None
        waited = time.perf_counter() - started
        try:
            result = json.loads(stdout) if self.proc.returncode == 0 else None
            data = self.out.read_bytes() if result and result.get("ok") else None
        except (ValueError, OSError):
            data = None
        if data is None:
            _log.warning("search index not saved with the import: %s", self._stderr())
            return None
        _log.info("search index built beside the import (%.1f MB, waited %.2f s; builder CPU s: %s; "
                  "built %.2f s, pickled %.2f s ago)", len(data) / 1e6, waited, result.get("cpu"),
                  time.time() - result["built_at"], time.time() - result["saved_at"])
        return data

    def _stderr(self) -> str:
        try:
            return self.errors.read_bytes().decode(errors="replace")[-500:]
        except OSError as exc:
            return str(exc)

    def _send(self, line: str) -> bool:
        assert self.proc is not None and self.proc.stdin is not None
        try:
            self.proc.stdin.write(line.encode() + b"\n")
            self.proc.stdin.flush()
        except OSError:  # it ended (failed to start, or killed)
            return False
        return True

    def stop(self) -> None:
        """End the builder if it still runs (the import declined, failed or is done with it)."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
        proc.communicate()

