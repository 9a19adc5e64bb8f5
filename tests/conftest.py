"""Shared fixtures: a real SQLite file per test, migrated to the newest schema."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from kiosk.db import open_db
from kiosk.demo import load_demo


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Path of a fresh database file in the test's temp dir."""
    return tmp_path / "kiosk.sqlite3"


@pytest.fixture
def engine(db_path: Path) -> Iterator[Engine]:
    """A migrated, empty kiosk database on a real file."""
    eng = open_db(db_path)
    yield eng
    eng.dispose()


@pytest.fixture(scope="module")
def demo_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The demo store loaded once per module into a real SQLite file (read-only tests share it)."""
    eng = open_db(tmp_path_factory.mktemp("demo") / "kiosk.sqlite3")
    load_demo(eng)
    yield eng
    eng.dispose()
