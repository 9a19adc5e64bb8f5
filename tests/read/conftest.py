"""A database with the demo store loaded once per module (read-only tests share it)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from kiosk.db import open_db
from kiosk.demo import load_demo


@pytest.fixture(scope="module")
def demo_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A real SQLite file with the demo catalog imported (do not write to it)."""
    eng = open_db(tmp_path_factory.mktemp("demo") / "kiosk.sqlite3")
    load_demo(eng)
    yield eng
    eng.dispose()
