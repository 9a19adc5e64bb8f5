"""``kiosk search``: the product search from the command line.

``kiosk search "sofa gr"`` prints a table; ``--json`` prints the result as
one JSON object. ``kiosk search -`` reads one query per line from stdin and
prints one JSON line per query (for scripts and benchmarks)::

    {"query": "sofa gr", "took_ms": 0.41, "total": 3, "suggestions": [],
     "results": [{"id", "sku", "name", "brand", "price", "currency", "score"}, ...]}

``price`` is the decimal string of the lowest variant price ("899.00").
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from kiosk.cli.common import add_common, config_from
from kiosk.db import open_db
from kiosk.money import MoneyError, format_price, parse_decimal, to_decimal
from kiosk.search import SearchEngine, SearchResult


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``search`` subcommand."""
    p = subparsers.add_parser(
        "search",
        help="search products as a shopper would",
        description="Search the local catalog. QUERY '-' reads one query per line from stdin "
                    "and prints one JSON line per query.",
    )
    p.add_argument("query", metavar="QUERY", help="what to look for; '-' for queries on stdin")
    p.add_argument("--limit", type=int, default=10, help="hits per query (default 10, at most 500)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--category", default=None, help="a category id, path or name (includes subcategories)")
    p.add_argument("--min-price", default=None, metavar="DECIMAL", help="lowest price, e.g. 10.00")
    p.add_argument("--max-price", default=None, metavar="DECIMAL", help="highest price, e.g. 250.00")
    p.add_argument("--currency", default=None,
                   help="currency of --min/--max-price (default: the store's, from the config)")
    p.add_argument("--in-stock", action="store_true", help="only products in stock in this store")
    add_common(p)
    p.set_defaults(func=run)


def result_to_json(result: SearchResult) -> dict[str, Any]:
    """The JSON form of one result (the stdin mode's line format)."""
    return {
        "query": result.query,
        "took_ms": result.took_ms,
        "total": result.total,
        "suggestions": result.suggestions,
        "corrections": result.corrections,
        "results": [
            {
                "id": h.product_id,
                "sku": h.sku,
                "name": h.name,
                "brand": h.brand,
                "price": to_decimal(h.price_minor, h.currency) if h.currency else str(h.price_minor),
                "currency": h.currency,
                "score": h.score,
            }
            for h in result.hits
        ],
    }


def _print_table(result: SearchResult, out: TextIO) -> None:
    if not result.hits:
        print(f"Nothing found for {result.query!r}.", file=out)
        corrections, categories = result.suggestions[:result.corrections], result.suggestions[result.corrections:]
        if corrections:
            print("Did you mean: " + ", ".join(corrections), file=out)
        if categories:
            print("Popular categories: " + ", ".join(categories), file=out)
        return
    print(f"{result.total} found in {result.took_ms:.1f} ms", file=out)
    for h in result.hits:
        price = format_price(h.price_minor, h.currency) if h.currency else str(h.price_minor)
        stock = "" if h.in_stock else "  (out of stock)"
        brand = f" - {h.brand}" if h.brand else ""
        print(f"{h.score:6.3f}  {h.sku:<24} {h.name}{brand}  {price}{stock}", file=out)


def run(args: argparse.Namespace) -> int:
    """Run ``kiosk search``; returns the exit code."""
    cfg = config_from(args)
    currency = args.currency or cfg.store.currency
    try:
        lo = parse_decimal(args.min_price, currency) if args.min_price is not None else None
        hi = parse_decimal(args.max_price, currency) if args.max_price is not None else None
    except MoneyError as exc:
        print(f"kiosk search: {exc}", file=sys.stderr)
        return 2
    engine = SearchEngine(open_db(cfg.db))
    # Build the index first so that took_ms is the search alone, as on a
    # kiosk that has been running.
    engine.warm()
    options = {"limit": args.limit, "category": args.category, "min_price": lo, "max_price": hi,
               "in_stock": args.in_stock}
    if args.query == "-":
        out = sys.stdout
        for line in sys.stdin:
            query = line.rstrip("\r\n")
            out.write(json.dumps(result_to_json(engine.search(query, **options)), ensure_ascii=False) + "\n")
            out.flush()
        return 0
    result = engine.search(args.query, **options)
    if args.json:
        print(json.dumps(result_to_json(result), ensure_ascii=False, indent=2))
    else:
        _print_table(result, sys.stdout)
    return 0
