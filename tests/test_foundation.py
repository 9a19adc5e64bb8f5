"""The database, configuration, money and cart foundations."""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, inspect, text

from kiosk.cart import Cart, CartError, line_for_variant
from kiosk.config import ConfigError, load_config
from kiosk.db import open_db
from kiosk.models import Product, Scene, Variant
from kiosk.money import MoneyError, format_price, parse_decimal, to_decimal


def test_database_uses_wal_and_foreign_keys(engine: Engine) -> None:
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000


def test_a_new_database_gets_16_kib_pages_and_an_existing_one_keeps_its_own(tmp_path: Path) -> None:
    from kiosk.db import PAGE_SIZE

    new = tmp_path / "new.sqlite3"
    open_db(new).dispose()
    with sqlite3.connect(new) as conn:
        assert conn.execute("PRAGMA page_size").fetchone()[0] == PAGE_SIZE == 16384
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    # A kiosk's database made before (SQLite's 4 KiB pages, staff data in
    # it): opened, migrated and written as before, its pages untouched.
    old = tmp_path / "old.sqlite3"
    with sqlite3.connect(old) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE kept (note TEXT)")
        conn.execute("INSERT INTO kept VALUES ('staff note')")
    eng = open_db(old)
    with eng.begin() as conn:
        conn.execute(insert(Scene).values(id="s1", title="Cozy", version=1, updated_at=datetime.now(timezone.utc)))
        assert conn.exec_driver_sql("PRAGMA page_size").scalar() == 4096
        assert conn.exec_driver_sql("SELECT note FROM kept").scalar() == "staff note"
    eng.dispose()
    with sqlite3.connect(old) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT title FROM scenes").fetchone()[0] == "Cozy"


