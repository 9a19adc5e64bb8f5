"""``kiosk central ...``: run and administer the central catalog service.

    kiosk central serve [--host 127.0.0.1 --port 8000 --db URL --workers N --public-url URL]
    kiosk central migrate [--db URL]
    kiosk central publish FILE --store S [--chain C] [--partial] [--skip-invalid]
    kiosk central token create (--store S | --admin) [--label TEXT]
    kiosk central token revoke TOKEN
    kiosk central set-price SKU PRICE [--store S | --chain C] [--compare-at PRICE]
    kiosk central set-override SKU --store S [--price P] [--stock N] [--aisle A] [--bay B] [--clear FIELD]
    kiosk central store create S [--chain C] [--name NAME]
    kiosk central demand (--chain C | --store S) [--days 30] [--limit 20] [--json]
    kiosk central openapi [--out docs/openapi.json]

``--db`` takes a SQLAlchemy URL (``postgresql://user@host/db``) or a SQLite
file path; the default is ``$KIOSK_CENTRAL_DB``, else ``central.sqlite3`` in
the kiosk's data directory.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from sqlalchemy import Engine

from kiosk.central.settings import DEFAULT_MAX_BODY, Settings, normalise_db_url


def _db_url(args: argparse.Namespace) -> str:
    if getattr(args, "db", None):
        return normalise_db_url(str(args.db))
    return Settings.from_env().db_url


def _engine(args: argparse.Namespace) -> Engine:
    from kiosk.central.db import open_central_db

    return open_central_db(_db_url(args), pool_size=2)


def _fail(message: str) -> int:
    print(f"kiosk central: {message}", file=sys.stderr)
    return 1


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from kiosk.central.db import open_central_db

    base = Settings.from_env()
    settings = Settings(db_url=_db_url(args), public_url=(args.public_url or base.public_url).rstrip("/"),
                        max_body=args.max_body or base.max_body, max_image=base.max_image,
                        handoff_ttl_s=base.handoff_ttl_s)
    # Migrate once here, before any worker starts: workers never migrate.
    open_central_db(settings.db_url, pool_size=1).dispose()
    os.environ.update(settings.to_env())
    uvicorn.run("kiosk.central.app:app_from_env", factory=True, host=args.host, port=args.port,
                workers=args.workers if args.workers > 1 else None, log_level=args.log_level,
                access_log=args.access_log, proxy_headers=True, server_header=False)
    return 0


def _migrate(args: argparse.Namespace) -> int:
    _engine(args).dispose()
    print("central database is at the newest schema")
    return 0


def _publish(args: argparse.Namespace) -> int:
    from kiosk.central.catalog import CatalogError
    from kiosk.central.publish import publish_file

    engine = _engine(args)
    try:
        report = publish_file(engine, args.file, store_id=args.store, chain_id=args.chain, full=not args.partial,
                              skip_invalid=args.skip_invalid)
    except (CatalogError, ValueError) as exc:
        return _fail(f"nothing published: {exc}")
    finally:
        engine.dispose()
    for line in report.rejected:
        print(f"rejected: {line}", file=sys.stderr)
    print(f"chain {report.chain_id}: {report.added} added, {report.updated} updated, {report.deleted} deleted, "
          f"{report.unchanged} unchanged, {report.scenes_changed} scenes changed; feed head {report.head}")
    return 0


def _token_create(args: argparse.Namespace) -> int:
    from kiosk.central.auth import create_token
    from kiosk.central.db import write_tx
    from kiosk.central.stores import ensure_store

    if bool(args.store) == bool(args.admin):
        return _fail("give either --store S or --admin")
    engine = _engine(args)
    try:
        with write_tx(engine) as conn:
            if args.store:
                ensure_store(conn, args.store, args.chain)
            token = create_token(conn, store_id=args.store, admin=args.admin, label=args.label)
    except ValueError as exc:
        return _fail(str(exc))
    finally:
        engine.dispose()
    # The token exists in clear only now: print it alone on stdout for scripts.
    print(token)
    print("store this token now: it cannot be shown again", file=sys.stderr)
    return 0


def _token_revoke(args: argparse.Namespace) -> int:
    from kiosk.central.auth import revoke_token
    from kiosk.central.db import write_tx

    engine = _engine(args)
    try:
        with write_tx(engine) as conn:
            found = revoke_token(conn, args.token)
    finally:
        engine.dispose()
    if not found:
        return _fail("no such active token")
    print("token revoked")
    return 0


def _set_price(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from kiosk.central.db import write_tx
    from kiosk.central.models import Store
    from kiosk.central.publish import OverrideInput, set_chain_price, set_overrides

    engine = _engine(args)
    try:
        with write_tx(engine) as conn:
            if args.store and not args.chain_wide:
                head = set_overrides(conn, args.store, [OverrideInput(variant=args.sku, price=args.price,
                                                                      compare_at_price=args.compare_at)])
                where = f"store {args.store}"
            else:
                chain = args.chain
                if args.store:
                    chain = conn.execute(select(Store.chain_id).where(Store.id == args.store)).scalar()
                    if chain is None:
                        raise LookupError(f"no store {args.store!r}")
                head = set_chain_price(conn, chain or "default", args.sku, args.price, args.compare_at)
                where = f"chain {chain or 'default'}"
    except (LookupError, ValueError) as exc:
        return _fail(str(exc).strip("'\""))
    finally:
        engine.dispose()
    print(f"{args.sku}: price {args.price} in {where}; feed head {head}")
    return 0


def _demand(args: argparse.Namespace) -> int:
    import json
    from dataclasses import asdict
    from datetime import timedelta

    from sqlalchemy import select

    from kiosk.central.db import read_tx
    from kiosk.central.demand import chain_exists, unmet_demand
    from kiosk.central.models import Store
    from kiosk.models import utcnow

    if args.days <= 0:
        return _fail("--days must be positive")
    since = utcnow() - timedelta(days=args.days)
    engine = _engine(args)
    try:
        with read_tx(engine) as conn:
            chain = args.chain
            if args.store:
                owner = conn.execute(select(Store.chain_id).where(Store.id == args.store)).scalar()
                if owner is None:
                    return _fail(f"no store {args.store!r}")
                if chain and chain != owner:
                    return _fail(f"store {args.store!r} belongs to chain {owner!r}, not {chain!r}")
                chain = owner
            chain = chain or "default"
            if not chain_exists(conn, chain):
                return _fail(f"no chain {chain!r}")
            rows = unmet_demand(conn, chain, store_id=args.store, since=since, limit=args.limit)
    finally:
        engine.dispose()
    if args.json:
        terms = [{**asdict(r), "last_seen": r.last_seen.isoformat()} for r in rows]
        print(json.dumps({"chain": chain, "store": args.store, "since": since.isoformat(), "terms": terms},
                         ensure_ascii=False, indent=2))
        return 0
    scope = f"store {args.store}" if args.store else f"chain {chain}"
    print(f"Looked for and not found, {scope}, last {args.days:g} days:")
    if not rows:
        print("  nothing: every search found something and every scanned code was known")
        return 0
    print(f"  {'searches':>8} {'scans':>5} {'stores':>6}  {'last seen (UTC)':16}  term")
    for r in rows:
        # Terms are customer input: repr() keeps control characters visible and harmless.
        term = r.term if r.term.isprintable() else repr(r.term)
        print(f"  {r.searches:8} {r.scans:5} {r.stores:6}  {r.last_seen:%Y-%m-%d %H:%M}  {term}")
    return 0


def _set_override(args: argparse.Namespace) -> int:
    from kiosk.central.db import write_tx
    from kiosk.central.publish import OverrideInput, set_overrides

    engine = _engine(args)
    try:
        with write_tx(engine) as conn:
            head = set_overrides(conn, args.store, [OverrideInput(
                variant=args.sku, price=args.price, compare_at_price=args.compare_at, stock=args.stock,
                aisle=args.aisle, bay=args.bay, clear=tuple(args.clear or ()))])
    except (LookupError, ValueError) as exc:
        return _fail(str(exc).strip("'\""))
    finally:
        engine.dispose()
    print(f"{args.sku}: override set for store {args.store}; feed head {head}")
    return 0


def _store_create(args: argparse.Namespace) -> int:
    from kiosk.central.db import write_tx
    from kiosk.central.stores import ensure_store

    engine = _engine(args)
    try:
        with write_tx(engine) as conn:
            chain = ensure_store(conn, args.store, args.chain, args.name)
    except ValueError as exc:
        return _fail(str(exc))
    finally:
        engine.dispose()
    print(f"store {args.store} in chain {chain}")
    return 0


def openapi_text() -> str:
    """The service's OpenAPI document as written to docs/openapi.json."""
    import json

    from kiosk.central.app import create_app

    app = create_app(Settings(db_url="sqlite://"), include_landing=False)
    return json.dumps(app.openapi(), indent=2, ensure_ascii=False) + "\n"


