"""The search index of a bulk import, built beside the import and saved with it.

A bulk import of a large catalog (kiosk.import_parallel) ends with a
serial tail in the importer's process (the copy of the last part, the
catalog's indexes, the commit) while the other core has nothing to do. The
first search after it used to build the in-memory search index from the
committed catalog (reading it back, tokenising every product: ~1.7 s for
200,000 variants). Here an **index builder process** builds that index
during the tail instead, from what the import workers staged:

* each worker writes, beside its staging file, the search index's row of
  each of its products (``kiosk.search.loader.product_rows``: exactly what
  ``load_products`` will read back from the committed catalog), with the
  category as the path the file gives;
* once every part is staged, the importer creates the last categories and
  sends the builder the category tree and the path -> id map
  (:meth:`IndexBuilder.build`); the builder makes the
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

Run as ``python -m kiosk.import_index IMPORTER_PID OUT`` by the importer
only; it reads the name of its request (a JSON file) as a line on stdin
and writes the pickle to ``OUT``.
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


# ------------------------------------------------------------ builder process


def build_index(search_files: list[Path], categories: list[list[Any]], category_ids: dict[str, str],
                order: list[str] | None = None) -> Any:
    """The index ``SearchEngine`` would build from the catalog once the staged products are in it.

    Args:
        search_files: The workers' search rows (see
            ``kiosk.import_parallel.search_file``), in part order.
        categories: Every row of the catalog's ``categories`` table as
            ``load_categories`` reads it, after the import created its own.
        category_ids: The file's category paths (JSON) -> category id.
        order: The products' ids in the catalog table's order, when it is
            not the file's (a file merged into a catalog that had them).

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
    for path in search_files:
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


def _builder_main() -> int:
    import gc

    from kiosk.search.snapshot import dump_snapshot

    die_with_parent(int(sys.argv[1]))
    gc.disable()  # a few hundred thousand objects, no cycles (see kiosk.importer)
    # The index's modules are imported while the import is still staging
    # (~25 ms that were spent after the request, on the import's last stretch).
    import kiosk.search.inverted
    import kiosk.search.loader  # noqa: F401

    cpu = {"start": time.process_time()}
    # The request is a file; stdin only says where (see IndexBuilder.build).
    request = json.loads(Path(sys.stdin.readline().strip()).read_bytes())
    started = time.process_time()
    index = build_index([Path(p) for p in request["search_files"]], request["categories"],
                        request["category_ids"], request.get("order"))
    cpu["build"] = time.process_time() - started
    built_at = time.time()
    started = time.process_time()
    _, data = dump_snapshot(index)  # without the generation: the importer saves it with the one it logs
    Path(sys.argv[2]).write_bytes(data)
    cpu["save"] = time.process_time() - started
    sys.stdout.write(json.dumps({"ok": True, "bytes": len(data), "products": index.live_count,
                                 "cpu": {k: round(v, 3) for k, v in cpu.items()},
                                 "built_at": built_at, "saved_at": time.time()}))
    return 0


# ------------------------------------------------------------ importer side


class IndexBuilder:
    """The importer's handle on a builder process (started at once, idle until :meth:`build`)."""

    def __init__(self, env: dict[str, str], out: Path) -> None:
        """Start the builder.

        Args:
            env: The environment the import workers get (finds this package).
            out: Where the builder writes the pickled index.
        """
        self.out = out
        self.proc: subprocess.Popen[bytes] | None = subprocess.Popen(
            [sys.executable, "-m", "kiosk.import_index", str(os.getpid()), str(out)], env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
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
                _log.warning("search index not saved with the import: %s",
                             self.proc.communicate()[1].decode(errors="replace")[-500:])
            return None
        started = time.perf_counter()
        try:
            stdout, stderr = self.proc.communicate(timeout=timeout)
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
            _log.warning("search index not saved with the import: %s", stderr.decode(errors="replace")[-500:])
            return None
        _log.info("search index built beside the import (%.1f MB, waited %.2f s; builder CPU s: %s; "
                  "built %.2f s, pickled %.2f s ago)", len(data) / 1e6, waited, result.get("cpu"),
                  time.time() - result["built_at"], time.time() - result["saved_at"])
        return data

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


if __name__ == "__main__":
    sys.exit(_builder_main())
