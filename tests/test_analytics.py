"""The kiosk's own demand signal: events in the local database, merged into terms as staff will read them."""

from __future__ import annotations

from sqlalchemy import Engine, select

from kiosk import analytics
from kiosk.models import Event


def test_unmet_searches_and_scans_merge_however_they_were_typed(engine: Engine) -> None:
    for q in ("Sofá bed", "sofa  bed", " SOFA BED", "teak bench"):
        analytics.record_event(engine, analytics.SEARCH_NO_RESULTS, {"query": q})
    for code in ("4006381333931", "4006381333931"):
        analytics.record_event(engine, analytics.UNKNOWN_BARCODE, {"query": code, "screen": "home"})
    analytics.record_event(engine, analytics.HELP_REQUEST, {"screen": "home"})  # not a search
    analytics.record_event(engine, analytics.SEARCH_NO_RESULTS, {"query": ["not", "text"]})  # a bad payload
    assert analytics.top_unmet_searches(engine) == [("sofa bed", 3), ("4006381333931", 2), ("teak bench", 1)]
    assert analytics.top_unmet_searches(engine, limit=1) == [("sofa bed", 3)]


def test_customer_text_is_bounded_before_it_is_stored(engine: Engine) -> None:
    analytics.record_event(engine, analytics.SEARCH_NO_RESULTS, {"query": "x" * 10_000, "k" * 100: "v"})
    with engine.connect() as conn:
        (payload,) = conn.execute(select(Event.payload)).one()
    assert len(payload["query"]) == analytics.MAX_TEXT and all(len(k) <= 40 for k in payload)
