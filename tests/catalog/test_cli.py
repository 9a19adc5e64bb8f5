"""The real ``kiosk`` command: import, lookup, load-demo (subprocesses on a real database file)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from .conftest import CSV_HEADER, EAN13, UPCA, small_catalog, write_json_catalog

Run = Callable[..., CompletedProcess[str]]


def test_import_then_lookup(run_kiosk: Run, tmp_path: Path) -> None:
    path = write_json_catalog(tmp_path / "catalog.json", small_catalog())
    done = run_kiosk("import", str(path))
    assert done.returncode == 0, done.stderr
    assert "imported 3 products, 5 variants" in done.stdout
    found = run_kiosk("lookup", f"{EAN13}\r\n")
    assert found.returncode == 0, found.stderr
    assert "barcode 4006381333931: Oslo 3-seat sofa (Grey)" in found.stdout
    assert "€899.00" in found.stdout and "aisle 12, bay B" in found.stdout
    as_json = run_kiosk("lookup", UPCA, "--json")
    assert json.loads(as_json.stdout)["sku"] == "NH-BERG-RED"


def test_lookup_not_found_exits_1(run_kiosk: Run) -> None:
    done = run_kiosk("lookup", "0000000000000")
    assert done.returncode == 1
    assert "no product with barcode or SKU '0000000000000'" in done.stderr
    assert "Traceback" not in done.stderr


def test_rejected_import_exits_nonzero_and_lists_errors(run_kiosk: Run, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(CSV_HEADER + "\nP-1,S-1,4006381333932,Sofa,,,899.00,EUR,,,1,A,1\nP-2,S-2,,Chair,,,9,EUR,,,1,A,1\n",
                    encoding="utf-8")
    done = run_kiosk("import", str(path))
    assert done.returncode == 1
    assert f"{path}:2: barcode: barcode '4006381333932': wrong check digit for EAN-13 (expected 1, got 2)" in done.stderr
    assert "rejected, nothing imported: 1 error" in done.stdout
    assert run_kiosk("lookup", "S-2").returncode == 1  # the good row was not imported either
    done = run_kiosk("import", str(path), "--skip-invalid", "--json")
    assert done.returncode == 0
    report = json.loads(done.stdout)
    assert (report["committed"], report["products_written"], report["rows_rejected"]) == (True, 1, 1)
    assert report["errors"][0]["line"] == 2
    assert run_kiosk("lookup", "S-2").returncode == 0


def test_import_of_a_file_that_is_not_there(run_kiosk: Run, tmp_path: Path) -> None:
    done = run_kiosk("import", str(tmp_path / "missing.csv"))
    assert done.returncode == 1
    assert "missing.csv: file: does not exist" in done.stderr
    assert "Traceback" not in done.stderr


def test_many_errors_are_capped(run_kiosk: Run, tmp_path: Path) -> None:
    rows = "".join(f"P-{i},S-{i},,Mug,,,bad,EUR,,,,,1\n" for i in range(80))
    path = tmp_path / "many.csv"
    path.write_text(CSV_HEADER + "\n" + rows, encoding="utf-8")
    done = run_kiosk("import", str(path), "--format", "csv", "--max-errors", "10")
    assert done.returncode == 1
    assert done.stderr.count("price: not a price") == 10
    assert "... and 70 more errors" in done.stderr


def test_load_demo(run_kiosk: Run) -> None:
    pytest.importorskip("kiosk.demo", reason="the demo loader lands with the demo catalog work")
    done = run_kiosk("load-demo")
    assert done.returncode == 0, done.stderr
    found = run_kiosk("lookup", "2080000000017", "--json")
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)["product_id"] == "P-1001"


def test_db_may_come_before_the_subcommand_and_the_subcommands_own_wins(run_kiosk: Run, tmp_path: Path) -> None:
    # run_kiosk points KIOSK_DB at the test's database; these name others.
    path = write_json_catalog(tmp_path / "catalog.json", small_catalog())
    store_a, store_b = tmp_path / "a.sqlite3", tmp_path / "b.sqlite3"
    done = run_kiosk("--db", str(store_a), "import", str(path))
    assert done.returncode == 0, done.stderr
    assert run_kiosk("--db", str(store_a), "lookup", EAN13).returncode == 0
    assert run_kiosk("lookup", EAN13).returncode == 1, "the import went to --db, not to $KIOSK_DB"
    assert run_kiosk("--db", str(store_b), "lookup", "--db", str(store_a), EAN13).returncode == 0
    missing = run_kiosk("--db", str(store_a), "lookup", "--db", str(store_b), EAN13)
    assert missing.returncode == 1 and "no product with barcode" in missing.stderr
    config = tmp_path / "kiosk.toml"
    config.write_text("[nonsense]\n", encoding="utf-8")
    bad = run_kiosk("--config", str(config), "lookup", EAN13)
    assert bad.returncode == 2 and "nonsense" in bad.stderr, "the config given before the subcommand is read"
