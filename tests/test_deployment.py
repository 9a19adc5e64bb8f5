"""The deployment guide's files stay true to the code: unit commands parse, the example config loads."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

import main as kiosk_main
from kiosk.cli.main import build_parser
from kiosk.config import load_config

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
INSTALLED = "/opt/kiosk"  # where docs/deployment.md installs the checkout


def commands(unit: str) -> list[list[str]]:
    """The ExecStartPre/ExecStart command lines of a unit file, split as systemd would."""
    lines = (DEPLOY / unit).read_text(encoding="utf-8").splitlines()
    return [shlex.split(line.split("=", 1)[1]) for line in lines if re.match(r"ExecStart(Pre)?=", line)]


def test_the_central_unit_runs_real_kiosk_commands_with_valid_options() -> None:
    cmds = commands("kiosk-central.service")
    assert [c[0] for c in cmds] == [f"{INSTALLED}/.venv/bin/kiosk"] * 2
    parser = build_parser()
    migrate, serve = (parser.parse_args(c[1:]) for c in cmds)
    assert migrate.func.__name__ != serve.func.__name__
    assert serve.port == 8000 and serve.workers == 2 and serve.public_url.startswith("https://")


def test_the_app_unit_starts_main_py_fullscreen_under_xinit() -> None:
    (cmd,) = commands("kiosk-app.service")
    assert cmd[0] == "/usr/bin/xinit"
    client, server = cmd[1:cmd.index("--")], cmd[cmd.index("--") + 1:]
    assert client[:2] == [f"{INSTALLED}/.venv/bin/python", f"{INSTALLED}/main.py"]
    args = kiosk_main.parse_args(client[2:])
    assert args.fullscreen and not args.windowed and not args.show_cursor
    # The screen must never blank or show a pointer in front of customers.
    assert {"-nocursor", "-dpms"} <= set(server) and server[server.index("-s") + 1] == "0"


def test_the_deployment_guide_config_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    guide = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    (example,) = re.findall(r"```toml\n(.*?)```", guide, re.S)
    path = tmp_path / "kiosk.toml"
    path.write_text(example, encoding="utf-8")
    monkeypatch.delenv("KIOSK_DB", raising=False)
    monkeypatch.setenv("KIOSK_SYNC_TOKEN", "kst_secret")
    cfg = load_config(path)
    assert cfg.store.store_id == "store-042" and cfg.sync.url.startswith("https://")
    assert cfg.sync.token == "kst_secret" and str(cfg.db) == "/var/lib/kiosk/kiosk.sqlite3"
