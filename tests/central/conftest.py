"""Fixtures of the central service tests: the same tests on SQLite and PostgreSQL.

``backend`` is parametrised over ``sqlite`` and ``postgres``; ``central`` is a
real ``kiosk central serve`` process on that backend (one per backend per
session), with an admin token and a direct engine to the same database for
arranging data. PostgreSQL is a throwaway cluster (tests/pg.py) started once
per session; without its binaries the postgres cases skip with the reason,
except where they are required (``KIOSK_REQUIRE_PG=1``, which
scripts/run-tests.sh sets when run as root, i.e. after setup.sh installed
PostgreSQL), where that is a failure.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from kiosk.central.auth import create_token
from kiosk.central.db import open_central_db, write_tx
from kiosk.central.publish import PublishReport, publish_objects
from kiosk.central.stores import ensure_store
from tests.central.server import CentralServer
from tests.pg import PgCluster, pg_unavailable_reason

PUBLIC_URL = "https://central.test"
MAX_BODY = 256 * 1024
_ids = itertools.count(1)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """A PostgreSQL cluster for the session (skips when PostgreSQL is missing)."""
    reason = pg_unavailable_reason()
    if reason:
        if os.environ.get("KIOSK_REQUIRE_PG") == "1":
            pytest.fail(f"PostgreSQL tests are required here (KIOSK_REQUIRE_PG=1): {reason}")
        pytest.skip(reason)
    cluster = PgCluster().start()
    try:
        yield cluster
    finally:
        cluster.stop()


@dataclass
class Central:
    """A running central service plus what tests need to arrange data."""

    backend: str
    server: CentralServer
    engine: Engine
    admin_token: str

    @property
    def url(self) -> str:
        return self.server.url

    def client(self, token: str | None = None) -> httpx.Client:
        """An HTTP client for the service, with a bearer token if given."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def admin(self) -> httpx.Client:
        return self.client(self.admin_token)

    def new_store(self, chain: str | None = None) -> tuple[str, str, str]:
        """A fresh store in a fresh (or the given) chain: ``(store, chain, store token)``."""
        n = next(_ids)
        store = f"st{n}-{self.backend}"
        chain = chain or f"ch{n}-{self.backend}"
        with write_tx(self.engine) as conn:
            ensure_store(conn, store, chain)
            token = create_token(conn, store_id=store, label="test kiosk")
        return store, chain, token

    def publish(self, chain: str, products: list[dict[str, Any]], scenes: list[dict[str, Any]] | None = None,
                full: bool = True) -> PublishReport:
        return publish_objects(self.engine, products, scenes or [], chain_id=chain, full=full)


def _start(backend: str, db_url: str, log: Path) -> Central:
    engine = open_central_db(db_url, pool_size=2)
    with write_tx(engine) as conn:
        admin = create_token(conn, admin=True, label="tests")
    server = CentralServer(db_url, public_url=PUBLIC_URL, max_body=MAX_BODY, log=log).start()
    return Central(backend, server, engine, admin)


@pytest.fixture(scope="session")
def central_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Central]:
    d = tmp_path_factory.mktemp("central-sqlite")
    c = _start("sqlite", f"sqlite:///{d / 'central.sqlite3'}", d / "server.log")
    yield c
    c.server.stop()
    c.engine.dispose()


@pytest.fixture(scope="session")
def central_postgres(pg_cluster: PgCluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Central]:
    d = tmp_path_factory.mktemp("central-pg")
    c = _start("postgres", pg_cluster.create_database("central_tests"), d / "server.log")
    yield c
    c.server.stop()
    c.engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def central(request: pytest.FixtureRequest) -> Central:
    """The running central service on each backend."""
    return request.getfixturevalue(f"central_{request.param}")


def product(pid: str, price: str = "10.00", *, name: str | None = None, sku: str | None = None,
            stock: int = 5, images: list[str] | None = None) -> dict[str, Any]:
    """A canonical product object with one variant."""
    return {
        "id": pid, "name": name or f"Product {pid}", "brand": "Nordhem", "category": ["Home", "Test"],
        "images": images or [],
        "variants": [{"id": f"{pid}-V1", "sku": sku or f"SKU-{pid}", "title": "Default", "price": price,
                      "currency": "EUR", "stock": stock, "aisle": "1", "bay": "A"}],
    }
