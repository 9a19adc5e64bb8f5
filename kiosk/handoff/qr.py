"""QR codes for the handoff: the module matrix, its on-screen size, a PNG.

The kiosk draws the matrix itself (``screens/widgets/qr_widget.py`` turns it
into a texture with one pixel per module), so this module only decides *what*
the modules are and *how big* they must be. No Kivy here.

Every code uses error correction M (15 % of the symbol can be lost to glare
or a smudge on the glass) and the standard 4-module quiet zone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import qrcode
from qrcode.constants import ERROR_CORRECT_M

QUIET_ZONE = 4
#: Smallest module a phone camera resolves reliably on a backlit screen.
MIN_MODULE_MM = 0.5
#: Smallest side of the whole symbol (quiet zone included) for a customer
#: holding their phone at arm's length (~50 cm); the usual rule of thumb is
#: a tenth of the scanning distance.
MIN_SIDE_MM = 50.0
#: Largest short link that still fits a version 4 code at level M (62 bytes).
MAX_SHORT_LINK_BYTES = 62
MM_PER_INCH = 25.4


@dataclass(frozen=True, slots=True)
class QRMatrix:
    """A QR symbol as rows of dark (True) / light (False) modules.

    The rows include the quiet zone and run top to bottom.
    """

    rows: tuple[tuple[bool, ...], ...]
    version: int
    border: int
    data: str

    @property
    def size(self) -> int:
        """Modules per side, quiet zone included."""
        return len(self.rows)

    def to_bytes(self, *, bottom_up: bool = False, dark: bytes = b"\x00", light: bytes = b"\xff") -> bytes:
        """Pack the matrix as one pixel per module.

        Args:
            bottom_up: Emit the last row first (OpenGL textures start at the
                bottom-left corner).
            dark: Bytes of one dark pixel (e.g. ``b"\\x00\\x00\\x00\\xff"`` for RGBA).
            light: Bytes of one light pixel, the same length as ``dark``.
        """
        rows = reversed(self.rows) if bottom_up else iter(self.rows)
        return b"".join(dark if m else light for row in rows for m in row)


def make_qr(data: str, *, border: int = QUIET_ZONE) -> QRMatrix:
    """Encode ``data`` at error correction M with the smallest version that fits.

    Raises:
        ValueError: ``data`` is empty or too long for any QR version.
    """
    if not data:
        raise ValueError("nothing to encode")
    qr = qrcode.QRCode(version=None, error_correction=ERROR_CORRECT_M, border=border)
    qr.add_data(data)
    try:
        qr.make(fit=True)
    except (qrcode.exceptions.DataOverflowError, ValueError) as exc:
        # qrcode 8 reports an overflow as "Invalid version (was 41...)".
        raise ValueError(f"{len(data)} characters do not fit in a QR code") from exc
    rows = tuple(tuple(bool(m) for m in row) for row in qr.get_matrix())
    return QRMatrix(rows=rows, version=int(qr.version), border=border, data=data)


def module_px(dpi: float, modules: int, *, min_module_mm: float = MIN_MODULE_MM,
              min_side_mm: float = MIN_SIDE_MM) -> int:
    """Whole screen pixels per module so the code is sharp and big enough.

    A whole number keeps every module the same width (nearest-neighbour
    scaling by a fraction would make some modules a pixel wider than others).

    Args:
        dpi: Physical pixels per inch of the screen.
        modules: Modules per side, quiet zone included.
        min_module_mm: Lower bound on one module's width.
        min_side_mm: Lower bound on the whole symbol's width.

    Returns:
        Pixels per module, at least 1.
    """
    if dpi <= 0 or modules <= 0:
        raise ValueError("dpi and modules must be positive")
    px_per_mm = dpi / MM_PER_INCH
    by_module = min_module_mm * px_per_mm
    by_side = min_side_mm * px_per_mm / modules
    # Round 1e-9 away so an exact fit (2.0000000001) is not bumped a pixel.
    return max(1, math.ceil(max(by_module, by_side) - 1e-9))


def module_mm(px_per_module: int, dpi: float) -> float:
    """Physical width of one module drawn ``px_per_module`` pixels wide."""
    return px_per_module * MM_PER_INCH / dpi


def write_png(matrix: QRMatrix, path: Path | str, *, scale: int = 8) -> Path:
    """Write the symbol as a black-on-white PNG, ``scale`` pixels per module.

    Returns:
        The path written.
    """
    from PIL import Image  # Pillow comes with kivy[base]; only this needs it.

    if scale < 1:
        raise ValueError("scale must be at least 1")
    n = matrix.size
    img = Image.frombytes("L", (n, n), matrix.to_bytes())
    img = img.resize((n * scale, n * scale), Image.Resampling.NEAREST)
    out = Path(path)
    img.save(out, format="PNG")
    return out