def test_the_wal_file_is_cut_back_after_a_big_write(tmp_path: Path) -> None:
    """A nightly re-import or full sync must not leave a WAL file of its size on the kiosk's disk."""
    from kiosk.db import WAL_SIZE_LIMIT

    path = tmp_path / "kiosk.sqlite3"
    wal = Path(f"{path}-wal")
    eng = open_db(path)
    blob = os.urandom(1024 * 1024)
    with eng.begin() as conn:  # one transaction of ~1.5x the limit (a big sync)
        conn.exec_driver_sql("CREATE TABLE big (b BLOB)")
        for _ in range(WAL_SIZE_LIMIT * 3 // 2 // len(blob)):
            conn.exec_driver_sql("INSERT INTO big VALUES (?)", (blob,))
    assert wal.stat().st_size > WAL_SIZE_LIMIT  # the whole transaction went through the WAL
    with eng.begin() as conn:  # the commit's checkpoint copied it into the database
        conn.exec_driver_sql("DELETE FROM big")
    with eng.begin() as conn:  # the next write restarts the WAL: cut back to the limit
        conn.exec_driver_sql("INSERT INTO big VALUES (x'00')")
    assert wal.stat().st_size <= WAL_SIZE_LIMIT
    with eng.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM big").scalar() == 1  # nothing lost
    eng.dispose()


def test_migrations_create_schema_and_keep_staff_data(db_path: Path) -> None:
    eng = open_db(db_path)
    assert {"products", "variants", "barcodes", "scenes", "events"} <= set(inspect(eng).get_table_names())
    with eng.begin() as conn:
        conn.execute(insert(Scene).values(id="s1", title="Cozy", version=1,
                                          updated_at=datetime.now(timezone.utc)))
    eng.dispose()
    # Re-opening (an upgrade on start-up) must not touch staff-made scenes.
    eng = open_db(db_path)
    with eng.connect() as conn:
        assert conn.execute(text("SELECT title FROM scenes")).scalar() == "Cozy"
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    eng.dispose()


def test_variant_needs_existing_product(engine: Engine) -> None:
    with pytest.raises(Exception) as err, engine.begin() as conn:
        conn.execute(insert(Variant).values(id="v", product_id="nope", sku="S", price_minor=1, currency="EUR"))
    assert "FOREIGN KEY" in str(err.value).upper()


def test_naive_datetimes_are_refused(engine: Engine) -> None:
    with pytest.raises(Exception, match="naive"), engine.begin() as conn:
        conn.execute(insert(Scene).values(id="s", title="t", updated_at=datetime(2026, 1, 1)))


def test_money_parses_exactly() -> None:
    assert parse_decimal("12.5", "EUR") == 1250
    assert parse_decimal("12.50", "EUR") == 1250
    assert parse_decimal("1200", "JPY") == 1200
    assert parse_decimal("1.250", "KWD") == 1250
    assert parse_decimal("0.10", "EUR") == 10
    for bad in ("1.005", "-1", "1e3", "", "1,00", "nan", "١٢"):
        with pytest.raises(MoneyError):
            parse_decimal(bad, "EUR")
    with pytest.raises(MoneyError):
        parse_decimal("1", "eur")
    assert to_decimal(1250, "EUR") == "12.50"
    assert format_price(123456, "EUR") == "€1,234.56"
    assert format_price(1200, "JPY") == "¥1,200"


def test_config_defaults_and_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KIOSK_DB", raising=False)
    cfg = load_config()
    assert cfg.session.idle_timeout_s == 90
    p = tmp_path / "k.toml"
    p.write_text('db = "/tmp/x.db"\n[session]\nidle_timeout_s = 30\n[store]\ncurrency = "GBP"\n')
    cfg = load_config(p)
    assert cfg.session.idle_timeout_s == 30.0 and cfg.store.currency == "GBP" and str(cfg.db) == "/tmp/x.db"
    monkeypatch.setenv("KIOSK_DB", "/tmp/env.db")
    assert str(load_config(p).db) == "/tmp/env.db"
    p.write_text('[sync]\nurl = "http://central:8000"\ntoken = "from-file"\n')
    monkeypatch.delenv("KIOSK_SYNC_TOKEN", raising=False)
    assert load_config(p).sync.token == "from-file"
    monkeypatch.setenv("KIOSK_SYNC_TOKEN", "kst_from_env")  # the deployment keeps the secret out of the file
    assert load_config(p).sync.token == "kst_from_env"
    p.write_text("[session]\nidle_timout_s = 30\n")
    with pytest.raises(ConfigError, match="idle_timout_s"):
        load_config(p)
    p.write_text("[session\n")
    with pytest.raises(ConfigError, match="TOML"):
        load_config(p)


def _product(engine: Engine, pid: str, vid: str, price: int, currency: str = "EUR") -> None:
    with engine.begin() as conn:
        conn.execute(insert(Product).values(id=pid, name=f"Lamp {pid}", updated_at=datetime.now(timezone.utc)))
        conn.execute(insert(Variant).values(id=vid, product_id=pid, sku=f"SKU-{vid}", price_minor=price,
                                            currency=currency, platform_variant_id="4711"))


def test_cart_totals_merge_and_reprice(engine: Engine) -> None:
    _product(engine, "p1", "v1", 1999)
    _product(engine, "p2", "v2", 500)
    cart = Cart("EUR")
    cart.add(line_for_variant(engine, "v1", 2))
    cart.add(line_for_variant(engine, "v2"))
    cart.add(line_for_variant(engine, "v1"))
    assert [(line.variant_id, line.qty) for line in cart] == [("v1", 3), ("v2", 1)]
    assert cart.total_minor == 3 * 1999 + 500
    cart.set_qty("v2", 0)
    assert len(cart) == 1
    with engine.begin() as conn:
        conn.execute(text("UPDATE variants SET price_minor = 1500 WHERE id = 'v1'"))
    cart.reprice(engine)
    assert cart.total_minor == 4500
    with pytest.raises(CartError):
        line_for_variant(engine, "missing")
    _product(engine, "p3", "v3", 100, "GBP")
    with pytest.raises(CartError):
        cart.add(line_for_variant(engine, "v3"))
    cart.clear()
    assert cart.item_count == 0


def test_wal_lets_a_reader_see_the_old_state_during_a_write(engine: Engine, db_path: Path) -> None:
    _product(engine, "p1", "v1", 100)
    with engine.begin() as conn:
        conn.execute(text("UPDATE variants SET price_minor = 200"))
        other = sqlite3.connect(db_path)
        assert other.execute("SELECT price_minor FROM variants").fetchone() == (100,)
        other.close()
