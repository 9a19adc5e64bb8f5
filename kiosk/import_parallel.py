"""The bulk path of a first import: a large clean file into an empty catalog, on every core.

A kiosk's first import of a big catalog (200,000 variants) spends most of
its time in Python (decoding, validating, building rows) and the rest in
SQLite's B-trees. This path splits that work:

* **worker processes** (one per core, ``python -m kiosk.import_parallel``)
  each read one part of the file, validate every product with the very
  same :func:`kiosk.records.parse_product`, and write plain rows into their
  own *staging* SQLite file (no indexes, no journal, nothing shared);
* the **importer's process** then copies the staged rows into the catalog
  with one ``INSERT ... SELECT`` per table and staging file, inside its one
  transaction: a C-level copy, no Python per row. The non-unique secondary
  indexes are dropped first and rebuilt after the copy (a sort beats
  200,000 random B-tree inserts); their definitions are read back from the
  schema, so the database ends up with exactly the schema it had.

It only ever *succeeds or declines*. Anything unusual makes it give up
before the catalog is touched (or roll back), and the importer then runs
its ordinary path, which finds and words every problem (file, line,
field, why): a record that fails validation, bad JSON, a CSV row with
errors, a product id / SKU / variant id / barcode used twice in the file
(the catalog's unique indexes refuse the copy), a catalog that is not
empty (the re-import path needs ownership checks), a CSV file that cannot
be split at a row boundary. So the guarantees are the ordinary path's:
one transaction, nothing changed on error, the search index hook called
before commit; a kiosk killed mid-import loses nothing.
"""

from __future__ import annotations