def _openapi(args: argparse.Namespace) -> int:
    text = openapi_text()
    if args.out:
        args.out.write_text(text, encoding="utf-8")
        print(f"wrote {args.out}")
    else:
        sys.stdout.write(text)
    return 0


def _add_db(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", default=argparse.SUPPRESS,  # else the one given before the subcommand, if any
                   help="database URL or SQLite path (default: $KIOSK_CENTRAL_DB or central.sqlite3 in the data dir)")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``central`` command and its subcommands."""
    central = subparsers.add_parser("central", help="run and administer the central catalog service",
                                    description="The central catalog service (see docs/api.md).")
    sub = central.add_subparsers(dest="central_command", metavar="SUBCOMMAND")
    sub.required = True

    p = sub.add_parser("serve", help="run the HTTP service")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    _add_db(p)
    p.add_argument("--public-url", default="", help="base URL phones and kiosks use (handoff links, images)")
    p.add_argument("--workers", type=int, default=1, help="app processes (default 1)")
    p.add_argument("--max-body", type=int, default=0, help=f"largest request body in bytes ({DEFAULT_MAX_BODY})")
    p.add_argument("--log-level", default="warning", choices=["critical", "error", "warning", "info", "debug"])
    p.add_argument("--access-log", action="store_true", help="log every request")
    p.set_defaults(func=_serve)

    p = sub.add_parser("migrate", help="create or upgrade the central database schema")
    _add_db(p)
    p.set_defaults(func=_migrate)

    p = sub.add_parser("publish", help="publish a catalog file (JSON or JSONL) into the changes feed")
    p.add_argument("file", type=Path)
    p.add_argument("--store", help="a store of the chain (created if missing)")
    p.add_argument("--chain", help="the chain (default: the store's, else 'default')")
    p.add_argument("--partial", action="store_true",
                   help="only add and update; do not delete products missing from the file")
    p.add_argument("--skip-invalid", action="store_true", help="publish the valid records, report the others")
    _add_db(p)
    p.set_defaults(func=_publish)

    token = sub.add_parser("token", help="create or revoke bearer tokens")
    tsub = token.add_subparsers(dest="token_command", metavar="ACTION")
    tsub.required = True
    p = tsub.add_parser("create", help="create a token and print it once")
    p.add_argument("--store", help="the store the token is for (created if missing)")
    p.add_argument("--chain", help="chain of a newly created store")
    p.add_argument("--admin", action="store_true", help="an admin token")
    p.add_argument("--label", default="", help="a note to recognise the token (kiosk name)")
    _add_db(p)
    p.set_defaults(func=_token_create)
    p = tsub.add_parser("revoke", help="revoke a token")
    p.add_argument("token")
    _add_db(p)
    p.set_defaults(func=_token_revoke)

    p = sub.add_parser("set-price", help="change a price centrally (store override, or chain-wide)")
    p.add_argument("sku", help="SKU or variant id")
    p.add_argument("price", help="decimal price, e.g. 849.00")
    p.add_argument("--store", help="only this store (an override); with --chain-wide: the store's chain")
    p.add_argument("--chain", help="change the chain's price (default chain: 'default')")
    p.add_argument("--chain-wide", action="store_true", help="with --store: change the price of its whole chain")
    p.add_argument("--compare-at", default=None, help="compare-at price")
    _add_db(p)
    p.set_defaults(func=_set_price)

    p = sub.add_parser("set-override", help="set a store's price/stock/aisle/bay of a variant")
    p.add_argument("sku", help="SKU or variant id")
    p.add_argument("--store", required=True)
    p.add_argument("--price")
    p.add_argument("--compare-at")
    p.add_argument("--stock", type=int)
    p.add_argument("--aisle")
    p.add_argument("--bay")
    p.add_argument("--clear", action="append", choices=["price", "compare_at_price", "stock", "aisle", "bay"],
                   help="drop an override field (back to the chain's value); repeatable")
    _add_db(p)
    p.set_defaults(func=_set_override)

    p = sub.add_parser("openapi", help="print (or write) the OpenAPI document of the service")
    p.add_argument("--out", type=Path, help="write to this file (docs/openapi.json)")
    p.set_defaults(func=_openapi)

    p = sub.add_parser("demand", help="what customers searched for or scanned and did not find",
                       description="The chain's unmet demand from the kiosks' uploaded events: searches that found "
                                   "nothing and unknown barcodes, one row per term (case, accents and spaces "
                                   "merged), most wanted first.")
    scope = p.add_mutually_exclusive_group()
    scope.add_argument("--chain", help="the chain (default: 'default')")
    scope.add_argument("--store", help="only this store")
    p.add_argument("--days", type=float, default=30.0, help="look back this many days (default 30)")
    p.add_argument("--limit", type=int, default=20, help="at most this many terms (default 20)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    _add_db(p)
    p.set_defaults(func=_demand)

    store = sub.add_parser("store", help="manage stores")
    ssub = store.add_subparsers(dest="store_command", metavar="ACTION")
    ssub.required = True
    p = ssub.add_parser("create", help="create a store")
    p.add_argument("store")
    p.add_argument("--chain", default=None)
    p.add_argument("--name", default="")
    _add_db(p)
    p.set_defaults(func=_store_create)
