"""``kiosk handoff`` on a real database: URL, PNG, SKU resolution, errors."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import Engine

from kiosk.cli.main import main

SHOP = "https://hearth-and-home.example/cart/"
TAIL = "?storefront=true&ref=kiosk&utm_source=kiosk&utm_medium=qr&utm_campaign=demo-store"


def write_config(tmp_path: Path, **handoff: object) -> Path:
    body = "[handoff]\n" + "".join(
        f"{k} = {json.dumps(v) if not isinstance(v, bool) else str(v).lower()}\n" for k, v in handoff.items())
    path = tmp_path / "kiosk.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_cli_process_prints_url_and_writes_decodable_png(
        catalog_db: tuple[Path, Engine], tmp_path: Path) -> None:
    db, _ = catalog_db
    png = tmp_path / "cart.png"
    proc = subprocess.run(
        [sys.executable, "-m", "kiosk.cli.main", "handoff", "--db", str(db), "--target", "shopify",
         "--item", "V-1001-1:2", "--item", "NH-LUND-OAK:1", "--png", str(png)],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    url = proc.stdout.strip()
    assert url == SHOP + "40112233445566:2,40112233445577:1" + TAIL
    (result,) = zxingcpp.read_barcodes(Image.open(png))
    assert result.text == url


def test_sku_and_variant_id_resolve_and_odd_ids_encode(
        catalog_db: tuple[Path, Engine], capsys: pytest.CaptureFixture[str]) -> None:
    db, _ = catalog_db
    rc = main(["handoff", "--db", str(db), "--target", "shopify", "--item", "NH CHAIR,1:3",
               "--item", "V-1003-2"])
    out = capsys.readouterr().out.strip()
    assert rc == 0
    assert out == SHOP + "gid%3Aodd%2F1%2C2:3,40112233445588:1" + TAIL


def test_woocommerce_with_coupon_from_config(
        catalog_db: tuple[Path, Engine], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db, _ = catalog_db
    cfg = write_config(tmp_path, target="woocommerce", shop_domain="wp.example", discount="KIOSK5", utm=False)
    assert main(["handoff", "--db", str(db), "--config", str(cfg), "--item", "V-1002-1:4"]) == 0
    assert capsys.readouterr().out.strip() == \
        "https://wp.example/checkout-link/?products=40112233445577:4&coupon=KIOSK5&ref=kiosk"


def test_template_target(catalog_db: tuple[Path, Engine], tmp_path: Path,
                         capsys: pytest.CaptureFixture[str]) -> None:
    db, _ = catalog_db
    cfg = write_config(tmp_path, target="template", url_template="https://own.example/basket?add={items}&src={ref}",
                       item_format="{sku}x{qty}", item_separator=";")
    assert main(["handoff", "--db", str(db), "--config", str(cfg), "--item", "V-1001-1:1",
                 "--item", "V-1004-1:2"]) == 0
    # The store-only lamp has a SKU, which is all this template needs.
    assert capsys.readouterr().out.strip() == "https://own.example/basket?add=NH-OSLO-3-GRYx1;NH-LAMP-STx2&src=kiosk"


def test_item_without_platform_id_is_named_not_dropped_silently(
        catalog_db: tuple[Path, Engine], capsys: pytest.CaptureFixture[str]) -> None:
    db, _ = catalog_db
    rc = main(["handoff", "--db", str(db), "--target", "shopify", "--item", "V-1001-1:1", "--item", "NH-LAMP-ST:1",
               "--json"])
    out = capsys.readouterr()
    assert rc == 0
    data = json.loads(out.out)
    assert data["carried"] == ["V-1001-1"]
    assert [m["name"] for m in data["missing"]] == ["Store-only lamp"]
    assert "Store-only lamp" in out.err and "not in the online cart" in out.err


def test_unknown_item_and_bad_quantity(catalog_db: tuple[Path, Engine], capsys: pytest.CaptureFixture[str]) -> None:
    db, _ = catalog_db
    assert main(["handoff", "--db", str(db), "--target", "shopify", "--item", "NOPE:1"]) == 1
    assert "no variant or SKU 'NOPE'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["handoff", "--db", str(db), "--item", "V-1001-1:0"])
    assert exc.value.code == 2
    assert "quantity must be 1 to 99" in capsys.readouterr().err


def test_only_store_only_items_is_a_clear_error(catalog_db: tuple[Path, Engine],
                                                capsys: pytest.CaptureFixture[str]) -> None:
    db, _ = catalog_db
    assert main(["handoff", "--db", str(db), "--target", "shopify", "--item", "V-1004-1:1"]) == 1
    assert "ask a member of staff" in capsys.readouterr().err


def test_central_down_falls_back_to_permalink(catalog_db: tuple[Path, Engine],
                                              capsys: pytest.CaptureFixture[str]) -> None:
    db, _ = catalog_db
    # A port in our range that nothing listens on: connection refused, fast.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 18251))
        rc = main(["handoff", "--db", str(db), "--target", "central", "--url", "http://127.0.0.1:18251",
                   "--item", "V-1001-1:1"])
    out = capsys.readouterr()
    assert rc == 3
    assert out.out.strip() == SHOP + "40112233445566:1" + TAIL
    assert "unreachable" in out.err
