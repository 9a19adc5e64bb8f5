"""The kinds of analytics events the kiosk records (plain strings, no imports).

Kept apart from ``kiosk.analytics`` (which loads SQLAlchemy and the ORM) so
that the UI thread can name an event kind without importing either: the
customer's first touch may come before the start-up worker has loaded them.
"""

from __future__ import annotations

SEARCH_NO_RESULTS = "search_no_results"
"""A search that found nothing (the demand signal staff see)."""

UNKNOWN_BARCODE = "unknown_barcode"
"""A scanned code the catalog does not know."""

HELP_REQUEST = "help_request"
"""A customer pressed "Need help?"."""

ADD_TO_CART = "add_to_cart"
"""A line went into the cart."""

HANDOFF = "handoff"
"""A cart was handed to the customer's phone."""

SESSION_START = "session_start"
"""A customer started a session (touch or scan on the attract screen)."""

PRODUCT_VIEW = "product_view"
"""A product screen was opened."""
