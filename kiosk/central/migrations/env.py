"""Alembic environment of the central database (kiosk.central.db.migrate passes the connection)."""

from kiosk.db import run_migrations_env
from kiosk.central.models import Base

run_migrations_env(Base.metadata)
