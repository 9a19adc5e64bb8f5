"""``kiosk handoff``: print a cart's handoff URL and optionally its QR code.

For scripting and support: it builds exactly what the kiosk screen would
show, from the local database and the kiosk configuration.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from kiosk.cart import MAX_QTY, CartError, CartLine, line_for_variant
from kiosk.cli.common import add_common, config_from
from kiosk.db import open_db
from kiosk.handoff.choose import TARGETS, choose_handoff
from kiosk.handoff.qr import make_qr, write_png
from kiosk.handoff.urls import HandoffError
from kiosk.models import Variant

EXIT_FELL_BACK = 3


def parse_item(text: str) -> tuple[str, int]:
    """Split ``VARIANT_OR_SKU[:QTY]``; ids may themselves contain ``:``.

    Raises:
        argparse.ArgumentTypeError: Empty id or a quantity outside 1..99.
    """
    ref, sep, qty_text = text.rpartition(":")
    if not sep or not qty_text.strip().lstrip("-").isdigit():
        ref, qty_text = text, "1"
    ref = ref.strip()
    qty = int(qty_text)
    if not ref:
        raise argparse.ArgumentTypeError(f"{text!r}: expected VARIANT_OR_SKU:QTY")
    if not 1 <= qty <= MAX_QTY:
        raise argparse.ArgumentTypeError(f"{text!r}: quantity must be 1 to {MAX_QTY}")
    return ref, qty


def resolve_line(engine: Engine, ref: str, qty: int) -> CartLine:
    """A cart line for a variant id, or failing that a SKU.

    Raises:
        CartError: Neither a variant id nor a SKU in the local database.
    """
    try:
        return line_for_variant(engine, ref, qty)
    except CartError:
        pass
    with Session(engine) as s:
        vid = s.scalar(select(Variant.id).where(Variant.sku == ref))
    if vid is None:
        raise CartError(f"no variant or SKU {ref!r} in the local catalog")
    return line_for_variant(engine, vid, qty)


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``handoff`` subcommand."""
    p = subparsers.add_parser(
        "handoff",
        help="print the handoff URL of a cart (and write its QR code)",
        description="Build the URL a customer's phone would open for these items, exactly as the kiosk does. "
                    f"Exit status {EXIT_FELL_BACK}: the central service did not answer and the platform "
                    "permalink was printed instead.",
    )
    add_common(p)
    p.add_argument("--target", choices=TARGETS, default=None, help="default: [handoff] target of the config")
    p.add_argument("--item", dest="items", action="append", type=parse_item, required=True,
                   metavar="VARIANT_OR_SKU:QTY", help="a cart line; repeat for more lines")
    p.add_argument("--png", type=Path, default=None, help="also write the QR code to this PNG file")
    p.add_argument("--scale", type=int, default=8, help="PNG pixels per QR module (default 8)")
    p.add_argument("--url", default=None, help="central service URL (default: [handoff] central_url or [sync] url)")
    p.add_argument("--token", default=None, help="central service token (default: [sync] token)")
    p.add_argument("--shop-domain", default=None, help="override [handoff] shop_domain")
    p.add_argument("--discount", default=None, help="override [handoff] discount (Shopify discount / Woo coupon)")
    p.add_argument("--json", action="store_true", help="print the URL, code and lines as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``kiosk handoff``."""
    cfg = config_from(args)
    if args.url is not None:
        cfg.handoff.central_url = args.url
    if args.token is not None:
        cfg.sync.token = args.token
    if args.shop_domain is not None:
        cfg.handoff.shop_domain = args.shop_domain
    if args.discount is not None:
        cfg.handoff.discount = args.discount
    engine = open_db(cfg.db)
    try:
        lines: list[CartLine] = []
        for ref, qty in args.items:
            try:
                line = resolve_line(engine, ref, qty)
            except CartError as exc:
                print(f"kiosk handoff: {exc}", file=sys.stderr)
                return 1
            if lines and line.currency != lines[0].currency:
                print(f"kiosk handoff: {ref} is priced in {line.currency}, the cart in {lines[0].currency}",
                      file=sys.stderr)
                return 1
            lines.append(line)
        try:
            plan = choose_handoff(lines, cfg, target=args.target)
        except HandoffError as exc:
            print(f"kiosk handoff: {exc}", file=sys.stderr)
            return 1
    finally:
        engine.dispose()
    for line in plan.missing:
        print(f"warning: {line.sku or line.variant_id} ({line.name}) has no {plan.platform} id "
              "and is not in the online cart", file=sys.stderr)
    if plan.fallback_reason:
        print(f"warning: {plan.fallback_reason}; printed the {plan.platform} permalink instead", file=sys.stderr)
    if args.png is not None:
        matrix = make_qr(plan.url)
        write_png(matrix, args.png, scale=max(1, args.scale))
        print(f"wrote {args.png} (QR version {matrix.version}, level M)", file=sys.stderr)
    if args.json:
        print(json.dumps({
            "url": plan.url,
            "kind": plan.kind,
            "code": plan.code,
            "expires_at": plan.expires_at.isoformat() if plan.expires_at else None,
            "carried": [ln.variant_id for ln in plan.carried],
            "missing": [dataclasses.asdict(ln) for ln in plan.missing],
            "fallback_reason": plan.fallback_reason,
        }, indent=2))
    else:
        print(plan.url)
    return EXIT_FELL_BACK if plan.fallback_reason else 0
