"""The bulk path of an import: a large clean JSONL or CSV file, on every core.

Importing a big catalog (200,000 variants) the ordinary way spends most of
its time in Python (decoding, validating, building rows) and the rest in
SQLite's B-trees. This path splits that work:

* **worker processes** (one per core, ``python -m kiosk.import_parallel``)
  each read one part of the file, validate every product with the same
  rules as :func:`kiosk.records.parse_product` (column by column over
  chunks of products, :mod:`kiosk.records_fast`; anything unusual goes
  through ``parse_product`` itself), and write plain rows into their own
  *staging* SQLite file (no indexes, no journal, nothing shared);
* the **importer's process** brings the staged rows into the catalog in
  SQL, inside its one transaction: a C-level copy, no Python per row.

  - Into an **empty catalog** (a kiosk's first import) the importer
    validates the first part itself while the workers stage the others,
    and writes its variants and barcodes straight into the catalog
    (:class:`_DirectStager`: written once, never staged and copied); each
    worker's part is copied with ``INSERT ... SELECT`` as soon as its
    worker is done. Variants and barcodes arrive sorted by key, so the
    id/SKU/code indexes fill in ordered sweeps; the non-unique secondary
    indexes are dropped first and rebuilt after the copy (their
    definitions are read back from the schema: the database ends with
    exactly the schema it had). If nobody else has the database open, that
    one transaction goes through a rollback journal instead of the WAL
    (:class:`_RollbackJournal`: the new pages are written once).
  - Into a **full catalog** (the nightly re-import) the file is merged:
    SKUs, variant ids and barcodes owned by products outside the file are
    looked for in SQL, products are upserted, and only the variants,
    barcodes, images and tags that changed are deleted and inserted.

It only ever *succeeds or declines*. Anything unusual makes it give up
before the catalog is touched (or roll back), and the importer then runs
its ordinary path, which finds and words every problem (file, line,
field, why): a record that fails validation, bad JSON, a CSV row with
errors, a product id / SKU / variant id / barcode used twice in the file
(the catalog's unique indexes refuse the copy), a code that belongs to a
product not in the file, a CSV file that cannot be split at a row
boundary. So the guarantees are the ordinary path's: one transaction,
nothing changed on error, the search index hook called before commit, and
a kiosk killed mid-import loses nothing (its workers end with it).

``KIOSK_IMPORT_WORKERS`` sets the number of parts, one per core (``0``:
never take this path; a first import's first part is the importer's own);
by default files from :data:`MIN_BYTES` up use one per core.
"""

from __future__ import annotations

import codecs
import contextlib
import json
import logging
import os
import select
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timezone
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.import_index import IndexBuilder, die_with_parent
from kiosk.records import FORMAT_NAME, ProductRecord, RecordError, parse_product
from kiosk.records_fast import VARIANT_COLUMNS

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

_log = logging.getLogger(__name__)

#: Files smaller than this take the ordinary path (starting workers costs ~0.1 s).
MIN_BYTES = 8 * 1024 * 1024
#: Formats a file can be split in (a JSON document is one value).
SPLITTABLE = ("jsonl", "csv")
#: Page cache of the copy (KiB).
_COPY_CACHE_KIB = 256 * 1024
#: The catalog's non-unique secondary indexes, rebuilt after a bulk copy.
_DEFERRED_INDEXES = ("ix_products_category_id", "ix_variants_product_position", "ix_barcodes_variant_id")

# Staging tables: columns in the order the catalog tables take them (see
# kiosk.catalog_store: _write_products, _write_children). ``cat`` is the
# category path as JSON (resolved to a category id by the importer);
# ``updated_at`` is NULL when the source gave no time; ``variant_count``
# is the product's number of variants.
_STAGE_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS products (id, name, brand, description, cat, online_url, platform_product_id, "
    "featured, updated_at, variant_count)",
    "CREATE TABLE IF NOT EXISTS variants (id, product_id, sku, title, options, position, price_minor, "
    "compare_at_minor, currency, stock_store, online_available, aisle, bay, platform_variant_id, image_url, code)",
    # The second and later barcodes of a variant (its first is in ``variants.code``).
    "CREATE TABLE IF NOT EXISTS barcodes (code, variant_id)",
    "CREATE TABLE IF NOT EXISTS images (product_id, position, url, alt)",
    "CREATE TABLE IF NOT EXISTS tags (product_id, tag)",
)
_STAGE_INSERTS = {
    "products": "INSERT INTO products VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "variants": f"INSERT INTO variants VALUES ({', '.join('?' * 16)})",
    "barcodes": "INSERT INTO barcodes VALUES (?, ?)",
    "images": "INSERT INTO images VALUES (?, ?, ?, ?)",
    "tags": "INSERT INTO tags VALUES (?, ?)",
}
# Products staged per executemany round.
_STAGE_BATCH = 2000
# Parts per worker (at most _MAX_PARTS: SQLite attaches 10 databases at most).
# Two (a worker starts on its next part while the importer copies a finished
# one) measured 0.5 s slower with one core taken by another process, for a
# modelled 0.2 s gain on two free cores: one.
_PARTS_PER_WORKER = 1
_MAX_PARTS = 8
# A first import (empty catalog): the importer validates the first part
# itself, writing its variants and barcodes straight into the catalog
# (_DirectStager), while the workers stage the others. Its share of the file
# with two workers' worth of parts: the importer's part costs a copy more
# than a worker's (its rows go into the catalog's indexes) and the workers
# a process start-up more, so that both end at about the same time.
_OWN_SHARE = 0.47
# Variant rows a worker holds to write as one sorted run.
_SORTED_RUN = 300_000
# JSONL lines validated together, column by column (a chunk with anything
# unusual in it is taken line by line).
_CHUNK_LINES = 100


class Decline(Exception):
    """The bulk path does not apply; the ordinary path will import (and explain) the file."""


# ------------------------------------------------------------------ worker side


@dataclass(frozen=True, slots=True)
class Part:
    """One worker's share of a file.

    Attributes:
        start: Byte offset where the part starts (0, or just after a newline).
        end: Byte offset where it ends (exclusive); a CSV part reads on
            past it to the end of the product there (the next part skips
            that product).
        first: True for the part that starts at the top of the file.
        last: True for the part that runs to the end of the file.
        boundary_line: CSV: the line at ``end`` counted from the part's own
            first line (1), which the part checks is a row start.
    """

    start: int
    end: int
    first: bool
    last: bool
    boundary_line: int = 0


