"""``kiosk sync`` and ``kiosk sync-status`` as a store's staff would run them."""

from __future__ import annotations

import json
from pathlib import Path

from tests.sync.catalogs import catalog
from tests.sync.conftest import Central, run_kiosk
from tests.sync.helpers import price_of, sql


def test_kiosk_sync_command_with_progress_and_status(central: Central, tmp_path: Path) -> None:
    central.publish(catalog(12, images=1))
    db = tmp_path / "kiosk.sqlite3"
    env = {"KIOSK_DB": str(db)}
    res = run_kiosk("sync", "--url", central.url, "--store", central.store, "--token", central.token,
                    "--page-size", "5", env=env)
    assert "12 updated, 0 deleted, 0 rejected" in res.stdout
    assert "applying" in res.stderr or "done" in res.stderr  # the progress bar
    assert "images: 1 downloaded" in res.stdout
    assert price_of(db, "V-00011-3") == 10300
    again = run_kiosk("sync", "--url", central.url, "--store", central.store, "--token", central.token, env=env)
    assert "synced" in again.stdout or "up to date" in again.stdout
    status = json.loads(run_kiosk("sync-status", "--store", central.store, "--json", env=env).stdout)
    assert status["last_error"] == "" and status["counts"]["upserted"] in (0, 12) and status["cursor"]
    text = run_kiosk("sync-status", "--store", central.store, env=env).stdout
    assert "last success:" in text and "rejected:      0" in text


def test_kiosk_sync_with_a_bad_token_explains_and_changes_nothing(central: Central, tmp_path: Path) -> None:
    central.publish(catalog(3))
    db = tmp_path / "kiosk.sqlite3"
    res = run_kiosk("sync", "--url", central.url, "--store", central.store, "--token", "wrong", "-q",
                    check=False, env={"KIOSK_DB": str(db)})
    assert res.returncode == 3
    assert "token refused" in res.stderr and "Traceback" not in res.stderr
    assert sql(db, "SELECT count(*) FROM products")[0][0] == 0
    status = run_kiosk("sync-status", "--store", central.store, env={"KIOSK_DB": str(db)}).stdout
    assert "token refused" in status and "STALE" in status


def test_kiosk_sync_with_the_server_down(tmp_path: Path) -> None:
    res = run_kiosk("sync", "--url", "http://127.0.0.1:18199", "--store", "S", "--token", "t", "-q",
                    check=False, env={"KIOSK_DB": str(tmp_path / "k.sqlite3")})
    assert res.returncode == 1 and "nothing changed" in res.stderr and "Traceback" not in res.stderr
