"""The monitoring rating of a kiosk's sync (``kiosk sync-status --check``), rule by rule."""

from __future__ import annotations

from datetime import timedelta

from kiosk.models import utcnow
from kiosk.sync.status import HEALTH_CRITICAL, HEALTH_OK, HEALTH_WARNING, SyncStatus, health


def status(hours_ago: float | None, **kw: object) -> SyncStatus:
    when = None if hours_ago is None else utcnow() - timedelta(hours=hours_ago)
    return SyncStatus(store_id="S", last_success_at=when, **kw)  # type: ignore[arg-type]


def test_refused_products_warn_even_when_the_catalog_is_fresh() -> None:
    code, line = health(status(0.5, rejected_total=3))
    assert code == HEALTH_WARNING
    assert line == "SYNC WARNING - 3 product(s) refused by the kiosk (kiosk sync-status --rejects); catalog 30 min old"


def test_staleness_outranks_a_failed_attempt_and_names_both() -> None:
    code, line = health(status(50, last_error="HTTP 503"))
    assert code == HEALTH_CRITICAL
    assert "catalog 2.1 days old, over the 24 h limit" in line and "last attempt failed: HTTP 503" in line


def test_the_threshold_is_the_configured_one() -> None:
    assert health(status(5, stale_after_hours=4))[0] == HEALTH_CRITICAL
    assert health(status(3, stale_after_hours=4))[0] == HEALTH_OK


def test_a_standalone_kiosk_is_fine_without_any_sync() -> None:
    assert health(status(None, configured=False))[0] == HEALTH_OK
    assert health(status(None))[0] == HEALTH_CRITICAL
