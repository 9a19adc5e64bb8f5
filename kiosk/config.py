"""Kiosk configuration: a TOML file, documented in docs/configuration.md.

Every section has defaults that run the demo store, so a kiosk with no config
file at all starts. Unknown keys are an error: a typo in a retailer's config
should fail loudly at start-up, not silently do nothing in the store.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

APP_NAME = "store-kiosk"


class ConfigError(ValueError):
    """The configuration file is unreadable or has a bad value."""


def default_data_dir() -> Path:
    """Per-user data directory for the database and image cache."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_db_path() -> Path:
    """The database path: ``$KIOSK_DB`` if set, else the per-user data dir."""
    env = os.environ.get("KIOSK_DB")
    if env:
        return Path(env).expanduser()
    return default_data_dir() / "kiosk.sqlite3"


@dataclass
class StoreConfig:
    """Which store this kiosk stands in."""

    store_id: str = "demo-store"
    name: str = "Hearth & Home"
    currency: str = "EUR"
    locale: str = "en"


@dataclass
class DisplayConfig:
    """The physical screen, used for touch-target and reach-band sizing."""

    fullscreen: bool = True
    show_cursor: bool = False
    orientation: str = "landscape"  # landscape | portrait
    width: int = 1920
    height: int = 1080
    dpi: float = 96.0
    # Height of the screen's bottom edge above the floor, and the screen's
    # visible height, in millimetres: accessibility mode uses them to keep
    # every control 380-1220 mm above the floor.
    mount_bottom_mm: float = 900.0
    screen_height_mm: float = 0.0  # 0: derived from height / dpi
    min_target_mm: float = 15.0
    # Anti-aliasing samples: -1 = auto (2 with a GPU, 0 with software OpenGL,
    # where multisampling makes every frame several times dearer).
    multisamples: int = -1


@dataclass
class SessionConfig:
    """Customer session behaviour."""

    idle_timeout_s: float = 90.0
    idle_warning_s: float = 20.0
    attract_cycle_s: float = 6.0


@dataclass
class SyncConfig:
    """Central catalog service; an empty url means standalone (demo) mode."""

    url: str = ""
    token: str = ""
    poll_interval_s: float = 300.0
    stale_after_hours: float = 24.0
    connect_timeout_s: float = 3.05
    read_timeout_s: float = 20.0
    image_cache_mb: int = 512


@dataclass
class HandoffConfig:
    """How a kiosk cart continues on the customer's phone."""

    target: str = "shopify"  # shopify | woocommerce | template | central
    # The online shop's permalink kind: what target = "central" falls back to
    # offline and what its landing page's checkout button opens.
    platform: str = "shopify"  # shopify | woocommerce | template
    shop_domain: str = "hearth-and-home.example"
    url_template: str = ""
    item_format: str = "{id}:{qty}"  # one line of {items} in url_template
    item_separator: str = ","
    discount: str = ""
    ref: str = "kiosk"
    utm: bool = True
    countdown_s: float = 120.0
    central_url: str = ""  # empty: the [sync] url
    central_timeout_s: float = 2.0


@dataclass
class StaffConfig:
    """Staff mode access."""

    pin: str = "2468"


@dataclass
class Config:
    """The whole kiosk configuration."""

    db: Path = field(default_factory=default_db_path)
    data_dir: Path = field(default_factory=default_data_dir)
    store: StoreConfig = field(default_factory=StoreConfig)
    display: DisplayConfig = field(default_factory=DisplayConfig)
    session: SessionConfig = field(default_factory=SessionConfig)
    sync: SyncConfig = field(default_factory=SyncConfig)
    handoff: HandoffConfig = field(default_factory=HandoffConfig)
    staff: StaffConfig = field(default_factory=StaffConfig)

    @property
    def image_cache_dir(self) -> Path:
        """Where downloaded product images are kept."""
        return self.data_dir / "images"


_SECTIONS: dict[str, type] = {
    "store": StoreConfig,
    "display": DisplayConfig,
    "session": SessionConfig,
    "sync": SyncConfig,
    "handoff": HandoffConfig,
    "staff": StaffConfig,
}


def _coerce(section: str, cls: type, raw: Any) -> Any:
    if not isinstance(raw, dict):
        raise ConfigError(f"[{section}] must be a table")
    known = {f.name: f for f in dataclasses.fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in known:
            raise ConfigError(f"[{section}] unknown key {key!r}; known: {', '.join(sorted(known))}")
        default = getattr(cls(), key)
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise ConfigError(f"[{section}] {key} must be true or false")
        elif isinstance(default, float):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ConfigError(f"[{section}] {key} must be a number")
            value = float(value)
        elif isinstance(default, int):
            if isinstance(value, bool) or not isinstance(value, int):
                raise ConfigError(f"[{section}] {key} must be an integer")
        elif isinstance(default, str) and not isinstance(value, str):
            raise ConfigError(f"[{section}] {key} must be a string")
        kwargs[key] = value
    return cls(**kwargs)


def load_config(path: Path | str | None = None, *, db: Path | str | None = None) -> Config:
    """Load the configuration.

    Args:
        path: A TOML file; ``None`` uses ``$KIOSK_CONFIG`` if set, else defaults.
        db: A database path that overrides the file and ``$KIOSK_DB``.

    ``$KIOSK_SYNC_TOKEN``, when set, replaces ``[sync] token``.

    Returns:
        The configuration with defaults filled in.

    Raises:
        ConfigError: The file is missing, not TOML, or has a bad key or value.
    """
    if path is None and os.environ.get("KIOSK_CONFIG"):
        path = os.environ["KIOSK_CONFIG"]
    cfg = Config()
    if path is not None:
        p = Path(path).expanduser()
        try:
            raw = tomllib.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"config file not found: {p}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{p}: not valid TOML: {exc}") from exc
        for key, value in raw.items():
            if key in _SECTIONS:
                setattr(cfg, key, _coerce(key, _SECTIONS[key], value))
            elif key == "db":
                if "KIOSK_DB" not in os.environ:
                    cfg.db = Path(str(value)).expanduser()
            elif key == "data_dir":
                cfg.data_dir = Path(str(value)).expanduser()
            else:
                raise ConfigError(f"unknown section or key {key!r}")
    if db is not None:
        cfg.db = Path(db).expanduser()
    # A secret kept out of the file (systemd EnvironmentFile, a secrets
    # manager): it wins over the file, as $KIOSK_DB does for the database.
    if os.environ.get("KIOSK_SYNC_TOKEN"):
        cfg.sync.token = os.environ["KIOSK_SYNC_TOKEN"]
    if cfg.display.multisamples not in (-1, 0, 2, 4, 8):
        raise ConfigError("[display] multisamples must be -1 (auto), 0, 2, 4 or 8")
    if cfg.display.orientation not in ("landscape", "portrait"):
        raise ConfigError("[display] orientation must be 'landscape' or 'portrait'")
    if cfg.handoff.target not in ("shopify", "woocommerce", "template", "central"):
        raise ConfigError("[handoff] target must be shopify, woocommerce, template or central")
    if cfg.handoff.platform not in ("shopify", "woocommerce", "template"):
        raise ConfigError("[handoff] platform must be shopify, woocommerce or template")
    if cfg.session.idle_warning_s < 0 or cfg.session.idle_timeout_s <= 0:
        raise ConfigError("[session] timeouts must be positive")
    return cfg
