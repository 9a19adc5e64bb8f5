"""Fixtures for sync tests: the real central server process, and the fault proxy.

The central service runs as its own process (``kiosk central serve``) on a
SQLite file; catalogs are published into it the way an operator would
(``kiosk central publish``). The fault proxy (tests/sync/fault_proxy.py) is
a second real HTTP server process that forwards to it and misbehaves on
command.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests


ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable
KIOSK = [PY, "-m", "kiosk.cli.main"]
PORTS = range(18100, 18200)
# Another run of this suite (a colleague's, CI's) may use the same range at
# the same time: start at a random place in it, and check that the server
# answering on a port is really ours (see CentralServer.start).
_next_port = [random.Random(os.getpid() ^ time.time_ns()).randrange(PORTS.start, PORTS.stop)]


def free_port() -> int:
    """A free port of this suite's range (18100-18199)."""
    for _ in range(len(PORTS)):
        port = _next_port[0]
        _next_port[0] = port + 1 if port + 1 < PORTS.stop else PORTS.start
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 18100-18199")


def _die_with_parent() -> None:
    """In a child process: get SIGKILL when the test process dies (no leaked servers)."""
    import ctypes

    PR_SET_PDEATHSIG = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def wait_http(url: str, deadline_s: float = 90.0, proc: subprocess.Popen[bytes] | None = None) -> None:
    """Poll ``url`` until it answers (any status)."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server process exited with {proc.returncode}")
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.05)
    raise TimeoutError(f"{url} did not come up")


def run_kiosk(*args: str, check: bool = True, env: dict[str, str] | None = None,
              timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the ``kiosk`` command line in a subprocess."""
    res = subprocess.run([*KIOSK, *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT,
                         env={**os.environ, **(env or {})})
    if check and res.returncode != 0:
        raise AssertionError(f"kiosk {' '.join(args)} failed ({res.returncode}):\n{res.stdout}\n{res.stderr}")
    return res


class CentralServer:
    """A reference central server process (``kiosk central serve``) on a SQLite file."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.db_url = f"sqlite:///{workdir / 'central.sqlite3'}"
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self._engine: Any = None
        self._probe_token: str | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def engine(self) -> Any:
        """An in-process engine on the central database (for publishing and tokens)."""
        if self._engine is None:
            from kiosk.central.db import open_central_db

            self._engine = open_central_db(self.db_url)
        return self._engine

    def start(self) -> None:
        """Start (or restart, on the same port) the server process.

        A probe token, known only to this server's database, proves that the
        process answering on the port is this one and not a server of a
        concurrent test run that took the same port.
        """
        if self._probe_token is None:
            from kiosk.central.auth import create_token
            from kiosk.central.db import write_tx
            from kiosk.central.stores import ensure_store

            with write_tx(self.engine) as conn:  # also migrates before the server opens the file
                ensure_store(conn, "probe", "probe-chain")
                self._probe_token = create_token(conn, store_id="probe")
        fixed = bool(self.port)
        for _ in range(20):
            if not fixed:
                self.port = free_port()
            self.proc = subprocess.Popen(
                [*KIOSK, "central", "serve", "--host", "127.0.0.1", "--port", str(self.port), "--db", self.db_url],
                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=open(self.workdir / "central.log", "ab"),
                env={**os.environ, "KIOSK_CENTRAL_PUBLIC_URL": ""}, preexec_fn=_die_with_parent)
            try:
                wait_http(self.url + "/healthz", proc=self.proc)
                probe = requests.get(f"{self.url}/v1/stores/probe/status", timeout=10,
                                     headers={"Authorization": f"Bearer {self._probe_token}"})
                if probe.status_code == 200 and self.proc.poll() is None:
                    return
            except (RuntimeError, requests.RequestException):
                pass  # our process died (port taken) or another server answered
            self.stop(signal.SIGKILL)
            time.sleep(0.2)  # a restart on a fixed port waits for the other holder to go
        raise RuntimeError(f"could not start a central server of our own (port {self.port})")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop the server process (SIGKILL to simulate a crash)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def close(self) -> None:
        self.stop()
        if self._engine is not None:
            self._engine.dispose()


_store_no = [0]


@dataclass
class Central:
    """One store (in its own chain) on a running central server."""

    server: CentralServer
    store: str = ""
    chain: str = ""
    token: str = ""

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def db_url(self) -> str:
        return self.server.db_url

    def publish(self, products: list[dict[str, Any]], *, full: bool = True,
                scenes: list[dict[str, Any]] | None = None) -> None:
        """Publish a catalog into the store's chain (as ``kiosk central publish`` does)."""
        from kiosk.central.publish import publish_objects

        publish_objects(self.server.engine, products, scenes or [], store_id=self.store, chain_id=self.chain,
                        full=full)

    def create_token(self, store: str | None = None) -> str:
        """A new kiosk token for ``store`` (default: this store; another store gets its own chain)."""
        from kiosk.central.auth import create_token
        from kiosk.central.db import write_tx
        from kiosk.central.stores import ensure_store

        store = store or self.store
        with write_tx(self.server.engine) as conn:
            ensure_store(conn, store, self.chain if store == self.store else f"{store}-chain")
            return create_token(conn, store_id=store)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        self.server.stop(sig)

    def start(self) -> None:
        self.server.start()


def new_store(server: CentralServer) -> Central:
    """A fresh store and chain with a token on ``server``."""
    _store_no[0] += 1
    n = _store_no[0]
    c = Central(server, store=f"S{n}", chain=f"C{n}")
    c.token = c.create_token()
    return c


@pytest.fixture(scope="session")
def central_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CentralServer]:
    """One central server process shared by the tests that do not stop it."""
    server = CentralServer(tmp_path_factory.mktemp("central"))
    server.start()
    yield server
    server.close()


