"""Money as integer minor units plus an ISO 4217 currency; never floats."""

from __future__ import annotations

import re
from dataclasses import dataclass

# ISO 4217 minor-unit exponents that differ from 2 (the rest use 2).
_EXPONENTS = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
    "PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}
_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "INR": "₹", "CNY": "¥", "CHF": "CHF "}
_DECIMAL_RE = re.compile(r"^([0-9]{1,15})(?:\.([0-9]+))?$")
_CURRENCY_RE = re.compile(r"^[A-Z]{3}$")


class MoneyError(ValueError):
    """A price or currency that cannot be represented exactly."""


def exponent(currency: str) -> int:
    """Number of minor-unit digits of ``currency`` (2 for EUR, 0 for JPY)."""
    return _EXPONENTS.get(currency, 2)


def check_currency(currency: str) -> str:
    """Return ``currency`` if it is a three-letter upper-case code, else raise MoneyError."""
    if not isinstance(currency, str) or not _CURRENCY_RE.match(currency):
        raise MoneyError(f"currency must be a three-letter ISO 4217 code, got {currency!r}")
    return currency


def parse_decimal(text: str, currency: str) -> int:
    """Parse a decimal price string such as ``"12.50"`` into minor units.

    Args:
        text: Digits with an optional ``.`` and fraction; no sign, no exponent.
        currency: ISO 4217 code deciding how many fraction digits are allowed.

    Returns:
        The amount in minor units (``1250`` for ``"12.50"`` EUR).

    Raises:
        MoneyError: Not a plain non-negative decimal, or more fraction digits
            than the currency has (``"1.005"`` EUR would lose a cent).
    """
    check_currency(currency)
    m = _DECIMAL_RE.match(text.strip()) if isinstance(text, str) else None
    if not m:
        raise MoneyError(f"not a price: {text!r} (expected digits like 12.50)")
    whole, frac = m.group(1), m.group(2) or ""
    exp = exponent(currency)
    if len(frac) > exp and frac[exp:].strip("0"):
        raise MoneyError(f"{text!r} has more than {exp} decimals for {currency}")
    frac = (frac + "0" * exp)[:exp]
    return int(whole) * 10**exp + (int(frac) if frac else 0)


def to_decimal(minor: int, currency: str) -> str:
    """Format minor units as a plain decimal string (``1250`` EUR -> ``"12.50"``)."""
    exp = exponent(currency)
    sign = "-" if minor < 0 else ""
    minor = abs(minor)
    if exp == 0:
        return f"{sign}{minor}"
    return f"{sign}{minor // 10**exp}.{minor % 10**exp:0{exp}d}"


def format_price(minor: int, currency: str) -> str:
    """Format for display: ``€12.50``, ``¥1200``, ``12.500 KWD``."""
    amount = to_decimal(minor, currency)
    whole, _, frac = amount.partition(".")
    neg = whole.startswith("-")
    whole = whole.lstrip("-")
    grouped = f"{int(whole):,}"
    body = grouped + (f".{frac}" if frac else "")
    sym = _SYMBOLS.get(currency)
    text = f"{sym}{body}" if sym else f"{body} {currency}"
    return f"-{text}" if neg else text


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount in one currency."""

    minor: int
    currency: str

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise MoneyError(f"cannot add {other.currency} to {self.currency}")
        return Money(self.minor + other.minor, self.currency)

    def __mul__(self, qty: int) -> Money:
        return Money(self.minor * int(qty), self.currency)

    def __str__(self) -> str:
        return format_price(self.minor, self.currency)
