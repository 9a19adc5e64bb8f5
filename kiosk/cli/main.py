"""Entry point of the ``kiosk`` command.

Each area of the kiosk keeps its subcommands in a module of this package with
a ``register(subparsers)`` function; this module only assembles them.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from pathlib import Path

from kiosk import __version__
from kiosk.config import ConfigError

# Modules that register subcommands; a missing optional module (the central
# service without its extra installed) only hides its commands.
COMMAND_MODULES = (
    "kiosk.cli.catalog_cmds",
    "kiosk.cli.search_cmds",
    "kiosk.cli.sync_cmds",
    "kiosk.cli.central_cmds",
    "kiosk.cli.handoff_cmds",
)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every available subcommand."""
    parser = argparse.ArgumentParser(prog="kiosk", description="Store kiosk command line.")
    parser.add_argument("--version", action="version", version=f"kiosk {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    # Also before the subcommand (``kiosk --db X search sofa``), as many tools
    # take them; the subcommands' own --db/--config leave these alone unless
    # given (their default is SUPPRESS), and win when given.
    parser.add_argument("--db", default=None, metavar="PATH",
                        help="database for any subcommand (the same as its own --db)")
    parser.add_argument("--config", type=Path, default=None, metavar="PATH",
                        help="TOML configuration file for any subcommand (the same as its own --config)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``kiosk`` command; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args) or 0)
    except ConfigError as exc:
        print(f"kiosk: config: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
