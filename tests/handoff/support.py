"""Real parts for handoff tests: a central service process, headless Chromium, a QR decoder.

Imported by tests/handoff and tests/ui/test_handoff_ui.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.central.server import free_port as central_free_port

CHROMIUM = "/usr/bin/chromium"
#: This area's ports (tests/handoff and the handoff UI test).
PORTS = range(18200, 18240)


def free_port(ports: range = PORTS) -> int:
    """A port of this area's range that nothing listens on."""
    return central_free_port(ports)


def kiosk_cmd(*args: str) -> list[str]:
    """The ``kiosk`` command line run with this interpreter."""
    return [sys.executable, "-m", "kiosk.cli.main", *args]


@dataclass
class CentralServer:
    """A running ``kiosk central serve`` process."""

    base_url: str
    token: str
    db_url: str
    proc: subprocess.Popen[bytes]
    log_path: Path


@contextmanager
def central_server(workdir: Path, store: str = "demo-store") -> Iterator[CentralServer]:
    """Start the reference central service on a free port; stop it afterwards."""
    db = workdir / "central.sqlite3"
    env = {**os.environ, "KIOSK_CENTRAL_DB": str(db)}
    # Schema and token in process (fast); the service itself is a real process.
    from kiosk.central.auth import create_token
    from kiosk.central.db import make_engine, migrate, write_tx
    from kiosk.central.stores import ensure_store

    engine = make_engine(f"sqlite:///{db}")
    try:
        migrate(engine)
        with write_tx(engine) as conn:
            ensure_store(conn, store, name="Hearth & Home")
            token = create_token(conn, store_id=store, label="handoff tests")
    finally:
        engine.dispose()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = workdir / "central.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            kiosk_cmd("central", "serve", "--host", "127.0.0.1", "--port", str(port), "--db", str(db),
                      "--public-url", base),
            stdout=log, stderr=subprocess.STDOUT, env=env,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"central service exited: {log_path.read_text(errors='replace')[-2000:]}")
            try:
                if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("central service did not start within 60 s")
            time.sleep(0.1)  # polling a process for readiness, not waiting for state in the code under test
        yield CentralServer(base_url=base, token=token, db_url=f"sqlite:///{db}", proc=proc, log_path=log_path)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def chromium_dump_dom(url: str, timeout_s: float = 90) -> str:
    """The DOM of ``url`` after load in headless Chromium (fresh profile, no network but 127.0.0.1 pages)."""
    profile = tempfile.mkdtemp(prefix="kiosk-chromium-")
    try:
        proc = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
             f"--user-data-dir={profile}", "--dump-dom", url],
            capture_output=True, text=True, timeout=timeout_s, check=False,
        )
        if proc.returncode != 0 and not proc.stdout:
            raise RuntimeError(f"chromium failed ({proc.returncode}): {proc.stderr[-2000:]}")
        return proc.stdout
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def chromium_screenshot(url: str, out: Path, size: tuple[int, int] = (412, 915), timeout_s: float = 90) -> Path:
    """A phone-sized screenshot of ``url`` in headless Chromium."""
    profile = tempfile.mkdtemp(prefix="kiosk-chromium-")
    try:
        subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
             "--hide-scrollbars", f"--user-data-dir={profile}", f"--window-size={size[0]},{size[1]}",
             f"--screenshot={out}", url],
            capture_output=True, text=True, timeout=timeout_s, check=True,
        )
        return out
    finally:
        shutil.rmtree(profile, ignore_errors=True)
