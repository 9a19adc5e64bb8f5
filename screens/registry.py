"""The customer screens the app knows, imported the first time each is shown.

Each entry names a screen, the module that defines it and its class. A
module is imported (and its ``<name>.kv`` loaded, if the module did not
load it itself) only when the screen is first needed, so start-up stays
fast; a module that is missing or broken is logged and the app shows home
instead of crashing.
"""

from __future__ import annotations

import importlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from kivy.lang import Builder
from kivy.uix.screenmanager import Screen

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ScreenEntry:
    """One customer screen: its name, module and class."""

    name: str
    module: str
    cls: str


SCREENS: tuple[ScreenEntry, ...] = (
    ScreenEntry("attract", "screens.attract", "AttractScreen"),
    ScreenEntry("home", "screens.home", "HomeScreen"),
    ScreenEntry("search", "screens.search", "SearchScreen"),
    ScreenEntry("product", "screens.product", "ProductScreen"),
    ScreenEntry("scene", "screens.scene", "SceneScreen"),
    ScreenEntry("cart", "screens.cart", "CartScreen"),
    ScreenEntry("handoff", "screens.handoff", "HandoffScreen"),
)


class ScreenUnavailable(LookupError):
    """A screen's module or class could not be loaded."""


def _load_kv_once(module_file: str) -> None:
    kv = Path(module_file).with_suffix(".kv")
    if not kv.is_file():
        return
    loaded = {os.path.realpath(f) for f in Builder.files}
    if os.path.realpath(kv) not in loaded:
        Builder.load_file(str(kv))


class ScreenRegistry:
    """Creates screens on first use and keeps them."""

    def __init__(self, entries: tuple[ScreenEntry, ...] = SCREENS) -> None:
        self._entries = {e.name: e for e in entries}
        self._classes: dict[str, type[Screen]] = {}

    @property
    def names(self) -> list[str]:
        """Every registered screen name."""
        return list(self._entries)

    def available(self, name: str) -> bool:
        """Whether ``name``'s module can be imported (imports it)."""
        try:
            self.screen_class(name)
        except ScreenUnavailable:
            return False
        return True

    def screen_class(self, name: str) -> type[Screen]:
        """The class of screen ``name``, importing its module on first use.

        Raises:
            ScreenUnavailable: Unknown name, missing module or class.
        """
        if name in self._classes:
            return self._classes[name]
        entry = self._entries.get(name)
        if entry is None:
            raise ScreenUnavailable(f"no screen named {name!r}")
        try:
            module = importlib.import_module(entry.module)
            if module.__file__:
                _load_kv_once(module.__file__)
            cls = getattr(module, entry.cls)
        except Exception as exc:  # noqa: BLE001 - a missing screen must not stop the kiosk
            log.error("screen %r unavailable (%s.%s): %s", name, entry.module, entry.cls, exc)
            raise ScreenUnavailable(name) from exc
        self._classes[name] = cls
        return cls

    def create(self, name: str) -> Screen:
        """A new instance of screen ``name``.

        Raises:
            ScreenUnavailable: The screen cannot be loaded or built.
        """
        cls = self.screen_class(name)
        try:
            return cls(name=name)
        except Exception as exc:  # noqa: BLE001
            log.exception("screen %r failed to build", name)
            raise ScreenUnavailable(name) from exc
