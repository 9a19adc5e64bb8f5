"""QR symbols: error correction M, quiet zone, version budget, real decoding."""

from __future__ import annotations

from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from kiosk.handoff.qr import MAX_SHORT_LINK_BYTES, make_qr, module_mm, module_px, write_png
from kiosk.handoff.urls import central_short_url, shopify_cart_url


def decode(path: Path) -> list[zxingcpp.Result]:
    return zxingcpp.read_barcodes(Image.open(path), formats=zxingcpp.BarcodeFormat.QRCode)


@pytest.mark.parametrize("host", ["https://central.example", "https://handoff.hearth-and-home.example",
                                  "http://127.0.0.1:18299"])
def test_short_link_fits_version_4(host: str) -> None:
    url = central_short_url(host, "K7M3QX9P")
    assert len(url.encode()) <= MAX_SHORT_LINK_BYTES
    assert make_qr(url).version <= 4


def test_ecc_level_m_and_quiet_zone(tmp_path: Path) -> None:
    url = "https://central.example/h/K7M3QX9P"
    qr = make_qr(url)
    n = qr.size
    assert n == 17 + 4 * qr.version + 2 * 4
    # Four light modules on every side.
    for i in range(4):
        assert not any(qr.rows[i]) and not any(qr.rows[n - 1 - i])
        assert not any(row[i] for row in qr.rows) and not any(row[n - 1 - i] for row in qr.rows)
    # The finder pattern starts right after the quiet zone.
    assert qr.rows[4][4:11] == (True,) * 7
    (result,) = decode(write_png(qr, tmp_path / "q.png", scale=4))
    assert result.text == url
    assert result.ec_level == "M"
    assert result.symbology_identifier.startswith("]Q")


def test_twenty_line_permalink_decodes(tmp_path: Path) -> None:
    url = shopify_cart_url("hearth-and-home.example", [(str(40112233445500 + i), i % 3 + 1) for i in range(20)])
    qr = make_qr(url)
    assert qr.version > 4  # why the short link exists
    (result,) = decode(write_png(qr, tmp_path / "long.png", scale=3))
    assert result.text == url


def test_png_scale_is_whole_modules(tmp_path: Path) -> None:
    qr = make_qr("https://x.example/h/A")
    img = Image.open(write_png(qr, tmp_path / "s.png", scale=5))
    assert img.size == (qr.size * 5, qr.size * 5)
    assert set(img.getdata()) == {0, 255}  # no grey: no blur


@pytest.mark.parametrize("dpi", [72.0, 96.0, 160.0, 300.0])
def test_module_size_from_dpi(dpi: float) -> None:
    qr = make_qr("https://central.example/h/K7M3QX9P")
    px = module_px(dpi, qr.size)
    assert module_mm(px, dpi) >= 0.5
    assert module_mm(px, dpi) * qr.size >= 50.0  # arm's length
    # Not needlessly big: one pixel less would break a bound.
    assert px == 1 or module_mm(px - 1, dpi) < 0.5 or module_mm(px - 1, dpi) * qr.size < 50.0


def test_empty_and_oversized_data_are_refused() -> None:
    with pytest.raises(ValueError):
        make_qr("")
    with pytest.raises(ValueError, match="do not fit"):
        make_qr("x" * 5000)
