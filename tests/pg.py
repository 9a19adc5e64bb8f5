"""A throwaway PostgreSQL cluster for tests, started from the Debian binaries.

``PgCluster.start()`` runs ``initdb`` in a fresh temporary directory and
starts ``postgres`` listening only on a unix socket in that directory (no TCP
port to collide with), with fsync off: it is thrown away at the end.
``initdb`` refuses to run as root, so as root the cluster runs as the
``postgres`` system user (``runuser``) with the directory handed to it.

``pg_unavailable_reason()`` says why PostgreSQL tests cannot run here (no
binaries, no user to run them as); tests skip with that reason.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

PG_GLOBS = ("/usr/lib/postgresql/*/bin",)
SUPERUSER = "kiosk"


def pg_bin_dir() -> Path | None:
    """The newest PostgreSQL server binaries directory, or ``None``."""
    found = []
    for pattern in PG_GLOBS:
        for d in glob.glob(pattern):
            if os.access(os.path.join(d, "initdb"), os.X_OK) and os.access(os.path.join(d, "pg_ctl"), os.X_OK):
                found.append(Path(d))
    if not found:
        return None
    return sorted(found, key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)[-1]


def pg_unavailable_reason() -> str | None:
    """Why a cluster cannot be started here, or ``None`` if it can."""
    if pg_bin_dir() is None:
        return "PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin); install the Debian 'postgresql' package"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no 'postgres' user to run initdb as"
        if shutil.which("runuser") is None:
            return "running as root without 'runuser' to drop to the postgres user"
    return None


class PgCluster:
    """A PostgreSQL server in a temporary directory, reachable over a unix socket."""

    def __init__(self, port: int = 18095) -> None:
        self.bin = pg_bin_dir()
        self.port = port
        self.root = Path(tempfile.mkdtemp(prefix="kiosk-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.running = False

    def _run(self, *argv: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        cmd = list(argv)
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=timeout)

    def start(self) -> PgCluster:
        """initdb and start the server; waits until it accepts connections."""
        assert self.bin is not None, pg_unavailable_reason()
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
        os.chmod(self.root, 0o755)  # the test process (root or not) reaches the socket
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", SUPERUSER, "-A", "trust",
                  "-E", "UTF8", "--no-locale", "--no-sync")
        opts = (f"-k {self.root} -p {self.port} -c listen_addresses='' -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", opts,
                  "-w", "-t", "60", "start")
        self.running = True
        return self

    def url(self, database: str = "postgres") -> str:
        """SQLAlchemy URL of a database of this cluster (psycopg 3, unix socket)."""
        return f"postgresql+psycopg://{SUPERUSER}@/{database}?host={self.root}&port={self.port}"

    def create_database(self, name: str) -> str:
        """Create a database and return its URL."""
        import psycopg

        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(host=str(self.root), port=self.port, user=SUPERUSER, dbname="postgres",
                                     autocommit=True) as conn:
                    conn.execute(f'CREATE DATABASE "{name}"')
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        return self.url(name)

    def stop(self) -> None:
        """Stop the server and delete its directory."""
        if self.running:
            try:
                self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop",
                          timeout=60)
            except subprocess.CalledProcessError:
                pass
            self.running = False
        shutil.rmtree(self.root, ignore_errors=True)
