"""Options shared by every subcommand: ``--db`` and ``--config``."""

from __future__ import annotations

import argparse
from pathlib import Path

from sqlalchemy import Engine

from kiosk.config import Config, load_config
from kiosk.db import open_db


def add_common(parser: argparse.ArgumentParser) -> None:
    """Give a subcommand the ``--db`` and ``--config`` options."""
    parser.add_argument("--db", type=Path, default=None,
                        help="SQLite database (default: $KIOSK_DB or the per-user data dir)")
    parser.add_argument("--config", type=Path, default=None,
                        help="TOML configuration file (see docs/configuration.md)")


def config_from(args: argparse.Namespace) -> Config:
    """The configuration the command line asks for."""
    return load_config(args.config, db=args.db)


def engine_from(args: argparse.Namespace) -> Engine:
    """Open and migrate the database the command line asks for."""
    return open_db(config_from(args).db)
