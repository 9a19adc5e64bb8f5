"""Both databases' Alembic migrations build exactly the schema their models declare.

A model change without its migration would work in tests that create
tables from the models and fail in a store whose database is upgraded.
"""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from kiosk.central.db import open_central_db
from kiosk.central.models import Base as CentralBase
from kiosk.models import Base as KioskBase


def _diff(engine: Engine, metadata: object) -> list[object]:
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn), metadata)  # type: ignore[arg-type]


def test_kiosk_migrations_match_the_models(engine: Engine) -> None:
    assert _diff(engine, KioskBase.metadata) == []


def test_central_migrations_match_the_models(tmp_path: Path) -> None:
    central = open_central_db(f"sqlite:///{tmp_path / 'central.sqlite3'}", pool_size=1)
    try:
        assert _diff(central, CentralBase.metadata) == []
    finally:
        central.dispose()
