"""Barcode check digits and normal forms: what decides whether a scan can find a product."""

from __future__ import annotations

import pytest

from kiosk.barcodes import (
    BarcodeError,
    check_digit,
    clean_scan,
    is_valid_barcode,
    scan_candidates,
    validate_barcode,
    with_check_digit,
)

from .conftest import EAN8, EAN13, EAN13_B, UPCA


@pytest.mark.parametrize("code", [EAN13, EAN13_B, "8900000000012", "0012345678905", "2080000000017"])
def test_valid_ean13_is_kept_as_is(code: str) -> None:
    assert validate_barcode(code) == code


@pytest.mark.parametrize("code", [EAN8, "40170725", "12345670"])
def test_valid_ean8_is_kept_as_is(code: str) -> None:
    assert validate_barcode(code) == code


@pytest.mark.parametrize("code", [UPCA, "012345678905", "042100005264"])
def test_valid_upca_is_stored_as_its_ean13_form(code: str) -> None:
    assert validate_barcode(code) == "0" + code
    # ... which is itself a valid EAN-13 with the same check digit.
    assert validate_barcode("0" + code) == "0" + code


@pytest.mark.parametrize(
    ("code", "kind", "expected"),
    [("4006381333932", "EAN-13", "1"), ("96385075", "EAN-8", "4"), ("036000291453", "UPC-A", "2")],
)
def test_wrong_check_digit_is_refused_naming_the_right_one(code: str, kind: str, expected: str) -> None:
    with pytest.raises(BarcodeError) as exc:
        validate_barcode(code)
    assert f"wrong check digit for {kind}" in str(exc.value)
    assert f"expected {expected}" in str(exc.value)


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("", "empty"),
        ("40063813339", "11 digits"),
        ("40063813339311", "14 digits"),
        ("400638133393X", "only the digits"),
        ("4006381-333931", "only the digits"),
        ("٤٠٠٦٣٨١٣٣٣٩٣١", "only the digits"),  # Arabic-Indic digits pass str.isdigit()
    ],
)
def test_malformed_codes_are_refused(code: str, why: str) -> None:
    with pytest.raises(BarcodeError, match=why):
        validate_barcode(code)
    assert not is_valid_barcode(code)


def test_surrounding_whitespace_is_ignored() -> None:
    assert validate_barcode(f"  {EAN13}\n") == EAN13


def test_check_digit_matches_gs1_examples() -> None:
    assert check_digit("400638133393") == 1
    assert check_digit("590123412345") == 7
    assert check_digit("9638507") == 4
    assert check_digit("03600029145") == 2
    assert with_check_digit("890000000001") == "8900000000012"


def test_every_single_digit_error_is_caught() -> None:
    # The point of a check digit: any one mistyped digit is detected.
    for pos in range(13):
        for digit in "0123456789":
            if digit == EAN13[pos]:
                continue
            typo = EAN13[:pos] + digit + EAN13[pos + 1:]
            assert not is_valid_barcode(typo), typo


def test_scan_noise_is_stripped() -> None:
    assert clean_scan(f"\x02{EAN13}\r\n") == EAN13
    assert clean_scan(f" {EAN13}\t") == EAN13


def test_scan_candidates_cover_upca_and_gtin14() -> None:
    assert scan_candidates(UPCA) == ["0" + UPCA, UPCA]
    assert scan_candidates("0" + EAN13) == [EAN13, "0" + EAN13]
    assert scan_candidates("not digits") == []
