"""``kiosk sync`` and ``kiosk sync-status`` as a store's staff would run them."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from kiosk.cli.main import main
from tests.sync.catalogs import catalog
from tests.sync.conftest import Central, free_port, run_kiosk
from tests.sync.helpers import price_of, sql


def test_kiosk_sync_command_with_progress_and_status(central: Central, tmp_path: Path) -> None:
    central.publish(catalog(12, images=1))
    db = tmp_path / "kiosk.sqlite3"
    config = tmp_path / "kiosk.toml"
    config.write_text(f'data_dir = "{tmp_path / "data"}"\n')
    env = {"KIOSK_DB": str(db), "KIOSK_CONFIG": str(config)}
    res = run_kiosk("sync", "--url", central.url, "--store", central.store, "--token", central.token,
                    "--page-size", "5", env=env)
    assert "12 updated, 0 deleted, 0 rejected" in res.stdout
    assert "applying" in res.stderr or "done" in res.stderr  # the progress bar
    assert "images: 1 downloaded" in res.stdout
    assert price_of(db, "V-00011-3") == 10300
    assert len(list((tmp_path / "data" / "images").iterdir())) == 1
    again = run_kiosk("sync", "--url", central.url, "--store", central.store, "--token", central.token, env=env)
    assert "synced" in again.stdout or "up to date" in again.stdout
    status = json.loads(run_kiosk("sync-status", "--store", central.store, "--json", env=env).stdout)
    assert status["last_error"] == "" and status["counts"]["upserted"] in (0, 12) and status["cursor"]
    text = run_kiosk("sync-status", "--store", central.store, env=env).stdout
    assert "last success:" in text and "rejected:      0" in text


def test_kiosk_sync_with_a_bad_token_explains_and_changes_nothing(central: Central, tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    central.publish(catalog(3))
    db = tmp_path / "kiosk.sqlite3"
    code = main(["sync", "--db", str(db), "--url", central.url, "--store", central.store, "--token", "wrong", "-q"])
    err = capsys.readouterr().err
    assert code == 3 and "token refused" in err
    assert sql(db, "SELECT count(*) FROM products")[0][0] == 0
    assert main(["sync-status", "--db", str(db), "--store", central.store]) == 0
    status = capsys.readouterr().out
    assert "token refused" in status and "STALE" in status


def test_kiosk_sync_with_the_server_down(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as held:  # bound, never listening: connections are refused
        held.bind(("127.0.0.1", free_port()))
        url = f"http://127.0.0.1:{held.getsockname()[1]}"
        code = main(["sync", "--db", str(tmp_path / "k.sqlite3"), "--url", url, "--store", "S", "--token", "t",
                     "-q"])
    err = capsys.readouterr().err
    assert code == 1 and "nothing changed" in err and "connection refused" in err