import codecs
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.records import FORMAT_NAME, ProductRecord, RecordError, parse_product

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

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
# ``updated_at`` is NULL when the source gave no time.
_STAGE_SCHEMA = (
    "CREATE TABLE products (id, name, brand, description, cat, online_url, platform_product_id, featured, "
    "updated_at)",
    "CREATE TABLE variants (id, product_id, sku, title, options, position, price_minor, compare_at_minor, "
    "currency, stock_store, online_available, aisle, bay, platform_variant_id, image_url)",
    "CREATE TABLE barcodes (code, variant_id)",
    "CREATE TABLE images (product_id, position, url, alt)",
    "CREATE TABLE tags (product_id, tag)",
)
_STAGE_INSERTS = {
    "products": "INSERT INTO products VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "variants": f"INSERT INTO variants VALUES ({', '.join('?' * 15)})",
    "barcodes": "INSERT INTO barcodes VALUES (?, ?)",
    "images": "INSERT INTO images VALUES (?, ?, ?, ?)",
    "tags": "INSERT INTO tags VALUES (?, ?)",
}
# Products staged per executemany round.
_STAGE_BATCH = 2000
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
        end: Byte offset where it ends (exclusive); for CSV the first
            worker reads on past it to the end of the product it is in.
        first: True for the part that starts at the top of the file.
        last: True for the part that runs to the end of the file.
        boundary_line: CSV: the 1-based line at ``end`` (where the next
            part starts), which the first worker checks is a row start.
    """

    start: int
    end: int
    first: bool
    last: bool
    boundary_line: int = 0


class _Stager:
    """Validated products -> rows in a staging SQLite file."""

    def __init__(self, out: Path) -> None:
        import sqlite3

        from kiosk.records_fast import RowSink

        self.db = sqlite3.connect(out, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("PRAGMA synchronous=OFF")
        for sql in _STAGE_SCHEMA:
            self.db.execute(sql)
        self.db.execute("BEGIN")
        self.sink = RowSink()
        self._flushed_at = 0

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
        for name, rows in (("products", sink.products), ("images", sink.images), ("tags", sink.tags)):
            if rows:
                self.db.executemany(_STAGE_INSERTS[name], rows)
            rows.clear()
        # Variants and barcodes are written sorted by their key at the end:
        # the copy then fills the catalog's id/SKU/code indexes in a few
        # ordered sweeps instead of 200,000 random inserts. (Products keep
        # the file's order.)
        if len(sink.variants) >= _SORTED_RUN:
            self.flush_sorted()
        self._flushed_at = sink.product_count

    def flush_sorted(self) -> None:
        sink = self.sink
        for name, rows in (("variants", sink.variants), ("barcodes", sink.barcodes)):
            if rows:
                rows.sort()
                self.db.executemany(_STAGE_INSERTS[name], rows)
            rows.clear()

    def close(self) -> None:
        self.flush()
        self.flush_sorted()
        self.db.execute("COMMIT")
        self.db.close()


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


def stage_part(path: Path, fmt: str, part: Part, out: Path) -> dict[str, Any]:
    """Validate one part of a catalog file and stage its rows in ``out``.

    Returns:
        ``{"ok": True, "products": n, "variants": m, "warnings": [...]}``, or
        ``{"ok": False, "why": "..."}`` at the first thing the bulk path
        does not handle (the ordinary path then reports it properly).
    """
    import gc

    gc.disable()  # many short-lived objects, no cycles (see kiosk.importer)
    warnings: list[str] = []
    stager = _Stager(out)
    try:
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
    except (Decline, RecordError) as exc:
        return {"ok": False, "why": str(exc)}
    finally:
        stager.close()
    return {"ok": True, "products": stager.products, "variants": stager.variants, "warnings": warnings}


def _worker_main(argv: list[str]) -> int:
    args = json.loads(argv[0])
    part = Part(**args["part"])
    result = stage_part(Path(args["path"]), args["format"], part, Path(args["out"]))
    sys.stdout.write(json.dumps(result))
    return 0


# ---------------------------------------------------------------- importer side


def split(path: Path, fmt: str, parts: int) -> list[Part]:
    """Cut a file into ``parts`` byte ranges that start at a line start.

    A CSV cut goes to the next line start with an even number of quote
    characters before it, i.e. not inside a quoted cell (descriptions
    often hold line breaks); the first worker still checks that a row
    starts there, since a stray quote inside an unquoted cell fools the
    count.
    """
    size = path.stat().st_size
    cuts = [0]
    boundary = [0]
    with open(path, "rb") as fh:
        pos = quotes = lines = 0
        for k in range(1, parts):
            target = max(size * k // parts, pos)
            skipped = fh.read(target - pos)
            pos = target
            quotes += skipped.count(b'"')
            lines += skipped.count(b"\n")
            while True:
                line = fh.readline()  # to the next line start
                pos += len(line)
                lines += 1
                quotes += line.count(b'"')
                if not line or fmt != "csv" or quotes % 2 == 0:
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


def _run_workers(path: Path, fmt: str, parts: list[Part], tmp: Path) -> list[tuple[Path, dict[str, Any]]]:
    """Run one worker per part; raises :class:`Decline` if any of them declines."""
    env = dict(os.environ)
    # The workers import this package from where this process found it.
    root = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    procs = []
    for i, part in enumerate(parts):
        out = tmp / f"stage-{i}.sqlite3"
        arg = json.dumps({"path": str(path), "format": fmt, "out": str(out),
                          "part": {"start": part.start, "end": part.end, "first": part.first, "last": part.last,
                                   "boundary_line": part.boundary_line}})
        proc = subprocess.Popen([sys.executable, "-m", "kiosk.import_parallel", arg], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        procs.append((out, proc))
    results = []
    why = None
    for out, proc in procs:
        stdout, stderr = proc.communicate()
        try:
            result = json.loads(stdout) if proc.returncode == 0 else None
        except ValueError:
            result = None
        if result is None:
            why = why or f"worker failed: {stderr.decode(errors='replace')[-500:]}"
        elif not result["ok"]:
            why = why or result["why"]
        results.append((out, result))
    if why is not None:
        raise Decline(why)
    return results


def workers_for(path: Path, fmt: str) -> int:
    """How many workers to split ``path`` over (0: take the ordinary path)."""
    if fmt not in SPLITTABLE or os.environ.get("KIOSK_IMPORT_WORKERS") == "0":
        return 0
    try:
        if path.stat().st_size < MIN_BYTES:
            return 0
    except OSError:
        return 0
    wanted = os.environ.get("KIOSK_IMPORT_WORKERS")
    return int(wanted) if wanted and wanted.isdigit() else max(1, min(os.cpu_count() or 1, 4))


def _catalog_is_empty(raw: Any) -> bool:
    return not any(raw.execute(f"SELECT EXISTS (SELECT 1 FROM {t})").fetchone()[0]
                   for t in ("products", "variants", "barcodes", "product_images", "product_tags"))


def bulk_import(engine: Engine, path: Path, fmt: str, workers: int,
                on_written: Callable[[int, int, list[str]], None]) -> bool:
    """Import a clean file into an empty catalog through worker processes.

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
    import sqlite3

    from sqlalchemy.exc import IntegrityError

    from kiosk.catalog_store import write_category_paths
    from kiosk.models import utcnow
    from kiosk.search.index import update_index

    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        if not _catalog_is_empty(raw):
            return False
        with tempfile.TemporaryDirectory(prefix="kiosk-import-") as tmp_dir:
            try:
                staged = _run_workers(path, fmt, split(path, fmt, workers), Path(tmp_dir))
            except Decline:
                return False
            names = [f"stage{i}" for i in range(len(staged))]
            # A page cache that holds the indexes being filled: pages are
            # written to the WAL once at commit instead of spilled and
            # rewritten during the copy. Restored afterwards.
            cache_size = raw.execute("PRAGMA cache_size").fetchone()[0]
            raw.execute(f"PRAGMA cache_size={-_COPY_CACHE_KIB}")
            # ATTACH is refused inside a transaction: attach first, on the
            # driver's connection (SQLAlchemy would begin one).
            for name, (out, _) in zip(names, staged):
                raw.execute(f"ATTACH DATABASE ? AS {name}", (str(out),))
            try:
                trans = conn.begin()
                try:
                    done = _copy(conn, names, write_category_paths, utcnow)
                except (IntegrityError, sqlite3.IntegrityError):
                    done = None  # a value used twice in the file: the ordinary path says where
                if done is None:
                    trans.rollback()
                    return False
                products, variants, ids = done
                on_written(products, variants, [w for _, r in staged for w in r["warnings"]])
                update_index(conn, ids)
                trans.commit()
            except BaseException:
                if conn.in_transaction():
                    conn.rollback()
                raise
            finally:
                for name in names:
                    raw.execute(f"DETACH DATABASE {name}")
                raw.execute(f"PRAGMA cache_size={int(cache_size)}")
    return True


