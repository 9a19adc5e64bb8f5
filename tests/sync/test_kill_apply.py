"""The kiosk's sync process SIGKILLed at random moments, mostly during the apply.

A forked child process (a real process, started fast: the parent has
already imported everything) syncs from the real central server and is
killed with SIGKILL at a random moment. After every kill the database must
pass ``PRAGMA quick_check`` and hold exactly the catalog before the sync or
exactly the catalog after it (with the matching cursor) -- never a mix. A
final sync, resuming whatever was staged, reaches the after state.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import random
import shutil
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from kiosk.db import open_db
from kiosk.sync.client import CentralClient
from kiosk.sync.pull import sync_once
from tests.sync.catalogs import catalog
from tests.sync.conftest import Central
from tests.sync.helpers import catalog_digest, sql

REPETITIONS = 50


def _child(db: str, url: str, store: str, token: str, conn: object) -> None:
    """Sync in a child process; tell the parent when the apply starts and ends."""
    engine = open_db(db, migrate_schema=False)
    client = CentralClient(url, store, token)

    def started() -> None:
        conn.send(("apply", time.monotonic()))  # type: ignore[attr-defined]

    sync_once(engine, client, page_size=1000, on_apply_start=started)
    conn.send(("done", time.monotonic()))  # type: ignore[attr-defined]
    os._exit(0)


def _files(db: Path) -> list[Path]:
    return [Path(f"{db}{s}") for s in ("", "-wal", "-shm")]


def _restore(snapshot: Path, db: Path) -> None:
    for f in _files(db):
        f.unlink(missing_ok=True)
    shutil.copyfile(snapshot, db)


def _cursor(db: Path, store: str) -> str:
    rows = sql(db, "SELECT cursor FROM sync_state WHERE store_id = ?", store)
    return rows[0][0] if rows else ""


@pytest.mark.slow
def test_sigkill_during_apply_leaves_before_or_after(central: Central, tmp_path: Path) -> None:
    ctx = mp.get_context("fork")
    db = tmp_path / "kiosk.sqlite3"
    snapshot = tmp_path / "before.sqlite3"
    # 1,600 variants before; the update changes every price, deletes 40
    # products and adds 40: a few thousand rows rewritten in one apply.
    central.publish(catalog(400, variants=4))
    engine = open_db(db)
    with CentralClient(central.url, central.store, central.token) as client:
        sync_once(engine, client)
    engine.dispose()
    with sqlite3.connect(db) as c:
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copyfile(db, snapshot)
    before, before_cursor = catalog_digest(db), _cursor(db, central.store)
    central.publish(catalog(400, variants=4, version=2, price=300, start=40))

    # One uninterrupted run gives the after state and the apply's duration.
    after_db = tmp_path / "after.sqlite3"
    shutil.copyfile(snapshot, after_db)
    engine = open_db(after_db, migrate_schema=False)
    marks: dict[str, float] = {}
    with CentralClient(central.url, central.store, central.token) as client:
        sync_once(engine, client, on_apply_start=lambda: marks.setdefault("apply", time.monotonic()))
    apply_s = time.monotonic() - marks["apply"]
    engine.dispose()
    after, after_cursor = catalog_digest(after_db), _cursor(after_db, central.store)
    assert after != before and after_cursor != before_cursor

    rng = random.Random(20261122)
    outcomes = {"before": 0, "after": 0}
    killed_in_apply = 0
    # The apply's duration in the children varies with the machine's load,
    # so the kill window adapts: a kill that came after the commit shrinks
    # it. Repeat until REPETITIONS kills are done and at least half of them
    # landed inside the apply (bounded, so a broken child cannot loop forever).
    window = 1.5
    rep = 0
    while rep < REPETITIONS or killed_in_apply < REPETITIONS // 2:
        assert rep < REPETITIONS * 4, f"only {killed_in_apply} of {rep} kills landed inside the apply"
        rep += 1
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_child, args=(str(db), central.url, central.store, central.token, child))
        proc.start()
        got: list[str] = []
        if rep % 5 == 4:
            # Now and then: anywhere in the run (fetching, staging, applying).
            time.sleep(rng.uniform(0, 0.3 + apply_s))
        else:
            assert parent.poll(60), "the child never reached the apply"
            got.append(parent.recv()[0])
            time.sleep(rng.uniform(0, apply_s * window))
        os.kill(proc.pid, signal.SIGKILL)
        proc.join(10)
        while parent.poll():
            got.append(parent.recv()[0])
        if "apply" in got and "done" not in got:
            killed_in_apply += 1
        elif "done" in got:
            window = max(0.2, window * 0.8)
        parent.close()
        child.close()
        with sqlite3.connect(db) as c:
            assert c.execute("PRAGMA quick_check").fetchone()[0] == "ok", f"repetition {rep}: damaged database"
        digest, cursor = catalog_digest(db), _cursor(db, central.store)
        assert digest in (before, after), f"repetition {rep}: a mix of the old and new catalog"
        state = "before" if digest == before else "after"
        assert cursor == (before_cursor if state == "before" else after_cursor), f"repetition {rep}: cursor"
        outcomes[state] += 1
        if state == "after":
            _restore(snapshot, db)  # next repetition has something to apply again
    print(f"\nSIGKILL x{rep}: {outcomes}, killed during apply {killed_in_apply}, apply {apply_s * 1000:.0f} ms")
    # Most kills landed inside the apply transaction (before its commit).
    assert killed_in_apply >= REPETITIONS // 2 and outcomes["before"] > 0 and rep >= REPETITIONS

    # Resume: whatever is staged, the next sync reaches the after state.
    engine = open_db(db, migrate_schema=False)
    with CentralClient(central.url, central.store, central.token) as client:
        sync_once(engine, client)
    engine.dispose()
    assert catalog_digest(db) == after and _cursor(db, central.store) == after_cursor
