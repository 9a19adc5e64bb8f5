"""Run the real central service in a subprocess for tests (and benchmarks).

``CentralServer(db_url).start()`` runs ``kiosk central serve`` on 127.0.0.1
with a free port from the central tests' range and waits for ``/healthz``
with a deadline; ``stop()`` terminates it. Other test suites (the sync
client's) may use it too.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

PORT_RANGE = range(18000, 18090)
_next_port = [0]


def free_port(ports: range = PORT_RANGE) -> int:
    """A port of ``ports`` that nothing listens on right now."""
    for _ in range(len(ports)):
        port = ports[_next_port[0] % len(ports)]
        _next_port[0] += 1
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {ports}")


class CentralServer:
    """``kiosk central serve`` in a subprocess.

    Args:
        db_url: The database URL (migrated by the serve command).
        workers: uvicorn worker processes.
        public_url: ``--public-url`` (empty: from the Host header).
        max_body: ``--max-body`` in bytes (0: the default).
        port: A fixed port (default: a free one).
        log: File for the server's output (default: discarded).
    """

    def __init__(self, db_url: str, *, workers: int = 1, public_url: str = "", max_body: int = 0,
                 port: int | None = None, log: Path | None = None) -> None:
        self.db_url = db_url
        self.workers = workers
        self.public_url = public_url
        self.max_body = max_body
        self.port = port or free_port()
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Base URL of the running server."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> CentralServer:
        """Start the server and wait until ``/healthz`` answers (or fail with its output)."""
        argv = [sys.executable, "-m", "kiosk.cli.main", "central", "serve", "--host", "127.0.0.1",
                "--port", str(self.port), "--db", self.db_url, "--workers", str(self.workers)]
        if self.public_url:
            argv += ["--public-url", self.public_url]
        if self.max_body:
            argv += ["--max-body", str(self.max_body)]
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115
        env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_CENTRAL_")}
        self.proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env,
                                     start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"central server exited with {self.proc.returncode}" + self._tail())
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"central server did not answer /healthz within {timeout}s" + self._tail())

    def _tail(self) -> str:
        if self.log and self.log.exists():
            return "\n" + self.log.read_text(errors="replace")[-3000:]
        return ""

    def stop(self) -> None:
        """Terminate the server (its whole process group: uvicorn workers too)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=15)

    def __enter__(self) -> CentralServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
