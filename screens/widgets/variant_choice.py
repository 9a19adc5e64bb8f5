"""Which variant the customer has picked, from option buttons (no Kivy here).

A product's variants carry an ``options`` mapping such as
``{"Colour": "Grey", "Size": "L"}``. The picker shows one row of large toggle
buttons per option axis; this module decides which values exist, which are
possible together with the other current choices, and which variant a tap
selects. It works on any objects with ``id``, ``options`` and (optionally)
``stock``/``online_available`` attributes, so it serves the catalog's
``VariantDetail`` and plain test doubles alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol


class VariantLike(Protocol):
    """What the chooser needs of a variant."""

    id: str
    options: dict[str, str]


def _in_stock(variant: Any) -> bool:
    for name in ("stock_store", "stock", "in_store"):
        value = getattr(variant, name, None)
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return value > 0
    return False


def _available(variant: Any) -> bool:
    return _in_stock(variant) or bool(getattr(variant, "online_available", False))


class VariantChooser:
    """The option axes of a product and the variant the current choices select.

    Args:
        variants: The product's variants in display order.
        axes: Option names in display order; derived from the variants when
            omitted (first appearance wins).
    """

    def __init__(self, variants: Sequence[Any], axes: Sequence[str] | None = None) -> None:
        if not variants:
            raise ValueError("a product needs at least one variant")
        self.variants: list[Any] = list(variants)
        if axes is None:
            seen: list[str] = []
            for v in self.variants:
                for name in (v.options or {}):
                    if name not in seen:
                        seen.append(name)
            axes = seen
        self.axes: list[str] = list(axes)
        # Start on the first variant the customer can actually get.
        self.selected: Any = next((v for v in self.variants if _in_stock(v)), None) or next(
            (v for v in self.variants if _available(v)), self.variants[0]
        )

    def values(self, axis: str) -> list[str]:
        """The values of one axis in the order the variants list them."""
        out: list[str] = []
        for v in self.variants:
            value = (v.options or {}).get(axis)
            if value is not None and value not in out:
                out.append(value)
        return out

    def value(self, axis: str) -> str | None:
        """The selected variant's value on ``axis``."""
        return (self.selected.options or {}).get(axis)

    def _matching(self, axis: str, value: str) -> list[Any]:
        return [v for v in self.variants if (v.options or {}).get(axis) == value]

    def is_possible(self, axis: str, value: str) -> bool:
        """Whether a variant has ``value`` together with the other current choices."""
        others = {a: self.value(a) for a in self.axes if a != axis}
        return any(
            all((v.options or {}).get(a) == val for a, val in others.items())
            for v in self._matching(axis, value)
        )

    def is_available(self, axis: str, value: str) -> bool:
        """Whether choosing ``value`` (with the other choices) gives a variant in stock or online."""
        others = {a: self.value(a) for a in self.axes if a != axis}
        return any(
            _available(v) and all((v.options or {}).get(a) == val for a, val in others.items())
            for v in self._matching(axis, value)
        )

    def choose(self, axis: str, value: str) -> Any:
        """Select ``value`` on ``axis`` and return the variant that is now selected.

        The other choices are kept when a variant has them all; otherwise the
        variant with ``value`` that keeps the most of them (available ones
        first) wins, so a tap always changes something visible.
        """
        candidates = self._matching(axis, value)
        if not candidates:
            return self.selected
        current = {a: self.value(a) for a in self.axes if a != axis}

        def rank(v: Any) -> tuple[int, int, int]:
            kept = sum(1 for a, val in current.items() if (v.options or {}).get(a) == val)
            return (kept, int(_in_stock(v)), int(_available(v)))

        # max() keeps the first of equals: the display order breaks ties.
        self.selected = max(candidates, key=rank)
        return self.selected

    def select_id(self, variant_id: str) -> Any:
        """Select a variant by id (e.g. the one a scanned barcode names)."""
        for v in self.variants:
            if v.id == variant_id:
                self.selected = v
                break
        return self.selected