@pytest.fixture
def central(central_server: CentralServer) -> Central:
    """A fresh store with an empty catalog and a token, on the shared server."""
    if central_server.proc is None or central_server.proc.poll() is not None:
        central_server.start()
    return new_store(central_server)


@pytest.fixture
def own_central(tmp_path: Path) -> Iterator[Central]:
    """A store on a server process of its own (for tests that kill or stop it)."""
    work = tmp_path / "central"
    work.mkdir()
    server = CentralServer(work)
    server.start()
    yield new_store(server)
    server.close()


@dataclass
class FaultProxy:
    """The fault-injecting proxy process in front of a central server."""

    port: int
    proc: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add(self, path: str, mode: str, times: int = 1, **params: Any) -> None:
        """Misbehave on the next ``times`` requests whose path contains ``path``."""
        requests.post(self.url + "/__fault__", data=json.dumps({"path": path, "mode": mode, "times": times,
                                                                 **params}), timeout=5).raise_for_status()

    def clear(self) -> None:
        """Drop all rules and the request log."""
        requests.delete(self.url + "/__fault__", timeout=5).raise_for_status()

    def log(self) -> list[dict[str, Any]]:
        """The requests the proxy saw."""
        return requests.get(self.url + "/__log__", timeout=5).json()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


def start_proxy(upstream: str) -> FaultProxy:
    """Start a fault proxy process forwarding to ``upstream``."""
    for _ in range(20):
        port = free_port()
        proc = subprocess.Popen([PY, str(Path(__file__).with_name("fault_proxy.py")), "--port", str(port),
                                 "--upstream", upstream], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                preexec_fn=_die_with_parent)
        assert proc.stdout is not None
        # "ready" is printed only once the proxy holds its port; a taken port
        # makes it exit, and another port is tried.
        if proc.stdout.readline().strip() == b"ready":
            wait_http(f"http://127.0.0.1:{port}/__log__", proc=proc)
            return FaultProxy(port, proc)
        proc.wait(10)
    raise RuntimeError("could not start the fault proxy")


@pytest.fixture(scope="session")
def proxy_server(central_server: CentralServer) -> Iterator[FaultProxy]:
    """One fault proxy process in front of the shared central server."""
    p = start_proxy(central_server.url)
    yield p
    p.stop()


@pytest.fixture
def proxy(proxy_server: FaultProxy, central: Central) -> FaultProxy:
    """The fault proxy with no rules and an empty log, in front of ``central``'s server."""
    if proxy_server.proc.poll() is not None:
        raise RuntimeError("the fault proxy died")
    proxy_server.clear()
    return proxy_server
