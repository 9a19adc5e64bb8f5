"""Alembic environment of the kiosk cache (kiosk.db.migrate passes the connection)."""

from kiosk.db import run_migrations_env
from kiosk.models import Base

run_migrations_env(Base.metadata)
