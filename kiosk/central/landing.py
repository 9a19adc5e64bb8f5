"""The phone's landing page for a cart handoff: ``GET /h/{code}``.

A customer scanned the kiosk's QR code (or typed the short code). The page
lists the cart - image, name, variant, quantity, price - with the total and a
"Continue to checkout" button to the store's own cart permalink. Unknown and
expired codes get a friendly page and a box to type the code again. Every
opening of a known code is recorded (handed-off vs opened figures).

Plain server-rendered HTML: no JavaScript, no cookies, no third-party
requests but product images; everything from the database is HTML-escaped,
and the checkout link must be http(s) (a stored ``javascript:`` URL is
ignored). Nothing about the customer is stored or shown.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kiosk.central.handoffs import HandoffView, engine_of, get_handoff, normalise_code, record_scan
from kiosk.money import MoneyError, format_price, parse_decimal

log = logging.getLogger(__name__)

router = APIRouter(tags=["handoff landing"], include_in_schema=False)

_HEADERS = {
    # Nothing runs on this page; images may come from the shop's CDN.
    "Content-Security-Policy": "default-src 'none'; img-src https: http: data:; style-src 'unsafe-inline'; "
                               "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Robots-Tag": "noindex, nofollow",
    "Cache-Control": "no-store",
}

_CSS = """
*{box-sizing:border-box}
body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f6f3ee;color:#1f2a24}
header{background:#1f2a24;color:#fff;padding:14px 18px;font-weight:700;font-size:18px}
main{max-width:560px;margin:0 auto;padding:18px}
h1{font-size:24px;margin:6px 0 4px}
.sub{color:#5b6660;margin:0 0 16px}
ul{list-style:none;margin:0;padding:0;background:#fff;border-radius:14px;border:1px solid #d6cfc3}
li{display:flex;gap:12px;align-items:center;padding:12px;border-top:1px solid #ece6dc}
li:first-child{border-top:0}
.img{flex:0 0 64px;height:64px;border-radius:10px;background:#ece6dc;object-fit:cover;display:flex;
 align-items:center;justify-content:center;font-weight:700;color:#5b6660;font-size:24px;overflow:hidden}
.info{flex:1;min-width:0}
.name{font-weight:600;overflow-wrap:anywhere}
.variant,.qty{color:#5b6660;font-size:14px}
.price{font-weight:700;white-space:nowrap;text-align:right}
.offline{color:#b3261e;font-size:13px;font-weight:600}
.total{display:flex;justify-content:space-between;font-size:20px;font-weight:700;margin:16px 4px}
.btn{display:block;text-align:center;background:#1f5c45;color:#fff;text-decoration:none;font-weight:700;
 font-size:18px;padding:16px;border-radius:14px;margin:8px 0}
.note{background:#fff;border-left:4px solid #c8553d;padding:10px 12px;border-radius:8px;margin:12px 0}
.muted{color:#5b6660;font-size:14px}
form{display:flex;gap:8px;margin-top:14px}
input{flex:1;font-size:20px;padding:12px;border:1px solid #d6cfc3;border-radius:10px;text-transform:uppercase;
 letter-spacing:2px}
button{font-size:18px;padding:12px 16px;border:0;border-radius:10px;background:#1f5c45;color:#fff;font-weight:700}
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _page(title: str, body: str, *, status: int = 200, heading: str = "Your cart") -> HTMLResponse:
    doc = (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
        "<meta name=\"referrer\" content=\"no-referrer\">"
        f"<title>{_e(title)}</title><style>{_CSS}</style></head>"
        f"<body><header>{_e(heading)}</header><main>{body}</main></body></html>\n"
    )
    return HTMLResponse(doc, status_code=status, headers=_HEADERS)


def _safe_url(url: str) -> str:
    """``url`` if it is an absolute http(s) URL, else ``""``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return url if parts.scheme in ("http", "https") and parts.netloc else ""


def _minor(item: dict[str, Any], key_minor: str, key_decimal: str, currency: str) -> int | None:
    value = item.get(key_minor)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    try:
        return parse_decimal(str(item.get(key_decimal, "")), currency)
    except MoneyError:
        return None


def _item_html(item: dict[str, Any], currency: str) -> str:
    name = str(item.get("name") or "Item")
    variant = str(item.get("variant_title") or item.get("variant") or "")
    qty = item.get("qty") if isinstance(item.get("qty"), int) else 1
    unit = _minor(item, "unit_price_minor", "unit_price", currency)
    line = _minor(item, "line_total_minor", "line_total", currency)
    if line is None and unit is not None:
        line = unit * qty
    image = _safe_url(str(item.get("image") or ""))
    pic = (f'<img class="img" src="{_e(image)}" alt="" loading="lazy">' if image
           else f'<div class="img" aria-hidden="true">{_e(name[:1].upper())}</div>')
    each = f" \u00b7 {_e(format_price(unit, currency))} each" if unit is not None and qty > 1 else ""
    offline = "" if item.get("online", True) else '<div class="offline">In store only: not in the online cart</div>'
    price = _e(format_price(line, currency)) if line is not None else ""
    return (
        f'<li>{pic}<div class="info"><div class="name">{_e(name)}</div>'
        + (f'<div class="variant">{_e(variant)}</div>' if variant else "")
        + f'<div class="qty">Qty {_e(qty)}{each}</div>{offline}</div>'
        f'<div class="price">{price}</div></li>'
    )


def _code_form(value: str = "") -> str:
    return (
        '<form method="get" action="/h"><label class="muted" for="code" hidden>Code</label>'
        f'<input id="code" name="code" value="{_e(value)}" placeholder="Code from the kiosk" '
        'autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="16" required>'
        "<button type=\"submit\">Open</button></form>"
    )


def render_handoff(h: HandoffView, store_name: str = "") -> HTMLResponse:
    """The landing page of a live handoff."""
    items: Iterable[dict[str, Any]] = h.items if isinstance(h.items, list) else []
    rows = "".join(_item_html(it, h.currency) for it in items if isinstance(it, dict))
    count = sum(it.get("qty", 0) for it in h.items if isinstance(it, dict) and isinstance(it.get("qty"), int))
    offline = [str(it.get("name", "")) for it in h.items if isinstance(it, dict) and it.get("online") is False]
    checkout = _safe_url(h.checkout_url)
    body = (
        "<h1>Your cart from the store</h1>"
        f'<p class="sub">{_e(count)} item{"s" if count != 1 else ""}, as you left them at the kiosk.</p>'
        f"<ul>{rows}</ul>"
        f'<div class="total"><span>Total</span><span id="total">{_e(format_price(h.total_minor, h.currency))}'
        "</span></div>"
    )
    if checkout:
        body += f'<a class="btn" id="checkout" href="{_e(checkout)}" rel="noreferrer">Continue to checkout</a>'
        body += '<p class="muted">Opens the online shop with these items in your cart.</p>'
    else:
        body += '<div class="note">These items can only be bought in the store. Show this page to a member ' \
                "of staff and we will help you.</div>"
    if offline and checkout:
        body += ('<div class="note">Not in the online cart because they are sold in store only: '
                 f"{_e(', '.join(offline))}.</div>")
    body += f'<p class="muted">Cart code {_e(h.code)} \u00b7 link valid until ' \
            f'{_e(h.expires_at.strftime("%d %b %Y, %H:%M UTC"))}</p>'
    return _page("Your cart", body, heading=store_name or "Your cart")


def render_unknown(code: str) -> HTMLResponse:
    """The page for a code that does not exist (typo, or a made-up link)."""
    body = ("<h1>We could not find that cart</h1>"
            '<p class="sub">Please check the code shown on the kiosk screen and type it again. '
            "Letters and numbers only; capitals do not matter.</p>" + _code_form(code[:16]))
    return _page("Cart not found", body, status=404)


def render_expired(h: HandoffView, store_name: str = "") -> HTMLResponse:
    """The page for a code that existed but is past its expiry."""
    body = ("<h1>This cart link has expired</h1>"
            '<p class="sub">Cart links are kept for a limited time so nobody else can open them later. '
            "Visit the kiosk again and tap \u201cContinue on my phone\u201d for a fresh code.</p>"
            f'<p class="muted">Code {_e(h.code)} expired on {_e(h.expires_at.strftime("%d %b %Y, %H:%M UTC"))}.'
            "</p>")
    return _page("Cart link expired", body, status=410, heading=store_name or "Your cart")


def _store_name(request: Request, store_id: str) -> str:
    try:
        from kiosk.central.stores import store_info

        with engine_of(request).connect() as conn:
            return store_info(conn, store_id).name
    except Exception:  # noqa: BLE001 - the name is a nicety; the cart matters
        return ""


@router.get("/h", response_class=HTMLResponse)
def type_code(request: Request, code: str = "") -> Response:
    """The typed-code entry: ``/h?code=K7M 3QX`` redirects to ``/h/K7M3QX``."""
    clean = normalise_code(code)[:16] if code else ""
    if clean:
        return RedirectResponse(f"/h/{quote(clean, safe='')}", status_code=303, headers=_HEADERS)
    body = ("<h1>Open your cart</h1><p class=\"sub\">Type the code shown beside the QR code on the kiosk.</p>"
            + _code_form())
    return _page("Open your cart", body)


@router.get("/h/{code}", response_class=HTMLResponse)
def landing(request: Request, code: str) -> HTMLResponse:
    """The cart page of a short code; records the scan."""
    engine = engine_of(request)
    h = get_handoff(engine, code)
    if h is None:
        return render_unknown(code)
    try:
        record_scan(engine, h.code)
    except Exception:  # noqa: BLE001 - a failed count must not hide the customer's cart
        log.exception("could not record a scan of handoff %s", h.code)
    name = _store_name(request, h.store_id)
    if h.expired:
        return render_expired(h, name)
    return render_handoff(h, name)
