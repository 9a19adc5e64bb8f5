"""Retail barcodes (EAN-13, EAN-8, UPC-A): check digits and normal form.

The kiosk stores every code in one *normal form* so that a scan finds the
variant whichever way the code was printed or typed:

* EAN-13 is kept as its 13 digits.
* UPC-A (12 digits) is the EAN-13 with a leading ``0``: it is stored as that
  13-digit form, so scanning ``036000291452`` and ``0036000291452`` both hit.
* EAN-8 is kept as its 8 digits (a separate number space from EAN-13).

UPC-E (the 8-digit compressed UPC) shares its length with EAN-8 and is not
accepted: its check digit is computed on the expanded UPC-A, so an 8-digit
UPC-E would be rejected here (write the expanded UPC-A instead).
"""

from __future__ import annotations

import re

KIND_EAN13 = "EAN-13"
KIND_EAN8 = "EAN-8"
KIND_UPCA = "UPC-A"

_KINDS = {13: KIND_EAN13, 12: KIND_UPCA, 8: KIND_EAN8}
_DIGITS_RE = re.compile(r"^[0-9]+$")
# What a keyboard-wedge scanner may wrap around a code: whitespace, CR/LF,
# tabs, and the odd NUL or other control character.
_SCANNER_NOISE_RE = re.compile(r"[\s\x00-\x1f\x7f]+")


class BarcodeError(ValueError):
    """A code that is not a valid EAN-13, EAN-8 or UPC-A."""


def check_digit(payload: str) -> int:
    """The GS1 mod-10 check digit of ``payload`` (the digits before it).

    Weights alternate 3, 1, 3, ... starting from the rightmost payload digit;
    the same rule serves EAN-13, EAN-8, UPC-A and GTIN-14.

    Args:
        payload: Digits without the check digit.

    Returns:
        The check digit, 0-9.
    """
    digits = payload.encode("ascii")
    # Byte values are ord("0") + digit; the offsets cancel modulo 10 once
    # subtracted per digit, which sum() over slices does cheaply.
    odd = sum(digits[-1::-2]) - 48 * len(digits[-1::-2])
    even = sum(digits[-2::-2]) - 48 * len(digits[-2::-2])
    return (10 - (3 * odd + even) % 10) % 10


def with_check_digit(payload: str) -> str:
    """``payload`` followed by its check digit (``"400638133393"`` -> ``"4006381333931"``)."""
    if not _DIGITS_RE.match(payload):
        raise BarcodeError(f"barcode payload must be digits, got {payload!r}")
    return payload + str(check_digit(payload))


def barcode_kind(code: str) -> str:
    """Name the symbology a *valid* code of this length belongs to."""
    kind = _KINDS.get(len(code))
    if kind is None:
        raise BarcodeError(f"barcode {code!r} has {len(code)} digits; expected 8 (EAN-8), 12 (UPC-A) or 13 (EAN-13)")
    return kind


def validate_barcode(code: str) -> str:
    """Check ``code`` and return its normal form.

    Args:
        code: The printed digits of an EAN-13, EAN-8 or UPC-A code
            (surrounding whitespace is ignored).

    Returns:
        The normal form: 13 digits for EAN-13 and UPC-A (UPC-A gains a
        leading ``0``), 8 digits for EAN-8.

    Raises:
        BarcodeError: Not digits, a length that is none of the three, or a
            wrong check digit (the message names the expected digit).
    """
    if not isinstance(code, str):
        raise BarcodeError(f"barcode must be a string of digits, got {type(code).__name__}")
    code = code.strip()
    if not code:
        raise BarcodeError("barcode is empty")
    if not _DIGITS_RE.match(code) or not code.isascii():
        raise BarcodeError(f"barcode {code!r} must contain only the digits 0-9")
    kind = barcode_kind(code)
    expected = check_digit(code[:-1])
    if int(code[-1]) != expected:
        raise BarcodeError(f"barcode {code!r}: wrong check digit for {kind} (expected {expected}, got {code[-1]})")
    return "0" + code if kind == KIND_UPCA else code


def is_valid_barcode(code: str) -> bool:
    """True when ``code`` is a valid EAN-13, EAN-8 or UPC-A."""
    try:
        validate_barcode(code)
    except BarcodeError:
        return False
    return True


def clean_scan(text: str) -> str:
    """Strip what a scanner or a keyboard may add around a code.

    Removes all whitespace and control characters (CR/LF suffixes, tabs,
    stray NULs) anywhere in the input; keeps everything else as typed.
    """
    return _SCANNER_NOISE_RE.sub("", text)


def scan_candidates(text: str) -> list[str]:
    """The normal-form barcodes a scanned string may stand for.

    A 12-digit scan is a UPC-A (stored with a leading ``0``); a 14-digit
    GTIN-14 with a leading ``0`` is the EAN-13 after it. Codes that fail the
    check digit are still tried as typed (no match is the answer then), so a
    lookup never raises.
    """
    code = clean_scan(text)
    if not code.isdigit() or not code.isascii():
        return []
    out = [code]
    if len(code) == 12:
        out.insert(0, "0" + code)
    elif len(code) == 14 and code.startswith("0"):
        out.insert(0, code[1:])
    return out
