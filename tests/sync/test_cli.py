"""``kiosk sync`` and ``kiosk sync-status`` as a store's staff would run them."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import socket
import sqlite3
import struct
import subprocess
import termios
from datetime import timedelta
from pathlib import Path

import pytest

from kiosk.cli.main import main
from kiosk.models import UTCDateTime, utcnow
from tests.sync.catalogs import catalog
from tests.sync.conftest import KIOSK, ROOT, Central, free_port, run_kiosk
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
    # Not a terminal (cron, systemd, a log file): summary lines only, no redrawn bars.
    assert "\r" not in res.stderr and "fetching" not in res.stderr
    assert "images: 1 downloaded" in res.stdout
    assert price_of(db, "V-00011-3") == 10300
    assert len(list((tmp_path / "data" / "images").iterdir())) == 1
    again = run_kiosk("sync", "--url", central.url, "--store", central.store, "--token", central.token, env=env)
    assert "synced" in again.stdout or "up to date" in again.stdout
    status = json.loads(run_kiosk("sync-status", "--store", central.store, "--json", env=env).stdout)
    assert status["last_error"] == "" and status["counts"]["upserted"] in (0, 12) and status["cursor"]
    text = run_kiosk("sync-status", "--store", central.store, env=env).stdout
    assert "last success:" in text and "rejected:      0" in text


def test_kiosk_sync_shows_progress_bars_on_a_terminal(central: Central, tmp_path: Path) -> None:
    """At a terminal the clerk sees the sync move (stderr is a pseudo-terminal here)."""
    central.publish(catalog(12, images=1))
    env = {"KIOSK_DB": str(tmp_path / "kiosk.sqlite3"), "KIOSK_CONFIG": str(tmp_path / "kiosk.toml")}
    (tmp_path / "kiosk.toml").write_text(f'data_dir = "{tmp_path / "data"}"\n')
    master, slave = pty.openpty()
    # A fresh pseudo-terminal is 0 columns wide; give it a real terminal's size.
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    try:
        proc = subprocess.run([*KIOSK, "sync", "--url", central.url, "--store", central.store, "--token",
                               central.token, "--page-size", "5"], stdout=subprocess.PIPE, stderr=slave,
                              text=True, timeout=120, cwd=ROOT, env={**os.environ, **env})
        os.close(slave)
        slave = -1
        terminal = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the writer is gone and everything was read
                break
            if not chunk:
                break
            terminal += chunk
    finally:
        os.close(master)
        if slave >= 0:
            os.close(slave)
    assert proc.returncode == 0, proc.stdout
    assert "12 updated" in proc.stdout
    shown = terminal.decode("utf-8", "replace")
    assert "\r" in shown and ("applying" in shown or "done" in shown)
    assert "images" in shown


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


def test_sync_status_check_rates_the_kiosk_for_monitoring(central: Central, tmp_path: Path) -> None:
    """What a store chain's monitoring sees: OK, WARNING and CRITICAL as the kiosk's sync goes."""
    db = tmp_path / "kiosk.sqlite3"
    standalone = tmp_path / "standalone.toml"
    standalone.write_text(f'data_dir = "{tmp_path / "data"}"\n')
    synced = tmp_path / "synced.toml"
    synced.write_text(f'data_dir = "{tmp_path / "data"}"\n[store]\nstore_id = "{central.store}"\n'
                      f'[sync]\nurl = "{central.url}"\ntoken = "{central.token}"\n')

    def check(config: Path, *extra: str) -> subprocess.CompletedProcess[str]:
        return run_kiosk("sync-status", "--check", *extra, check=False,
                         env={"KIOSK_DB": str(db), "KIOSK_CONFIG": str(config)})

    res = check(standalone)
    assert (res.returncode, res.stdout.strip()) == (0, "SYNC OK - standalone kiosk (no central service configured)")
    res = check(synced)
    assert res.returncode == 2 and res.stdout.startswith("SYNC CRITICAL - never synced")

    central.publish(catalog(4))
    env = {"KIOSK_DB": str(db), "KIOSK_CONFIG": str(synced)}
    run_kiosk("sync", "-q", "--no-images", env=env)
    res = check(synced)
    assert res.returncode == 0 and res.stdout.startswith("SYNC OK - catalog synced")

    with socket.socket() as held:  # the central service is unreachable for one attempt
        held.bind(("127.0.0.1", free_port()))
        failed = run_kiosk("sync", "-q", "--url", f"http://127.0.0.1:{held.getsockname()[1]}", check=False, env=env)
    assert failed.returncode == 1
    res = check(synced)
    assert res.returncode == 1 and res.stdout.startswith("SYNC WARNING - last attempt failed")
    assert "connection refused" in res.stdout

    # A day and a half without contact: prices may be wrong.
    old = UTCDateTime().process_bind_param(utcnow() - timedelta(hours=36), None)
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE sync_state SET last_success_at = ?", (old,))
    conn.close()
    res = check(synced)
    assert res.returncode == 2 and "catalog 36.0 h old, over the 24 h limit" in res.stdout
    report = check(synced, "--json")
    assert report.returncode == 2
    assert json.loads(report.stdout)["health"] == {"code": 2, "summary": res.stdout.strip()}
