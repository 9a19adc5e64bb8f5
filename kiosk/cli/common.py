"""Options shared by every subcommand: ``--db`` and ``--config``."""

from __future__ import annotations

import argparse
from pathlib import Path

from sqlalchemy import Engine

from kiosk.config import Config, load_config
from kiosk.db import open_db


def add_common(parser: argparse.ArgumentParser) -> None:
    """Give a subcommand the ``--db`` and ``--config`` options.

    Not given, they keep what was given before the subcommand (``kiosk --db
    X lookup ...``; kiosk.cli.main), else None.
    """
    parser.add_argument("--db", type=Path, default=argparse.SUPPRESS,
                        help="SQLite database (default: $KIOSK_DB or the per-user data dir)")
    parser.add_argument("--config", type=Path, default=argparse.SUPPRESS,
                        help="TOML configuration file (see docs/configuration.md)")


def config_from(args: argparse.Namespace) -> Config:
    """The configuration the command line asks for."""
    db = getattr(args, "db", None)
    return load_config(getattr(args, "config", None), db=Path(db) if db is not None else None)


def engine_from(args: argparse.Namespace) -> Engine:
    """Open and migrate the database the command line asks for."""
    return open_db(config_from(args).db)