class _Stager:
    """Validated products -> rows in a staging SQLite file (and, if asked, the search index's rows beside it)."""

    def __init__(self, out: Path, search: bool = False) -> None:
        self.db = sqlite3.connect(out, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute("PRAGMA busy_timeout=60000")
        for sql in _STAGE_SCHEMA:
            self.db.execute(sql)
        self.db.execute("BEGIN")
        self._start(out, search, dict(_STAGE_INSERTS))

    def _start(self, out: Path, search: bool, inserts: dict[str, str]) -> None:
        from kiosk.records_fast import RowSink

        self.inserts = inserts
        self.sink = RowSink()
        self._flushed_at = 0
        self._variants_at = 0  # sink.variants of products not flushed yet start here
        # What the search index needs of each product, for kiosk.import_index
        # (made here, where the rows are in memory, on every core), written
        # as one marshal object at the end: read back with one ``loads``
        # (``marshal.load`` from a file reads each value of each row
        # through a call of its own: 0.1 s per 10,000 products).
        self.search = search_file(out) if search else None
        self._search_rows: list[Any] = []  # tuples, or ProductRow objects if kept
        # The index builder's own part (see _worker_main): its rows stay here
        # as ProductRow objects, never written.
        self.keep_search_rows = False

    @property
    def products(self) -> int:
        return self.sink.product_count

    @property
    def variants(self) -> int:
        return self.sink.variant_count

    def add(self, rec: ProductRecord) -> None:
        self.sink.add_record(rec)
        self.maybe_flush()

    def add_lines(self, lines: list[bytes]) -> bool:
        done = self.sink.add_lines(lines)
        self.maybe_flush()
        return done

    def add_objects(self, objs: list[Any]) -> None:
        """Products as decoded objects: column by column, else one by one through parse_product."""
        if objs and not self.sink.add_objects(objs):
            for obj in objs:
                self.sink.add_record(parse_product(obj))
        self.maybe_flush()

    def maybe_flush(self) -> None:
        if self.sink.product_count - self._flushed_at >= _STAGE_BATCH:
            self.flush()

    def flush(self) -> None:
        sink = self.sink
        if self.search is not None:
            self._stage_search_rows()
        for name, rows in (("products", sink.products), ("images", sink.images), ("tags", sink.tags)):
            if rows:
                self.db.executemany(self.inserts[name], rows)
            rows.clear()
        # Variants and barcodes are written sorted by their key at the end:
        # the copy then fills the catalog's id/SKU/code indexes in a few
        # ordered sweeps instead of 200,000 random inserts. (Products keep
        # the file's order.)
        if len(sink.variants) >= _SORTED_RUN:
            self.flush_sorted()
        self._flushed_at = sink.product_count
        self._variants_at = len(sink.variants)

    def _stage_search_rows(self) -> None:
        """The products about to be flushed as ``loader.product_rows`` tuples (category: its path as JSON)."""
        from dataclasses import fields

        from kiosk.search.loader import ProductRow, product_rows

        sink = self.sink
        rows = product_rows(sink.products, sink.variants[self._variants_at:], sink.images, sink.tags,
                            product_columns=_STAGED_PRODUCT, variant_columns=_STAGED_VARIANT,
                            image_columns=_STAGED_IMAGE)
        if self.keep_search_rows:  # for this process's own index build: as they are
            self._search_rows.extend(rows)
            return
        # Plain tuples in field order (marshal: fast, and it cannot run code when read back).
        as_tuple = attrgetter(*(f.name for f in fields(ProductRow)))
        self._search_rows.extend(map(as_tuple, rows))

    def flush_sorted(self) -> None:
        sink = self.sink
        for name, rows in (("variants", sink.variants), ("barcodes", sink.barcodes)):
            if rows:
                rows.sort()
                self.db.executemany(self.inserts[name], rows)
            rows.clear()

    def close(self) -> None:
        try:
            self.flush()
            self.flush_sorted()
            self.db.execute("COMMIT")
            self.write_search_rows()
        finally:
            self.db.close()

    def write_search_rows(self) -> None:
        if self.search is not None and not self.keep_search_rows:
            import marshal

            # Version 2: without the back-references of versions 3-4, which
            # look every object up in a table as it is written (20,000
            # products' rows: 0.05 s instead of 0.10; read back as fast).
            self.search.write_bytes(marshal.dumps(self._search_rows, 2))


class _DirectStager(_Stager):
    """The importer's own part of a first import: variants and barcodes written once, straight into the catalog.

    A worker's part is written twice: into its staging file, then copied
    into the catalog (0.3-0.6 s per 100,000 variants, in the importer's
    serial tail after the workers). The part the importer validates itself,
    while the workers stage theirs, goes into the catalog's ``variants`` and
    ``barcodes`` as it is validated, inside the import's transaction and in
    the same order as a copy of it would (sorted by key; each variant's
    first code, then the other codes). Its products, images and tags (a
    tenth of the rows) go to staging tables of the importer's connection
    (an in-memory database attached as ``schema``) and take the staged
    path from there: categories in the ordinary path's batches, products
    in file order.
    """

    def __init__(self, raw: Any, schema: str, out: Path, search: bool) -> None:
        from kiosk.records_fast import VARIANT_COLUMNS as COLUMNS

        self.db = raw
        inserts = {name: sql.replace("INSERT INTO ", f"INSERT INTO {schema}.", 1)
                   for name, sql in _STAGE_INSERTS.items()}
        inserts["variants"] = (f"INSERT INTO main.variants ({', '.join(COLUMNS)}) "
                               f"VALUES ({', '.join('?' * len(COLUMNS))})")
        self._start(out, search, inserts)
        self._later_codes: list[tuple[str, str]] = []  # second and later codes, after every first code

    def flush_sorted(self) -> None:
        sink = self.sink
        rows = sink.variants
        if rows:
            rows.sort()
            width = len(_STAGED_VARIANT) - 1  # the staged row ends with the variant's first code
            self.db.executemany(self.inserts["variants"], [row[:width] for row in rows])
            self.db.executemany("INSERT INTO main.barcodes (code, variant_id) VALUES (?, ?)",
                                [(row[width], row[0]) for row in rows if row[width] is not None])
            rows.clear()
        if sink.barcodes:
            sink.barcodes.sort()
            self._later_codes.extend(sink.barcodes)
            sink.barcodes.clear()

    def close(self) -> None:
        """Write what is left (the importer's transaction stays open) and the search rows."""
        self.flush()
        self.flush_sorted()
        if self._later_codes:
            self.db.executemany("INSERT INTO main.barcodes (code, variant_id) VALUES (?, ?)", self._later_codes)
        self.write_search_rows()


def search_file(out: Path) -> Path:
    """Where the worker staging ``out`` puts the search index's rows of its products."""
    return out.with_suffix(".search")


def index_file(out: Path) -> Path:
    """Where the index builder (the worker staging ``out``) writes the pickled index."""
    return out.parent / "search-index.pickle"


# The catalog columns of the staged rows (see _STAGE_SCHEMA; a product's ``cat``
# stands where its category id will be).
_STAGED_PRODUCT = ("id", "name", "brand", "description", "category_id", "online_url", "platform_product_id",
                   "featured", "updated_at", "variant_count")
_STAGED_VARIANT = (*VARIANT_COLUMNS, "code")
_STAGED_IMAGE = ("product_id", "position", "url", "alt")


def _jsonl_lines(path: Path, part: Part) -> list[bytes]:
    with open(path, "rb") as fh:
        fh.seek(part.start)
        data = fh.read(part.end - part.start)
    if part.first and data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    # JSON strings cannot hold a raw line break, so every "\n" ends a record.
    # The ordinary reader also ends a line at a lone "\r"; leave such a file
    # to it rather than read its lines differently.
    if b"\r" in data and b"\r" in data.replace(b"\r\n", b""):
        raise Decline("lines end in a lone carriage return")
    return [line for line in data.split(b"\n") if line.strip()]


def _jsonl_record(line: bytes) -> ProductRecord:
    """One line the chunk path declined: the msgspec path, else the ordinary reader's rules."""
    from kiosk.records_fast import decode_product

    rec = decode_product(line)  # msgspec validates the UTF-8 too
    if rec is not None:
        return rec
    try:
        text = line.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise Decline("not UTF-8") from None
    try:
        obj = json.loads(text)
    except ValueError:
        raise Decline("bad JSON") from None
    if isinstance(obj, dict) and obj.get("format") == FORMAT_NAME:
        raise Decline("a JSON catalog document")
    return parse_product(obj)


def _stage_jsonl(path: Path, part: Part, stager: _Stager) -> None:
    lines = _jsonl_lines(path, part)
    for i in range(0, len(lines), _CHUNK_LINES):
        chunk = lines[i:i + _CHUNK_LINES]
        if not stager.add_lines(chunk):
            for line in chunk:
                stager.add(_jsonl_record(line))


def _csv_objects(path: Path, part: Part, warnings: list[str]) -> Iterator[Any]:
    from kiosk.catalog_readers import FileProblem, SourceIssue, _csv_rows, _Group, _add_row, _row_pid

    def groups(rows: Iterator[tuple[int, Any, list[str]]]) -> Iterator[_Group]:
        # A part reads on past its end to the end of the product there (the
        # next part skips its first product for that reason). Its end must
        # be a row start, or the next part read the file out of step.
        group: _Group | None = None
        done: set[str] = set()
        boundary_pid: str | None = None
        for line, header, cells in rows:
            pid = _row_pid(line, cells, header)
            if isinstance(pid, SourceIssue):
                raise Decline(pid.message)
            if not part.last and line >= part.boundary_line:
                if boundary_pid is None:
                    if line != part.boundary_line:
                        raise Decline("the split point is inside a quoted cell")
                    boundary_pid = pid
                elif pid != boundary_pid:
                    break
            if group is None or pid != group.pid:
                if group is not None:
                    done.add(group.pid)
                    yield group
                if pid in done:
                    raise Decline("rows of a product are not next to each other")
                group = _Group(pid, line)
            _add_row(group, header, cells, line)
        else:
            if not part.last and boundary_pid is None:
                raise Decline("the split point was not reached")
        if group is not None:
            yield group

    try:
        rows = _csv_rows(path, warnings if part.first else [], start=None if part.first else part.start)
        skip_first = not part.first
        for group in groups(rows):
            if skip_first:
                skip_first = False  # the previous part read it
                continue
            yield group.source()
    except FileProblem as problem:
        raise Decline(problem.message) from None
    except UnicodeDecodeError:
        raise Decline("not UTF-8") from None


def stage_part(path: Path, fmt: str, part: Part, out: Path, search: bool = False,
               held: list[Any] | None = None) -> dict[str, Any]:
    """Validate one part of a catalog file and stage its rows in ``out``.

    With ``search``, the search index's rows of its products go to
    :func:`search_file` too (for the import's search index, which
    kiosk.import_index builds while the importer copies), or, given
    ``held``, into that list instead, as ``ProductRow`` objects (the
    builder's own part).

    Returns:
        ``{"ok": True, "products": n, "variants": m, "warnings": [...]}``, or
        ``{"ok": False, "why": "..."}`` at the first thing the bulk path
        does not handle (the ordinary path then reports it properly).
    """
    import gc

    gc.disable()  # many short-lived objects, no cycles (see kiosk.importer)
    stager = _Stager(out, search)
    stager.keep_search_rows = held is not None
    try:
        warnings = _stage(path, fmt, part, stager)
    except (Decline, RecordError) as exc:
        return {"ok": False, "why": str(exc)}
    finally:
        stager.close()
        if held is not None:
            held.extend(stager._search_rows)
    return {"ok": True, "products": stager.products, "variants": stager.variants, "warnings": warnings}


def _stage(path: Path, fmt: str, part: Part, stager: _Stager) -> list[str]:
    """Validate one part into ``stager``; returns the reader's warnings (raises Decline / RecordError)."""
    warnings: list[str] = []
    if fmt == "jsonl":
        _stage_jsonl(path, part, stager)
    else:
        chunk: list[Any] = []
        for src in _csv_objects(path, part, warnings):
            if src.row_errors:
                raise Decline("a row with errors")
            chunk.append(src.obj)
            if len(chunk) >= _CHUNK_LINES:
                stager.add_objects(chunk)
                chunk = []
        stager.add_objects(chunk)
    return warnings


def _worker_main(argv: list[str]) -> int:
    args = json.loads(argv[0])
    die_with_parent(args["parent"])
    part = Part(**args["part"])
    out = Path(args["out"])
    # The last part's worker goes on as the import's index builder
    # (kiosk.import_index): its own products' search rows stay in memory.
    builds = bool(args.get("builds"))
    held: list[Any] | None = [] if builds else None
    result = stage_part(Path(args["path"]), args["format"], part, out, args.get("search", False), held)
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()
    if held is None or not result["ok"]:
        return 0
    from kiosk.import_index import serve_request

    # The index's modules, while the importer reads the result and makes
    # the last categories (the request comes after that).
    import kiosk.search.inverted  # noqa: F401

    return serve_request(index_file(out), {str(search_file(out)): held})


# ---------------------------------------------------------------- importer side


def split(path: Path, fmt: str, parts: int, first: float = 0.0) -> list[Part]:
    """Cut a file into ``parts`` byte ranges that start at a line start.

    A CSV cut goes to the next line start with an even number of quote
    characters before it, i.e. not inside a quoted cell (descriptions
    often hold line breaks); the first worker still checks that a row
    starts there, since a stray quote inside an unquoted cell fools the
    count.

    Args:
        path: The file.
        fmt: ``"jsonl"`` or ``"csv"``.
        parts: How many parts (fewer if the file has too few lines).
        first: The first part's share of the file (the others are equal);
            0: every part equal.
    """
    size = path.stat().st_size
    cuts = [0]
    boundary = [0]
    with open(path, "rb") as fh:
        pos = quotes = lines = 0
        for k in range(1, parts):
            if first:
                target = max(int(size * (first + (1 - first) * (k - 1) / (parts - 1))), pos)
            else:
                target = max(int(size * k / parts), pos)
            if fmt != "csv":
                # A JSON line holds no raw line break: the cut is the next
                # line start, and nothing before it need be read (counting
                # the 35 MB before a 200k catalog's cut cost 0.08 s, before
                # any worker could start).
                fh.seek(target)
                pos = target + len(fh.readline())
            else:
                skipped = fh.read(target - pos)
                pos = target
                quotes += skipped.count(b'"')
                lines += skipped.count(b"\n")
                while True:
                    line = fh.readline()  # to the next line start
                    pos += len(line)
                    lines += 1
                    quotes += line.count(b'"')
                    if not line or quotes % 2 == 0:
                        break
            if pos >= size:
                break
            cuts.append(pos)
            # The line at the cut, counted from the part's own first line.
            boundary.append(lines + 1)
            lines = 0
    cuts.append(size)
    boundary.append(0)
    return [Part(cuts[i], cuts[i + 1], i == 0, i == len(cuts) - 2, boundary[i + 1] if fmt == "csv" else 0)
            for i in range(len(cuts) - 1)]


class _Workers:
    """Worker processes for the parts of a file, at most ``slots`` running at a time, started in part order.

    With ``search`` the workers also stage the search index's rows, and the
    last part's worker, once its part is staged, goes on as the index
    builder (:meth:`index_builder`; kiosk.import_index).
    """

    def __init__(self, path: Path, fmt: str, parts: list[Part], outs: list[Path], slots: int,
                 search: bool = False) -> None:
        self.env = dict(os.environ)
        # The workers import this package from where this process found it.
        root = str(Path(__file__).resolve().parents[1])
        self.env["PYTHONPATH"] = root + (os.pathsep + self.env["PYTHONPATH"] if self.env.get("PYTHONPATH") else "")
        self.search = search
        self.search_files = [search_file(out) for out in outs]
        self.builder_out = index_file(outs[-1])
        self.builder_errors = outs[-1].parent / "index-builder.err"
        self.args = [json.dumps({"path": str(path), "format": fmt, "out": str(out), "parent": os.getpid(),
                                 "search": search, "builds": search and i == len(parts) - 1,
                                 "part": {"start": part.start, "end": part.end, "first": part.first,
                                          "last": part.last, "boundary_line": part.boundary_line}})
                     for i, (part, out) in enumerate(zip(parts, outs))]
        self.procs: list[subprocess.Popen[bytes]] = []
        self.slots = slots
        self._top_up(0)

    def _builds(self, i: int) -> bool:
        return self.search and i == len(self.args) - 1

    def _top_up(self, done: int) -> None:
        while len(self.procs) < len(self.args) and len(self.procs) - done < self.slots:
            i = len(self.procs)
            cmd = [sys.executable, "-m", "kiosk.import_parallel", self.args[i]]
            if not self._builds(i):
                self.procs.append(subprocess.Popen(cmd, env=self.env, stdout=subprocess.PIPE,
                                                   stderr=subprocess.PIPE))
                continue
            # The builder: its result line is read while it runs on (no
            # buffer in this process holds back what follows it), its
            # request comes on stdin, and its stderr goes to a file.
            with open(self.builder_errors, "wb") as errors:
                self.procs.append(subprocess.Popen(cmd, env=self.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                                   stderr=errors, bufsize=0))

    def index_builder(self) -> IndexBuilder | None:
        """The last part's worker as the search index's builder (None without ``search``, or not started)."""
        last = len(self.args) - 1
        if not self._builds(last) or last >= len(self.procs):
            return None
        return IndexBuilder(self.procs[last], self.builder_out, self.builder_errors)

    def finished(self, i: int) -> bool:
        """True if part ``i``'s worker is done (:meth:`result` will not wait)."""
        if i >= len(self.procs):
            return False
        proc = self.procs[i]
        if proc.poll() is not None:
            return True
        if not self._builds(i) or not hasattr(select, "poll"):
            return False
        # The builder runs on after its part: done once its result line is there.
        assert proc.stdout is not None
        poller = select.poll()
        poller.register(proc.stdout, select.POLLIN)
        return bool(poller.poll(0))

    def result(self, i: int) -> dict[str, Any]:
        """Wait for part ``i`` (in order) and start the next part's worker in its slot."""
        proc = self.procs[i]
        if self._builds(i):
            assert proc.stdout is not None
            line = proc.stdout.readline()  # unbuffered: the rest stays in the pipe for the builder's result
            # A line is its part's result, whatever the builder does next; no line: it died.
            result = _parsed(line or None, None if line else proc.wait(), self.builder_errors.read_bytes)
        else:
            stdout, stderr = proc.communicate()
            result = _parsed(stdout, proc.returncode, lambda: stderr)
        self._top_up(i + 1)
        return result

    def stop(self) -> None:
        """End the workers still running (after a decline their work is not needed)."""
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
            proc.communicate()


def _parsed(stdout: bytes | None, returncode: int | None, stderr: Callable[[], bytes]) -> dict[str, Any]:
    """A worker's result; raises :class:`Decline` unless it staged its whole part."""
    try:
        result = json.loads(stdout) if stdout is not None and returncode in (0, None) else None
    except ValueError:
        result = None
    if result is None:
        raise Decline(f"worker failed: {stderr().decode(errors='replace')[-500:]}")
    if not result["ok"]:
        raise Decline(result["why"])
    return result


def workers_for(path: Path, fmt: str) -> int:
    """How many workers to split ``path`` over (0: take the ordinary path)."""
    if fmt not in SPLITTABLE or os.environ.get("KIOSK_IMPORT_WORKERS") == "0":
        return 0
    if getattr(sys, "frozen", False):
        return 0  # a packaged app's executable is the app, not a Python to run workers with
    wanted = os.environ.get("KIOSK_IMPORT_WORKERS", "")
    if wanted.isdigit():
        return int(wanted)  # set by hand (or a test): any file size
    try:
        if path.stat().st_size < MIN_BYTES:
            return 0
    except OSError:
        return 0
    return max(1, min(os.cpu_count() or 1, 4))


def _remove_stale_staging() -> None:
    """Delete staging files left by an import that was killed (its process is gone)."""
    import shutil

    for stale in Path(tempfile.gettempdir()).glob("kiosk-import-*-*"):
        pid = stale.name.split("-")[2]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists() and Path("/proc/self").exists():
            shutil.rmtree(stale, ignore_errors=True)


class _RollbackJournal:
    """A first import's one transaction with a rollback journal instead of the WAL, when nobody else has the file.

    Into an empty catalog nearly every page the import writes is new (past
    the file's end before the transaction), and SQLite journals only the
    pages that existed: the few it changes (the schema page, the empty
    tables' roots) go to ``-journal``, the rest is written once, into the
    database file, at commit. Through the WAL each page was written twice
    (into the WAL at commit, then into the file by the checkpoint the
    commit runs): 0.36-0.42 s against 0.14-0.16 s to commit 200,000
    variants here. ``synchronous=FULL`` for that transaction (the journal
    reaches the disk before the file is overwritten), so a kiosk killed or
    losing power mid-import still finds the catalog as it was (the next
    connection rolls the hot journal back) or the import whole.

    SQLite lets a connection leave WAL only when no other connection has
    the file open, and says so (``SQLITE_BUSY``, at once with no busy
    timeout): then the import stays on the WAL and readers beside it see
    the old catalog as always. A connection opened *during* the import
    (``kiosk.db.apply_sqlite_pragmas``) reads as in rollback mode (the old
    catalog until the commit, which holds readers off for its ~0.15 s) and
    follows the file back to WAL when the import ends here.
    """

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.active = False
        self._synchronous = 1

    def begin(self) -> bool:
        """Leave WAL for the transaction about to begin; False (nothing changed) if another connection is open."""
        raw = self.raw
        busy = int(raw.execute("PRAGMA busy_timeout").fetchone()[0])
        self._synchronous = int(raw.execute("PRAGMA main.synchronous").fetchone()[0])
        raw.execute("PRAGMA busy_timeout=0")  # a reader is there now or not: no waiting
        try:
            mode = raw.execute("PRAGMA main.journal_mode=DELETE").fetchone()[0]
        except sqlite3.OperationalError as exc:
            _log.info("first import through the WAL: %s (another connection has the catalog open)", exc)
            return False
        finally:
            raw.execute(f"PRAGMA busy_timeout={busy}")
        if str(mode).lower() != "delete":
            return False
        self.active = True
        raw.execute("PRAGMA main.synchronous=FULL")
        return True

    def end(self) -> None:
        """Back to WAL once the transaction is over (committed or not); again is a no-op."""
        if not self.active:
            return
        self.active = False
        raw = self.raw
        raw.execute(f"PRAGMA main.synchronous={self._synchronous}")
        try:  # waits (busy timeout) for a reader that opened meanwhile to finish its read
            raw.execute("PRAGMA main.journal_mode=WAL")
        except sqlite3.OperationalError as exc:
            # Every kiosk connection asks for WAL when it opens; the next one will.
            _log.warning("catalog left in rollback-journal mode after the import: %s", exc)


def _catalog_is_empty(raw: Any) -> bool:
    return not any(raw.execute(f"SELECT EXISTS (SELECT 1 FROM {t})").fetchone()[0]
                   for t in ("products", "variants", "barcodes", "product_images", "product_tags"))


def bulk_import(engine: Engine, path: Path, fmt: str, workers: int,
                on_written: Callable[[int, int, list[str]], None]) -> bool:
    """Import a clean file through worker processes.

    Each part is copied as soon as its worker is done, while the search
    index is built beside the import (kiosk.import_index).

    Args:
        engine: The kiosk database.
        path: The catalog file (JSONL or CSV).
        fmt: ``"jsonl"`` or ``"csv"``.
        workers: How many parts to split the file into.
        on_written: Called inside the transaction, before the search index
            update and the commit, with (products, variants, warnings).

    Returns:
        True when the file was imported and committed; False when the bulk
        path declined and nothing was changed (take the ordinary path).
    """
    # This engine's idle pooled connections (the one that ran the migrations
    # of a new database, say) keep the file open and would keep a first
    # import off its rollback journal (_RollbackJournal): closed, made anew
    # when next needed. Connections in use elsewhere are left alone.
    if getattr(engine.pool, "checkedin", lambda: 0)():
        engine.dispose(close=True)
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        _remove_stale_staging()
        try:
            staging = tempfile.TemporaryDirectory(prefix=f"kiosk-import-{os.getpid()}-", ignore_cleanup_errors=True)
        except OSError as exc:  # no room for staging files: the ordinary path needs none
            _log.info("bulk import declined: %s", exc)
            return False
        with staging as tmp_dir:
            try:
                # An empty catalog (a first import): the importer validates
                # the first part itself and writes its variants straight
                # into the catalog (_DirectStager) while workers stage the rest.
                first = _catalog_is_empty(raw)
                count = min(workers * _PARTS_PER_WORKER, _MAX_PARTS)
                own = first and count > 1
                parts = split(path, fmt, count, _OWN_SHARE * 2 / count if own else 0.0)
                own = own and len(parts) > 1
                outs = [Path(tmp_dir) / f"stage-{i}.sqlite3" for i in range(len(parts))]
                names = [f"stage{i}" for i in range(len(parts))]
                for out in outs[1:] if own else outs:
                    with contextlib.closing(sqlite3.connect(out)) as stage:
                        for sql in _STAGE_SCHEMA:
                            stage.execute(sql)
            except (OSError, sqlite3.Error) as exc:
                _log.info("bulk import declined: %s", exc)
                return False
            # A page cache that holds the indexes being filled: pages are
            # written to the WAL once at commit instead of spilled and
            # rewritten during the copy. Restored afterwards.
            cache_size = raw.execute("PRAGMA cache_size").fetchone()[0]
            raw.execute(f"PRAGMA cache_size={-_COPY_CACHE_KIB}")
            # Into an empty catalog every reference the copy writes is to a
            # row of the same file, staged with it (a variant's product, a
            # code's variant, a category's parent, made first): SQLite need
            # not look each one up (a fifth of the copy). The setting can
            # only change outside a transaction; a catalog no longer empty
            # once the transaction begins is declined (see _import_staged).
            foreign_keys = raw.execute("PRAGMA foreign_keys").fetchone()[0]
            # ATTACH is refused inside a transaction: attach every staging
            # file first, on the driver's connection (SQLAlchemy would begin
            # one). A file is read only once its worker has finished.
            attached = []
            pool: _Workers | None = None
            journal = _RollbackJournal(raw)
            try:
                try:
                    if first:
                        raw.execute("PRAGMA foreign_keys=OFF")
                        journal.begin()
                    for i, (name, out) in enumerate(zip(names, outs)):
                        # The importer's own part stages its few product rows in memory.
                        raw.execute(f"ATTACH DATABASE ? AS {name}", (":memory:" if own and i == 0 else str(out),))
                        attached.append(name)
                    if own:
                        for sql in _STAGE_SCHEMA:
                            raw.execute(sql.replace(" EXISTS ", f" EXISTS {names[0]}.", 1))
                    # The index is built beside the import (kiosk.import_index)
                    # when the file is the whole catalog once it is in.
                    pool = (_Workers(path, fmt, parts[1:], outs[1:], max(1, workers - 1), search=True) if own
                            else _Workers(path, fmt, parts, outs, workers, search=True))
                except (OSError, sqlite3.Error) as exc:  # e.g. no Python to start workers with
                    _log.info("bulk import declined: %s", exc)
                    return False
                return _import_staged(conn, names, pool, on_written, first, journal,
                                      (path, fmt, parts[0], outs[0]) if own else None)
            finally:
                journal.end()
                if pool is not None:
                    pool.stop()
                for name in attached:
                    raw.execute(f"DETACH DATABASE {name}")
                raw.execute(f"PRAGMA cache_size={int(cache_size)}")
                raw.execute(f"PRAGMA foreign_keys={int(foreign_keys)}")


def _import_staged(conn: Connection, names: list[str], pool: _Workers,
                   on_written: Callable[[int, int, list[str]], None], first: bool,
                   journal: _RollbackJournal, own: tuple[Path, str, Part, Path] | None = None) -> bool:
    """Copy each part as its worker finishes, in one transaction; False (rolled back) if anything declines.

    Into an empty catalog each part is copied as soon as its worker is done;
    into a full one the file is merged once every part is staged. With
    ``own`` (file, format, part, where its search rows go) the first part
    is the importer's: validated here, its variants and barcodes written
    straight into the catalog, while the pool's workers stage the others.
    """
    from sqlalchemy.exc import IntegrityError

    from kiosk.search.index import update_index
    from kiosk.search.snapshot import current_generation, store_snapshot

    trans = conn.begin()
    builder: IndexBuilder | None = None
    try:
        copier = _Copier(conn)
        empty = copier.start()
        if first and not empty:
            # Filled by another writer between the check and the transaction,
            # while foreign keys are off for a first import: not this path's case.
            raise Decline("the catalog is no longer empty")
        warnings: list[str] = []
        to_copy: list[str] = []
        shift = 0 if own is None else 1  # the pool's parts are names[shift:]
        search_files = ([] if own is None else [search_file(own[3])]) + pool.search_files
        for i, name in enumerate(names):
            if own is not None and i == 0:
                warnings.extend(_stage_own(copier, name, *own))
            else:
                warnings.extend(pool.result(i - shift)["warnings"])
            if pool.search and builder is None:
                # The last part's worker, which goes on as the builder once staged.
                builder = pool.index_builder()
            if not empty:
                continue
            copier.categories_of(name)
            to_copy.append(name)
            last = i == len(names) - 1
            if builder is not None and last:
                # Every category exists now: the index can be built while
                # the parts are copied and the indexes rebuilt.
                builder.build(search_files, *copier.categories())
            # Staged parts are copied while the next part is still being
            # validated, one at a time: once it is staged, its categories
            # come first (and, all parts staged, the builder starts) before
            # the remaining copies.
            while to_copy and (last or not pool.finished(i + 1 - shift)):
                copier.copy(to_copy.pop(0))
        if empty:
            copier.finish()
        else:
            def categories_made() -> None:
                # A file that now makes up the whole catalog (the nightly full
                # feed): its staged rows are the catalog's, in the table's order.
                nonlocal builder
                if builder is None:
                    return
                order = copier.product_order()
                if order is None:
                    builder.stop()
                    builder = None
                else:
                    builder.build(pool.search_files, *copier.categories(), order=order)

            copier.merge(names, categories_made)
        on_written(len(copier.ids), copier.variants, warnings)
        update_index(conn, copier.ids)
        raw = copier.raw
        generation = current_generation(raw)
        if empty:
            copier.rebuild_indexes()
        if builder is not None and builder.done():
            # Ready: saved in the import's own transaction.
            data = builder.snapshot()
            if data is not None:
                store_snapshot(raw, generation, data)
            builder.stop()
            builder = None
        trans.commit()
        if builder is not None:
            # Still building: it goes on through the commit (writing the
            # catalog), and is saved right after it, before the import
            # returns, if the catalog is still at this generation (with the
            # rollback journal still on: its ~9 MB written once, too).
            _save_index(builder, conn, generation)
        journal.end()
        return True
    except (Decline, IntegrityError, sqlite3.IntegrityError) as exc:
        # A worker declined, or a value is used twice in the file (the
        # catalog's unique indexes refused it): the ordinary path says where.
        _log.info("bulk import declined: %s", exc)
        trans.rollback()
        return False
    except BaseException:
        if trans.is_active:
            trans.rollback()
        raise
    finally:
        if builder is not None:
            builder.stop()


def _stage_own(copier: _Copier, name: str, path: Path, fmt: str, part: Part, out: Path) -> list[str]:
    """Validate the importer's own part: variants and barcodes into the catalog, the rest staged as ``name``."""
    stager = _DirectStager(copier.raw, name, out, search=True)
    try:
        warnings = _stage(path, fmt, part, stager)
        stager.close()
    except RecordError as exc:
        raise Decline(str(exc)) from None
    copier.direct.add(name)
    copier.variants += stager.variants
    return warnings


def _save_index(builder: IndexBuilder, conn: Connection, generation: int) -> None:
    """Save the builder's index for ``generation`` once it is done (the import has committed: nothing may fail)."""
    from kiosk.db import database_path
    from kiosk.search.snapshot import save_snapshot

    data = builder.snapshot()
    path = database_path(conn.engine)
    if data is None or path is None:
        return
    try:
        save_snapshot(path, generation, data)
    except sqlite3.Error as exc:  # e.g. another writer holds the lock: the first search builds
        _log.warning("search index built with the import not saved: %s", exc)


def _staged_codes(name: str) -> str:
    """The staged (code, variant_id) pairs of a part: each variant's first code, then the others."""
    return (f"SELECT code, id AS variant_id FROM {name}.variants WHERE code IS NOT NULL "
            f"UNION ALL SELECT code, variant_id FROM {name}.barcodes")


class _Copier:
    """Staged rows -> the (empty) catalog, part by part, inside the caller's transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.raw = conn.connection.driver_connection
        self.ids: list[str] = []
        self.variants = 0
        self.index_sql: list[str] = []
        self.names: list[str] = []
        self.now = ""
        self._known: dict[str, str] = {}  # category path (JSON) -> id
        self._batch: dict[str, tuple[str, ...]] = {}  # new paths of the batch being read
        self._batch_size = (0, 0)  # its products, variants
        self.direct: set[str] = set()  # parts whose variants and barcodes are in the catalog already
        self._categorised: set[str] = set()  # parts whose products were copied with their category ids

    def start(self) -> bool:
        """Take the write lock; True if the catalog is empty (then the deferred indexes are dropped)."""
        from kiosk.models import utcnow

        self.conn.exec_driver_sql("DELETE FROM categories WHERE 0")  # take the write lock first
        raw = self.raw
        raw.execute("CREATE TEMP TABLE import_categories (cat TEXT PRIMARY KEY, id TEXT NOT NULL)")
        # The text kiosk.models.UTCDateTime stores, for products without a time.
        self.now = utcnow().astimezone(timezone.utc).isoformat(timespec="microseconds")
        if not _catalog_is_empty(raw):
            return False
        self.index_sql = [sql for (sql,) in raw.execute(
            f"SELECT sql FROM main.sqlite_master WHERE type = 'index' AND name IN "
            f"({', '.join('?' * len(_DEFERRED_INDEXES))}) ORDER BY name", _DEFERRED_INDEXES)]
        for index in _DEFERRED_INDEXES:
            raw.execute(f"DROP INDEX IF EXISTS main.{index}")
        return True

    def merge(self, names: list[str], categories_made: Callable[[], None] | None = None) -> None:
        """Bring the file's products in a full catalog up to the file: only changed rows are touched.

        The same end state as the ordinary path's replace (a product's
        variants, barcodes, images and tags become the file's), found as
        set differences in SQL: an unchanged re-import reads and writes
        nothing but the products' rows. A SKU, variant id or barcode that
        belongs to a product not in the file declines (the ordinary path
        reports it).
        """
        raw = self.raw
        self.names = list(names)

        def staged(table: str) -> str:
            return "(" + " UNION ALL ".join(f"SELECT * FROM {name}.{table}" for name in names) + ")"

        sp, si, st = (staged(t) for t in ("products", "images", "tags"))
        raw.execute("CREATE TEMP TABLE import_ids (id TEXT PRIMARY KEY)")
        try:
            raw.execute(f"INSERT INTO temp.import_ids SELECT id FROM {sp}")
        except sqlite3.IntegrityError:
            raise Decline("a product appears twice in the file") from None
        mine = "(SELECT id FROM temp.import_ids)"
        # First what the file leaves as it is: staged variants identical to
        # the catalog's row, staged codes on the same variant. Part by part
        # (a UNION ALL of the parts would be copied first); the staged rows
        # probe the catalog's primary keys in key order.
        same = " AND ".join(f"m.{c} IS s.{c}" for c in VARIANT_COLUMNS[1:])
        raw.execute("CREATE TEMP TABLE import_same (id TEXT PRIMARY KEY)")
        raw.execute("CREATE TEMP TABLE import_same_codes (code TEXT PRIMARY KEY)")
        for name in names:
            raw.execute(f"INSERT INTO temp.import_same SELECT s.id FROM {name}.variants AS s "
                        f"JOIN main.variants AS m ON m.id = s.id WHERE {same}")
            raw.execute(f"INSERT INTO temp.import_same_codes SELECT s.code FROM ({_staged_codes(name)}) AS s "
                        "JOIN main.barcodes AS b ON b.code = s.code WHERE b.variant_id = s.variant_id")
        # A SKU, variant id or code of another product (not in the file) is
        # the ordinary path's error to report; unchanged rows cannot be one.
        for name in names:
            for check in (
                    f"SELECT 1 FROM {name}.variants AS s JOIN main.variants AS m ON m.sku = s.sku "
                    f"WHERE s.id NOT IN (SELECT id FROM temp.import_same) AND m.product_id NOT IN {mine}",
                    f"SELECT 1 FROM {name}.variants AS s JOIN main.variants AS m ON m.id = s.id "
                    f"WHERE s.id NOT IN (SELECT id FROM temp.import_same) AND m.product_id NOT IN {mine}",
                    f"SELECT 1 FROM ({_staged_codes(name)}) AS s JOIN main.barcodes AS b ON b.code = s.code "
                    "JOIN main.variants AS m ON m.id = b.variant_id "
                    f"WHERE s.code NOT IN (SELECT code FROM temp.import_same_codes) AND m.product_id NOT IN {mine}"):
                if raw.execute(check + " LIMIT 1").fetchone():
                    raise Decline("a SKU, variant id or barcode of another product")
        product_cols = "name, brand, description, category_id, online_url, platform_product_id, featured"
        sets = ", ".join(f"{c} = excluded.{c}" for c in product_cols.split(", "))
        # With a time from the source it is stored; without, a product keeps the time it arrived.
        raw.execute(f"INSERT INTO main.products (id, {product_cols}, updated_at) "
                    f"SELECT id, name, brand, description, NULL, online_url, platform_product_id, featured, updated_at "
                    f"FROM {sp} WHERE updated_at IS NOT NULL "
                    f"ON CONFLICT (id) DO UPDATE SET {sets}, updated_at = excluded.updated_at")
        raw.execute(f"INSERT INTO main.products (id, {product_cols}, updated_at) "
                    f"SELECT id, name, brand, description, NULL, online_url, platform_product_id, featured, ? "
                    f"FROM {sp} WHERE updated_at IS NULL ON CONFLICT (id) DO UPDATE SET {sets}", (self.now,))
        self.ids = [pid for (pid,) in raw.execute(f"SELECT id FROM {sp}")]
        for name in names:
            self.categories_of(name)
        self._categories_end()
        if categories_made is not None:
            categories_made()
        # Variants the file changed or dropped go (their barcodes with them),
        # then the file's variants that are not in the catalog (new or changed) come.
        # (Written so that SQLite scans the variants and probes the small
        # temp tables, rather than looking up every variant by product.)
        raw.execute("DELETE FROM main.variants WHERE id NOT IN (SELECT id FROM temp.import_same) "
                    f"AND +product_id IN {mine}")
        vcols = ", ".join(VARIANT_COLUMNS)
        for name in names:
            raw.execute(f"INSERT INTO main.variants ({vcols}) SELECT {vcols} FROM {name}.variants AS s "
                        "WHERE NOT EXISTS (SELECT 1 FROM main.variants AS m WHERE m.id = s.id)")
            self.variants += raw.execute(f"SELECT count(*) FROM {name}.variants").fetchone()[0]
        # Barcodes the same way.
        raw.execute("DELETE FROM main.barcodes WHERE code NOT IN (SELECT code FROM temp.import_same_codes) "
                    "AND EXISTS (SELECT 1 FROM main.variants AS v WHERE v.id = main.barcodes.variant_id "
                    f"AND v.product_id IN {mine})")
        for name in names:
            raw.execute(f"INSERT INTO main.barcodes (code, variant_id) SELECT code, variant_id FROM "
                        f"({_staged_codes(name)}) AS s "
                        "WHERE NOT EXISTS (SELECT 1 FROM main.barcodes AS b WHERE b.code = s.code)")
        raw.execute("DROP TABLE temp.import_same")
        raw.execute("DROP TABLE temp.import_same_codes")
        # Images and tags are few: plain set differences.
        for table, cols in (("product_images", "product_id, position, url, alt"), ("product_tags", "product_id, tag")):
            old_rows = f"SELECT {cols} FROM main.{table} WHERE product_id IN {mine}"
            new_rows = f"SELECT {cols} FROM {si if table == 'product_images' else st}"
            raw.execute(f"DELETE FROM main.{table} WHERE ({cols}) IN ({old_rows} EXCEPT {new_rows})")
            raw.execute(f"INSERT INTO main.{table} ({cols}) {new_rows} EXCEPT {old_rows}")
        raw.execute("DROP TABLE temp.import_ids")
        raw.execute("DROP TABLE temp.import_categories")

    def copy(self, name: str) -> None:
        """Copy one staged part (products first: the rest refer to them), after its :meth:`categories_of`."""
        raw = self.raw
        # With no category batch pending, every category of the parts so far
        # has its row: the products take their ids as they are copied (the
        # UPDATE of finish() then skips them: 0.06 s for 20,000 products).
        categorised = not self._batch
        raw.execute(
            "INSERT INTO main.products (id, name, brand, description, category_id, online_url, "
            "platform_product_id, featured, updated_at) "
            f"SELECT p.id, p.name, p.brand, p.description, {'c.id' if categorised else 'NULL'}, p.online_url, "
            f"p.platform_product_id, p.featured, coalesce(p.updated_at, ?) FROM {name}.products AS p "
            + ("LEFT JOIN temp.import_categories AS c ON c.cat = p.cat " if categorised else "")
            + "ORDER BY p.rowid", (self.now,))
        if categorised:
            self._categorised.add(name)
        self.ids.extend(pid for (pid,) in raw.execute(f"SELECT id FROM {name}.products ORDER BY rowid"))
        if name not in self.direct:
            vcols = ", ".join(VARIANT_COLUMNS)
            cur = raw.execute(f"INSERT INTO main.variants ({vcols}) SELECT {vcols} FROM {name}.variants "
                              "ORDER BY rowid")
            self.variants += cur.rowcount
            raw.execute(f"INSERT INTO main.barcodes (code, variant_id) {_staged_codes(name)}")
        raw.execute("INSERT INTO main.product_images (product_id, position, url, alt) "
                    f"SELECT * FROM {name}.images ORDER BY rowid")
        raw.execute(f"INSERT INTO main.product_tags (product_id, tag) SELECT * FROM {name}.tags ORDER BY rowid")
        self.names.append(name)

    def finish(self) -> None:
        """Create the last categories and point the products at them (then :meth:`rebuild_indexes`)."""
        self._categories_end()
        self.raw.execute("DROP TABLE temp.import_categories")

    def rebuild_indexes(self) -> None:
        """Create the indexes :meth:`start` dropped, as they were."""
        for sql in self.index_sql:
            self.raw.execute(sql)

    def product_order(self) -> list[str] | None:
        """The catalog's product ids in table order if they are exactly the file's, else None."""
        order = [pid for (pid,) in self.raw.execute("SELECT id FROM main.products ORDER BY rowid")]
        return order if len(order) == len(self.ids) and set(order) == set(self.ids) else None

    def categories(self) -> tuple[list[Any], dict[str, str]]:
        """Once every part's :meth:`categories_of` ran: the category table and the file's paths (JSON) -> id."""
        from kiosk.search.loader import load_categories

        self._resolve()  # the last batch
        return load_categories(self.raw), dict(self._known)

    # Categories are created batch by batch in file order, in the ordinary
    # path's batches: two spellings of one category that share a slug share
    # the row of the first one seen, as they do there. Each part's complete
    # batches are made as soon as it is copied (while later parts are still
    # being validated); products point at their categories at the end.

    def categories_of(self, name: str) -> None:
        """Create the complete category batches of one staged part (the rest wait for the next part)."""
        from kiosk.importer import BATCH_PRODUCTS, BATCH_VARIANTS

        raw = self.raw
        known = self._known
        products, variants = self._batch_size
        for cat, size in raw.execute(f"SELECT cat, variant_count FROM {name}.products ORDER BY rowid"):
            # self._batch, not a local name for it: _resolve() starts a new batch.
            if cat is not None and cat not in known and cat not in self._batch:
                self._batch[cat] = tuple(json.loads(cat))
            products += 1
            variants += size
            if products >= BATCH_PRODUCTS or variants >= BATCH_VARIANTS:
                self._resolve()
                products = variants = 0
        self._batch_size = (products, variants)

    def _resolve(self) -> None:
        from kiosk.catalog_store import write_category_paths

        if self._batch:
            # Paths made in an earlier batch would change nothing: left out.
            ids = write_category_paths(self.conn, list(self._batch.values()))
            rows = [(cat, ids[path]) for cat, path in self._batch.items()]
            self._known.update(rows)
            self.raw.executemany("INSERT INTO temp.import_categories VALUES (?, ?)", rows)
        self._batch = {}

    def _categories_end(self) -> None:
        self._resolve()
        for name in self.names:
            if name in self._categorised:
                continue
            self.raw.execute("UPDATE main.products SET category_id = c.id "
                             f"FROM {name}.products AS p JOIN temp.import_categories AS c ON c.cat = p.cat "
                             "WHERE main.products.id = p.id")


if __name__ == "__main__":
    status = _worker_main(sys.argv[1:])
    # Its result is written and its files closed: end without tearing the
    # interpreter down. Freeing what a worker holds (a built search index:
    # half a million objects) took 0.02-0.06 s, which the importer spent
    # waiting for it to end. (A worker that fails raises out of here and
    # ends as usual, with its traceback.)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
