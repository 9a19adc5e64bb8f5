"""``kiosk import``, ``kiosk lookup`` and ``kiosk load-demo``.

Exit codes:

* ``import``: 0 imported (with ``--skip-invalid``, skipped rows are listed
  on stderr), 1 rejected (nothing changed), 2 usage or config error.
* ``lookup``: 0 found, 1 not found.
* ``load-demo``: 0 loaded, 1 failed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sqlalchemy.exc import OperationalError

from kiosk.cli.common import add_common, engine_from
from kiosk.money import format_price

#: Errors printed before "... and N more" (all of them with --max-errors 0).
DEFAULT_MAX_ERRORS = 50


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``import``, ``lookup`` and ``load-demo`` subcommands."""
    p = subparsers.add_parser(
        "import",
        help="import a catalog file (JSON, JSONL or CSV)",
        description="Import a catalog file into the kiosk database in one transaction. A file with "
                    "any error changes nothing unless --skip-invalid. See docs/catalog-format.md.",
    )
    p.add_argument("file", metavar="FILE", type=Path, help="the catalog file")
    p.add_argument("--format", choices=("json", "jsonl", "csv"), default=None,
                   help="file format (default: from the extension, else from the content)")
    p.add_argument("--skip-invalid", action="store_true",
                   help="import the valid products/rows and report the rest")
    p.add_argument("--max-errors", type=int, default=DEFAULT_MAX_ERRORS, metavar="N",
                   help=f"print at most N errors (default {DEFAULT_MAX_ERRORS}; 0 = all)")
    p.add_argument("--json", action="store_true", help="print the report as JSON on stdout")
    add_common(p)
    p.set_defaults(func=run_import)

    p = subparsers.add_parser(
        "lookup",
        help="find the product of a barcode or SKU",
        description="Exact lookup of a scanned barcode (EAN-13, EAN-8, UPC-A) or a SKU.",
    )
    p.add_argument("code", metavar="CODE", help="barcode digits or SKU")
    p.add_argument("--json", action="store_true", help="print the match as JSON")
    add_common(p)
    p.set_defaults(func=run_lookup)

    p = subparsers.add_parser(
        "load-demo",
        help="load the bundled demo catalog (Hearth & Home) into the database",
        description="Load the demo store's catalog and scenes from assets/ into the database.",
    )
    add_common(p)
    p.set_defaults(func=run_load_demo)


def _db_error(exc: OperationalError) -> int:
    reason = str(exc.orig) if exc.orig is not None else str(exc)
    print(f"kiosk: database: {reason}", file=sys.stderr)
    if "locked" in reason:
        print("kiosk: another program is writing to the database; try again in a moment", file=sys.stderr)
    return 1


def run_import(args: argparse.Namespace) -> int:
    """``kiosk import FILE``."""
    from kiosk.importer import ImportReport, import_file

    engine = engine_from(args)
    bar = None
    if sys.stderr.isatty() and not args.json:
        from tqdm import tqdm

        bar = tqdm(desc="importing", unit=" variants", file=sys.stderr, leave=False)

    def progress(report: ImportReport) -> None:
        assert bar is not None
        bar.update(report.variants_read - bar.n)

    try:
        report = import_file(engine, args.file, fmt=args.format, skip_invalid=args.skip_invalid,
                             progress=progress if bar is not None else None)
    except OperationalError as exc:
        return _db_error(exc)
    finally:
        if bar is not None:
            bar.close()
        engine.dispose()
    limit = args.max_errors if args.max_errors > 0 else len(report.errors)
    for issue in report.errors[:limit]:
        print(str(issue), file=sys.stderr)
    if len(report.errors) > limit:
        print(f"... and {len(report.errors) - limit} more errors (--max-errors 0 shows all)", file=sys.stderr)
    for note in report.warnings:
        print(f"{report.file}: warning: {note}", file=sys.stderr)
    if args.json:
        print(json.dumps({
            "file": report.file, "format": report.format, "committed": report.committed,
            "products_read": report.products_read, "variants_read": report.variants_read,
            "products_written": report.products_written, "variants_written": report.variants_written,
            "scenes_written": report.scenes_written, "products_rejected": report.products_rejected,
            "rows_rejected": report.rows_rejected, "seconds": round(report.seconds, 3),
            "errors": [{"file": e.file, "line": e.line, "field": e.field, "message": e.message,
                        "product_id": e.product_id} for e in report.errors],
            "warnings": report.warnings,
        }, ensure_ascii=False))
    else:
        print(report.summary())
    return 0 if report.committed else 1


def run_lookup(args: argparse.Namespace) -> int:
    """``kiosk lookup CODE``."""
    from kiosk.lookup import lookup_code

    engine = engine_from(args)
    try:
        found = lookup_code(engine, args.code)
    except OperationalError as exc:
        return _db_error(exc)
    finally:
        engine.dispose()
    if found is None:
        if args.json:
            print("null")
        print(f"kiosk: no product with barcode or SKU {args.code.strip()!r}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(found.to_json(), ensure_ascii=False))
        return 0
    where = f"aisle {found.aisle}" if found.aisle else "no aisle"
    if found.bay:
        where += f", bay {found.bay}"
    title = f" ({found.title})" if found.title else ""
    print(f"{found.matched} {found.code}: {found.name}{title}")
    print(f"  product {found.product_id}  variant {found.variant_id}  SKU {found.sku}")
    print(f"  {format_price(found.price_minor, found.currency)}  {found.stock} in stock  {where}")
    return 0


def run_load_demo(args: argparse.Namespace) -> int:
    """``kiosk load-demo``."""
    # The demo loader is its own module (assets and their generator); load
    # it only when asked so the other commands start fast.
    from kiosk.demo import DemoError, load_demo

    engine = engine_from(args)
    try:
        result = load_demo(engine)
    except DemoError as exc:
        print(f"kiosk: load-demo: {exc}", file=sys.stderr)
        return 1
    except OperationalError as exc:
        return _db_error(exc)
    finally:
        engine.dispose()
    print(result.summary())
    return 0