def _copy(conn: Connection, names: list[str], write_category_paths: Any, utcnow: Any
          ) -> tuple[int, int, list[str]] | None:
    """Copy the staged rows into the (empty) catalog; None if the catalog is not empty any more."""
    conn.exec_driver_sql("DELETE FROM categories WHERE 0")  # take the write lock first
    raw = conn.connection.driver_connection
    if not _catalog_is_empty(raw):
        return None
    paths: set[tuple[str, ...]] = set()
    for name in names:
        paths.update(tuple(json.loads(c)) for (c,) in raw.execute(
            f"SELECT DISTINCT cat FROM {name}.products WHERE cat IS NOT NULL"))
    category_ids = write_category_paths(conn, paths)
    raw.execute("CREATE TEMP TABLE import_categories (cat TEXT PRIMARY KEY, id TEXT NOT NULL)")
    try:
        raw.executemany("INSERT INTO temp.import_categories VALUES (?, ?)",
                        [(json.dumps(list(path)), cid) for path, cid in category_ids.items()])
        index_sql = [sql for (sql,) in raw.execute(
            f"SELECT sql FROM main.sqlite_master WHERE type = 'index' AND name IN "
            f"({', '.join('?' * len(_DEFERRED_INDEXES))}) ORDER BY name", _DEFERRED_INDEXES)]
        for index in _DEFERRED_INDEXES:
            raw.execute(f"DROP INDEX IF EXISTS main.{index}")
        # The text kiosk.models.UTCDateTime stores, for products without a time.
        now = utcnow().astimezone(timezone.utc).isoformat(timespec="microseconds")
        ids: list[str] = []
        variants = 0
        for name in names:
            raw.execute(
                "INSERT INTO main.products (id, name, brand, description, category_id, online_url, "
                "platform_product_id, featured, updated_at) "
                "SELECT p.id, p.name, p.brand, p.description, c.id, p.online_url, p.platform_product_id, "
                f"p.featured, coalesce(p.updated_at, ?) FROM {name}.products AS p "
                "LEFT JOIN temp.import_categories AS c ON c.cat = p.cat ORDER BY p.rowid", (now,))
            ids.extend(pid for (pid,) in raw.execute(f"SELECT id FROM {name}.products ORDER BY rowid"))
        for name in names:
            cur = raw.execute(
                "INSERT INTO main.variants (id, product_id, sku, title, options, position, price_minor, "
                "compare_at_minor, currency, stock_store, online_available, aisle, bay, platform_variant_id, "
                f"image_url) SELECT * FROM {name}.variants ORDER BY rowid")
            variants += cur.rowcount
        for name in names:
            raw.execute(f"INSERT INTO main.barcodes (code, variant_id) SELECT * FROM {name}.barcodes ORDER BY rowid")
        for name in names:
            raw.execute("INSERT INTO main.product_images (product_id, position, url, alt) "
                        f"SELECT * FROM {name}.images ORDER BY rowid")
            raw.execute(f"INSERT INTO main.product_tags (product_id, tag) SELECT * FROM {name}.tags ORDER BY rowid")
        for sql in index_sql:
            raw.execute(sql)
    finally:
        raw.execute("DROP TABLE temp.import_categories")
    return len(ids), variants, ids


if __name__ == "__main__":
    sys.exit(_worker_main(sys.argv[1:]))
