"""Importing a catalog file (JSON, JSONL or CSV) into the local cache.

``import_file`` reads the file as a stream, validates every product with
:func:`kiosk.records.parse_product`, writes batches with
:func:`kiosk.catalog_store.upsert_products` and updates the search index
once at the end, all in ONE transaction:

* a file with any error changes nothing (every error is still reported,
  so one run shows the whole list to fix);
* with ``skip_invalid`` the good products (CSV: the good rows) are imported
  and the rest reported;
* importing the same file again leaves the database as it was.

Errors carry the file, line, field and a reason: ``catalog.csv:14: price:
'12,50' is not a price``.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, Engine

from kiosk.catalog_readers import (
    FORMATS,
    FileProblem,
    NotGrouped,
    SourceIssue,
    SourceProduct,
    SourceScene,
    detect_format,
    read_items,
)
from kiosk.import_parallel import bulk_import, workers_for
from kiosk.catalog_store import FreshCatalog, StoreResult, upsert_products, upsert_scenes
from kiosk.records import ProductRecord, RecordError, SceneRecord, parse_product, parse_scene
from kiosk.search.index import update_index

#: Products written per batch (a batch is a handful of executemany calls).
BATCH_PRODUCTS = 1000
#: ... or this many variants, whichever comes first.
BATCH_VARIANTS = 20_000


@dataclass(frozen=True, slots=True)
class ImportIssue:
    """One problem found in a catalog file.

    Attributes:
        file: The file's path as given.
        line: 1-based line (0 when the problem is about the whole file).
        field: The field or CSV column (``price``, ``variants[2].sku``).
        message: Why, in words that say what to fix.
        product_id: The product concerned, when known.
    """

    file: str
    line: int
    field: str
    message: str
    product_id: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.message}"


@dataclass
class ImportReport:
    """What an import did (or would have done).

    Attributes:
        file: The file imported.
        format: ``json``, ``jsonl`` or ``csv``.
        products_read: Products found in the file (valid or not).
        variants_read: Variants found (CSV: data rows).
        products_written: Products now in the cache as the file says.
        variants_written: Their variants.
        scenes_written: Scenes inserted or changed.
        products_rejected: Products left out (or that stopped the import).
        rows_rejected: CSV rows left out (or that stopped the import).
        errors: Every problem, in file order.
        warnings: Notes that did not stop anything (ignored columns, scenes
            naming unknown products).
        committed: True when the changes were saved.
        seconds: Wall time of the import.
    """

    file: str
    format: str
    products_read: int = 0
    variants_read: int = 0
    products_written: int = 0
    variants_written: int = 0
    scenes_written: int = 0
    products_rejected: int = 0
    rows_rejected: int = 0
    errors: list[ImportIssue] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    committed: bool = False
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """Committed without a single error."""
        return self.committed and not self.errors

    @property
    def rejected(self) -> bool:
        """Nothing was saved because of errors."""
        return not self.committed

    def summary(self) -> str:
        """One line a person reads first."""
        if not self.committed:
            n = len(self.errors)
            return (f"{self.file}: rejected, nothing imported: {n} error{'s' if n != 1 else ''} "
                    f"({self.products_read} products read); fix them or use --skip-invalid")
        parts = [f"{self.products_written} products", f"{self.variants_written} variants"]
        if self.scenes_written:
            parts.append(f"{self.scenes_written} scenes")
        line = f"{self.file}: imported {', '.join(parts)} in {self.seconds:.2f} s"
        if self.errors:
            skipped = f"{self.products_rejected} products"
            if self.rows_rejected:
                skipped += f", {self.rows_rejected} rows"
            line += f"; skipped {skipped} with {len(self.errors)} errors"
        return line


class _Import:
    """One run of an import over one connection and transaction."""

    def __init__(self, conn: Connection, report: ImportReport, skip_invalid: bool,
                 progress: Callable[[ImportReport], None] | None = None) -> None:
        self.conn = conn
        self.progress = progress
        # A first import into an empty catalog needs no ownership lookups.
        self.fresh = FreshCatalog.if_empty(conn)
        self.report = report
        self.skip_invalid = skip_invalid
        self.pending: list[tuple[ProductRecord, SourceProduct]] = []
        self.pending_variants = 0
        self.deferred: list[tuple[ProductRecord, SourceProduct]] = []
        self.first_line: dict[str, int] = {}
        self.written: dict[str, int] = {}  # product id -> variants written
        self.scenes: dict[str, tuple[SceneRecord, int]] = {}

    # -- reporting

    def issue(self, line: int, fld: str, message: str, product_id: str | None = None) -> None:
        self.report.errors.append(ImportIssue(self.report.file, line, fld, message, product_id))

    def reject(self, src: SourceProduct, err: RecordError) -> None:
        line, fld = src.locate(err.field)
        self.issue(line, fld, err.message, src.product_id)
        self.report.products_rejected += 1

    # -- items

    def add(self, item: SourceProduct | SourceScene | SourceIssue) -> None:
        if isinstance(item, SourceProduct):
            self.add_product(item)
        elif isinstance(item, SourceScene):
            self.add_scene(item)
        else:
            self.issue(item.line, item.field, item.message)
            if item.field == "row":
                self.report.rows_rejected += 1
            else:
                self.report.products_rejected += 1

    def add_product(self, src: SourceProduct) -> None:
        report = self.report
        report.products_read += 1
        obj = src.obj
        if src.variant_lines is not None:  # CSV
            report.variants_read += len(src.variant_lines) + len(src.row_errors)
            for line, column, message in src.row_errors:
                self.issue(line, column, message, src.product_id)
                report.rows_rejected += 1
        elif isinstance(obj, dict) and isinstance(obj.get("variants"), list):
            report.variants_read += len(obj["variants"])
        pid = src.product_id
        if pid and src.variant_lines is None and pid in self.first_line:
            self.issue(src.line, "id", f"product {pid!r} already appears at line {self.first_line[pid]}", pid)
            report.products_rejected += 1
            return
        if pid:
            self.first_line.setdefault(pid, src.line)
        rec = self.parse(src)
        if rec is None:
            return
        self.pending.append((rec, src))
        self.pending_variants += len(rec.variants)
        if len(self.pending) >= BATCH_PRODUCTS or self.pending_variants >= BATCH_VARIANTS:
            self.flush()

    def parse(self, src: SourceProduct) -> ProductRecord | None:
        """Validate; CSV rows with errors are dropped one by one so every bad row is reported."""
        dropped = 0
        while True:
            try:
                return parse_product(src.obj)
            except RecordError as err:
                index = src.variant_index(err.field) if src.variant_lines is not None else None
                if index is None or index >= len(src.variant_lines or ()):
                    if src.variant_lines is not None and not src.variant_lines and (dropped or src.row_errors):
                        # Every row of the product was refused and reported already.
                        self.report.products_rejected += 1
                    else:
                        self.reject(src, err)
                    return None
                line, fld = src.locate(err.field)
                self.issue(line, fld, err.message, src.product_id)
                self.report.rows_rejected += 1
                dropped += 1
                del src.obj["variants"][index]
                del src.variant_lines[index]  # type: ignore[union-attr]

    def add_scene(self, src: SourceScene) -> None:
        try:
            rec = parse_scene(src.obj)
        except RecordError as err:
            self.issue(src.line, f"scenes: {err.field}", err.message)
            return
        if rec.id in self.scenes:
            self.issue(src.line, "scenes: id", f"scene {rec.id!r} already appears at line {self.scenes[rec.id][1]}")
            return
        self.scenes[rec.id] = (rec, src.line)

    # -- writing

    def flush(self) -> None:
        if not self.pending:
            return
        batch = self.pending
        self.pending, self.pending_variants = [], 0
        result = upsert_products(self.conn, [rec for rec, _ in batch], index=False, fresh=self.fresh)
        self.note_written(result, batch)
        if self.progress is not None:
            self.progress(self.report)
        if result.rejected:
            # The SKU/barcode may belong to a product later in this file
            # that gives it up; try these again once everything is written.
            by_id = {rec.id: src for rec, src in batch}
            self.deferred.extend((rec, by_id[rec.id]) for rec, _ in result.rejected)

    def note_written(self, result: StoreResult, batch: list[tuple[ProductRecord, SourceProduct]]) -> None:
        sizes = {rec.id: len(rec.variants) for rec, _ in batch}
        for pid in result.written:
            self.written[pid] = sizes[pid]

    def finish(self) -> None:
        """Write what is left, retry deferred products, then the scenes."""
        self.flush()
        if self.deferred:
            retry, self.deferred = self.deferred, []
            by_id = {rec.id: src for rec, src in retry}
            result = upsert_products(self.conn, [rec for rec, _ in retry], index=False, fresh=self.fresh)
            self.note_written(result, retry)
            for rec, err in result.rejected:
                self.reject(by_id[rec.id], err)
        if self.scenes:
            records = [rec for rec, _ in self.scenes.values()]
            self.report.scenes_written = upsert_scenes(self.conn, records)
            self.warn_unknown_scene_products(records)
        self.report.products_written = len(self.written)
        self.report.variants_written = sum(self.written.values())

    def warn_unknown_scene_products(self, scenes: list[SceneRecord]) -> None:
        wanted = sorted({it.product_id for s in scenes for it in s.items})
        known: set[str] = set()
        for i in range(0, len(wanted), 500):
            chunk = wanted[i:i + 500]
            marks = ", ".join("?" * len(chunk))
            known.update(r[0] for r in self.conn.exec_driver_sql(
                f"SELECT id FROM products WHERE id IN ({marks})", tuple(chunk)))
        for s in scenes:
            missing = [it.product_id for it in s.items if it.product_id not in known]
            if missing:
                self.report.warnings.append(
                    f"scene {s.id!r} places products not in the catalog (hidden until they arrive): "
                    f"{', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}")


def _run(engine: Engine, path: Path, fmt: str, skip_invalid: bool, grouped: bool,
         progress: Callable[[ImportReport], None] | None) -> ImportReport:
    report = ImportReport(file=str(path), format=fmt)
    with engine.connect() as conn:
        trans = conn.begin()
        try:
            # Take the write lock first (a write that changes nothing): the
            # import reads before it writes, and a read transaction that
            # later needs the write lock fails at once, without waiting,
            # if another writer (the sync worker) committed in between.
            conn.exec_driver_sql("DELETE FROM categories WHERE 0")
            job = _Import(conn, report, skip_invalid, progress)
            fatal = False
            try:
                for item in read_items(path, fmt, report.warnings, grouped=grouped):
                    job.add(item)
            except FileProblem as problem:
                fatal = True
                report.errors.append(ImportIssue(report.file, problem.line, problem.field, problem.message))
            if not fatal:
                job.finish()
                if report.products_read == 0 and not job.scenes and not report.errors:
                    fatal = True
                    report.errors.append(ImportIssue(report.file, 0, "file", "has no products to import"))
            report.errors.sort(key=lambda e: e.line)
            if fatal or (report.errors and not skip_invalid):
                trans.rollback()
                report.committed = False
                report.products_written = report.variants_written = report.scenes_written = 0
            else:
                # One index update for the whole file, inside the same
                # transaction, so search never sees half an import.
                update_index(conn, list(job.written))
                trans.commit()
                report.committed = True
        except BaseException:
            trans.rollback()
            raise
    return report


def _run_bulk(engine: Engine, path: Path, fmt: str, workers: int,
              progress: Callable[[ImportReport], None] | None) -> ImportReport | None:
    """A first import of a large clean file through :mod:`kiosk.import_parallel`; None if it declined."""
    report = ImportReport(file=str(path), format=fmt)

    def written(products: int, variants: int, warnings: list[str]) -> None:
        report.products_read = report.products_written = products
        report.variants_read = report.variants_written = variants
        report.warnings.extend(warnings)
        if progress is not None:
            progress(report)

    if not bulk_import(engine, path, fmt, workers, written):
        return None
    report.committed = True
    return report


def import_file(engine: Engine, path: Path | str, fmt: str | None = None, skip_invalid: bool = False, *,
                progress: Callable[[ImportReport], None] | None = None) -> ImportReport:
    """Import a catalog file into the database, in one transaction.

    Args:
        engine: The kiosk database (see :func:`kiosk.db.open_db`).
        path: The file: a JSON catalog, JSONL (one product per line) or CSV
            (one row per variant); see docs/catalog-format.md.
        fmt: ``"json"``, ``"jsonl"`` or ``"csv"``; ``None`` guesses from the
            extension, then from the content.
        skip_invalid: Import the valid products (CSV: rows) and report the
            rest, instead of rejecting the whole file.
        progress: Called with the report so far after each written batch
            (for a progress display on long imports).

    Returns:
        The report: counts, every error with file/line/field/why, and
        whether anything was committed. Problems with the file are reported
        there too; only database failures raise.
    """
    started = time.perf_counter()
    path = Path(path)
    report = ImportReport(file=str(path), format=fmt or "")
    if fmt is not None and fmt not in FORMATS:
        report.errors.append(ImportIssue(str(path), 0, "format",
                                         f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}"))
        return report
    if not path.exists():
        report.errors.append(ImportIssue(str(path), 0, "file", "does not exist"))
        return report
    if not path.is_file():
        report.errors.append(ImportIssue(str(path), 0, "file", "is not a regular file"))
        return report
    try:
        fmt = fmt or detect_format(path)
    except OSError as exc:
        report.errors.append(ImportIssue(str(path), 0, "file", f"cannot be read: {exc.strerror or exc}"))
        return report
    # Hundreds of thousands of small objects live briefly here; the cyclic
    # collector would rescan them over and over for no garbage (none of
    # them form cycles), costing a third of the import time.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        workers = workers_for(path, fmt)
        bulk = _run_bulk(engine, path, fmt, workers, progress) if workers else None
        if bulk is not None:
            report = bulk
        else:
            try:
                report = _run(engine, path, fmt, skip_invalid, True, progress)
            except NotGrouped:
                # A CSV product's rows are scattered over the file: start over in
                # the two-pass mode that collects rows in any order.
                report = _run(engine, path, fmt, skip_invalid, False, progress)
    except OSError as exc:
        report = ImportReport(file=str(path), format=fmt)
        report.errors.append(ImportIssue(str(path), 0, "file", f"cannot be read: {exc.strerror or exc}"))
    finally:
        if gc_was_enabled:
            gc.enable()
    report.seconds = time.perf_counter() - started
    return report


__all__ = ["ImportIssue", "ImportReport", "import_file"]
