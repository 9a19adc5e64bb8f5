"""The bundled demo store, "Hearth & Home", loaded into the kiosk's cache.

The catalog file and its pictures live in ``assets/demo/`` and are made by
``scripts/make_demo_catalog.py`` (see docs/demo-catalog.md). Loading goes
through the ordinary importer, so the demo obeys exactly the rules a real
store's catalog does, and re-loading it is idempotent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, func, select

from kiosk.images import ASSETS_DIR
from kiosk.models import Product, Scene, Variant

log = logging.getLogger(__name__)

#: The demo catalog file (canonical JSON catalog format).
DEMO_CATALOG = ASSETS_DIR / "demo" / "catalog.json"
#: The store id the demo's store-scoped scene is made for (kiosk.config's default).
DEMO_STORE_ID = "demo-store"


class DemoError(RuntimeError):
    """The demo catalog could not be loaded (missing file or refused records)."""


@dataclass(frozen=True, slots=True)
class DemoReport:
    """What :func:`load_demo` did.

    Attributes:
        products: Products in the cache afterwards.
        variants: Variants in the cache afterwards.
        scenes: Scenes in the cache afterwards.
        products_written: Products the import wrote (the same on a re-load:
            the importer replaces them with identical content).
        scenes_written: Scenes inserted or changed (0 on a re-load).
        seconds: How long the import took.
    """

    products: int
    variants: int
    scenes: int
    products_written: int
    scenes_written: int
    seconds: float

    @property
    def committed(self) -> bool:
        """Always True: a load that did not commit raises :class:`DemoError` instead."""
        return True

    def summary(self) -> str:
        """One line for the command line."""
        return (f"Hearth & Home demo store: {self.products} products, {self.variants} variants, "
                f"{self.scenes} scenes ({self.products_written} products and {self.scenes_written} scenes written "
                f"in {self.seconds:.1f} s)")


def is_catalog_empty(engine: Engine) -> bool:
    """True when the cache holds no product: the app's cue to load the demo on first start."""
    with engine.connect() as conn:
        return conn.execute(select(Product.id).limit(1)).first() is None


def _counts(engine: Engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return (
            int(conn.execute(select(func.count()).select_from(Product)).scalar_one()),
            int(conn.execute(select(func.count()).select_from(Variant)).scalar_one()),
            int(conn.execute(select(func.count()).select_from(Scene)).scalar_one()),
        )


def load_demo(engine: Engine, path: Path | None = None) -> DemoReport:
    """Import the demo catalog (products, images by reference, scenes).

    Idempotent: loading twice leaves the same products, variants and scenes
    (scene versions are not bumped when nothing changed).

    Args:
        engine: The kiosk database.
        path: Another catalog file to load instead (tests); defaults to
            ``assets/demo/catalog.json``.

    Returns:
        Counts after the load.

    Raises:
        DemoError: The file is missing or the importer refused it; nothing
            was changed in that case.
    """
    from kiosk.importer import import_file

    path = Path(path) if path is not None else DEMO_CATALOG
    if not path.is_file():
        raise DemoError(f"demo catalog not found at {path}; run scripts/make_demo_catalog.py")
    report = import_file(engine, path, fmt="json")
    if not report.committed:
        first = report.errors[0] if report.errors else None
        why = f"{first.field}: {first.message} (line {first.line})" if first else "nothing was committed"
        raise DemoError(f"the demo catalog {path} was refused: {why}")
    for warning in report.warnings:
        log.warning("demo catalog: %s", warning)
    products, variants, scenes = _counts(engine)
    log.info("demo catalog loaded: %d products, %d variants, %d scenes in %.2fs",
             products, variants, scenes, report.seconds)
    return DemoReport(
        products=products,
        variants=variants,
        scenes=scenes,
        products_written=report.products_written,
        scenes_written=report.scenes_written,
        seconds=report.seconds,
    )


__all__ = ["DEMO_CATALOG", "DEMO_STORE_ID", "DemoError", "DemoReport", "is_catalog_empty", "load_demo"]
