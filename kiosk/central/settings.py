"""Run-time settings of the central service, read from the environment.

Every app process reads the same variables, so ``kiosk central serve
--workers N`` (several processes) and a container orchestrator configure
the service the same way. The command line sets them for you.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from kiosk.config import default_data_dir

DEFAULT_MAX_BODY = 4 * 1024 * 1024
DEFAULT_MAX_IMAGE = 10 * 1024 * 1024
DEFAULT_HANDOFF_TTL_S = 24 * 3600


@dataclass(frozen=True)
class Settings:
    """What one central service process needs to know.

    Attributes:
        db_url: SQLAlchemy URL (``sqlite:///path`` or
            ``postgresql+psycopg://user@host/db``); a bare path means SQLite.
        public_url: Base URL phones and kiosks reach this service at, used in
            handoff links and image URLs (``https://central.example``). Empty:
            derived from each request's Host header.
        max_body: Largest accepted request body in bytes (413 above).
        max_image: Largest accepted image upload in bytes.
        handoff_ttl_s: How long a handoff short link stays valid.
    """

    db_url: str = ""
    public_url: str = ""
    max_body: int = DEFAULT_MAX_BODY
    max_image: int = DEFAULT_MAX_IMAGE
    handoff_ttl_s: int = DEFAULT_HANDOFF_TTL_S

    @classmethod
    def from_env(cls) -> Settings:
        """Settings from ``KIOSK_CENTRAL_*`` environment variables."""
        env = os.environ
        return cls(
            db_url=normalise_db_url(env.get("KIOSK_CENTRAL_DB") or str(default_db_path())),
            public_url=env.get("KIOSK_CENTRAL_PUBLIC_URL", "").rstrip("/"),
            max_body=int(env.get("KIOSK_CENTRAL_MAX_BODY", DEFAULT_MAX_BODY)),
            max_image=int(env.get("KIOSK_CENTRAL_MAX_IMAGE", DEFAULT_MAX_IMAGE)),
            handoff_ttl_s=int(env.get("KIOSK_CENTRAL_HANDOFF_TTL", DEFAULT_HANDOFF_TTL_S)),
        )

    def to_env(self) -> dict[str, str]:
        """The environment variables that reproduce these settings in another process."""
        return {
            "KIOSK_CENTRAL_DB": self.db_url,
            "KIOSK_CENTRAL_PUBLIC_URL": self.public_url,
            "KIOSK_CENTRAL_MAX_BODY": str(self.max_body),
            "KIOSK_CENTRAL_MAX_IMAGE": str(self.max_image),
            "KIOSK_CENTRAL_HANDOFF_TTL": str(self.handoff_ttl_s),
        }


def default_db_path() -> Path:
    """The central SQLite file when no URL is given: ``central.sqlite3`` in the data dir."""
    return default_data_dir() / "central.sqlite3"


def normalise_db_url(value: str) -> str:
    """A SQLAlchemy URL from a URL or a plain SQLite file path.

    ``postgresql://`` and ``postgres://`` get the psycopg 3 driver; a path
    (``central.sqlite3``, ``/var/lib/kiosk/central.db``) becomes an absolute
    ``sqlite:///`` URL so that worker processes agree on the file.
    """
    if "://" not in value:
        return f"sqlite:///{Path(value).expanduser().resolve()}"
    scheme, rest = value.split("://", 1)
    if scheme in ("postgres", "postgresql"):
        return f"postgresql+psycopg://{rest}"
    return value
