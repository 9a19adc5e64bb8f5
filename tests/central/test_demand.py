"""Unmet demand: kiosks record what was not found, upload it, and the chain reads one merged report.

Real parts end to end: each store's kiosk database (a SQLite file) records
events as the app does, the sync client uploads them to a running
``kiosk central serve`` process, and the report is read over HTTP and with
``kiosk central demand``, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from kiosk import analytics
from kiosk.central.db import write_tx
from kiosk.central.models import EventRow
from kiosk.cli.main import main
from kiosk.db import open_db
from kiosk.models import utcnow
from kiosk.sync.client import CentralClient
from kiosk.sync.events import upload_events
from tests.central.conftest import Central


def kiosk_reports(central: Central, tmp_path: Path, store: str, token: str,
                  searches: list[str], scans: list[str] = ()) -> None:  # type: ignore[assignment]
    """One store's kiosk: customers search and scan, then the sync uploads the events."""
    engine = open_db(tmp_path / f"{store}.sqlite3")
    try:
        for q in searches:
            analytics.record_event(engine, analytics.SEARCH_NO_RESULTS, {"query": q, "category": "", "in_stock": False})
        for code in scans:
            analytics.record_event(engine, analytics.UNKNOWN_BARCODE, {"query": code, "screen": "search"})
        analytics.record_event(engine, analytics.ADD_TO_CART, {"variant_id": "V-1", "qty": 1})  # not demand
        client = CentralClient(central.url, store, token)
        try:
            assert upload_events(engine, client) == len(searches) + len(scans) + 1
        finally:
            client.close()
    finally:
        engine.dispose()


def test_the_chain_sees_what_customers_did_not_find(central: Central, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    lyon, chain, lyon_token = central.new_store()
    paris, _, paris_token = central.new_store(chain)
    other, _, other_token = central.new_store()  # another chain: never in this report
    kiosk_reports(central, tmp_path, lyon, lyon_token,
                  ["Outdoor heater", "outdoor  heater ", "Sofá bed", "teak bench"], scans=["4006381333931"])
    kiosk_reports(central, tmp_path, paris, paris_token, ["OUTDOOR HEATER", "sofa bed", "[b]x[/b]"],
                  scans=["4006381333931"])
    kiosk_reports(central, tmp_path, other, other_token, ["outdoor heater"] * 5)

    with central.admin() as admin:
        r = admin.get(f"/v1/chains/{chain}/demand")
        assert r.status_code == 200, r.text
        report = r.json()
        terms = [(t["term"], t["searches"], t["scans"], t["stores"]) for t in report["terms"]]
        # However it was typed (case, accents, spaces), one term; most wanted first; other chains not counted.
        assert terms[:3] == [("outdoor heater", 3, 0, 2), ("4006381333931", 0, 2, 2), ("sofa bed", 2, 0, 2)]
        assert {t[0] for t in terms[3:]} == {"teak bench", "[b]x[/b]"}
        assert report["chain"] == chain and report["store"] is None

        only_paris = admin.get(f"/v1/chains/{chain}/demand", params={"store": paris, "limit": 2}).json()
        # One store: every term once, so the most recent come first (the scan was the last event).
        assert [(t["term"], t["stores"]) for t in only_paris["terms"]] == [("4006381333931", 1), ("[b]x[/b]", 1)]
        assert admin.get("/v1/chains/no-such-chain/demand").status_code == 404
        assert admin.get(f"/v1/chains/{chain}/demand", params={"days": 0}).status_code == 422
    with central.client(lyon_token) as kiosk:
        denied = kiosk.get(f"/v1/chains/{chain}/demand")
        assert denied.status_code == 403 and denied.json()["error"]["code"]

    # Older than the window: left out.
    with write_tx(central.engine) as conn:
        conn.execute(update(EventRow).where(EventRow.store_id == lyon,
                                            EventRow.payload["query"].as_string() == "teak bench")
                     .values(at=utcnow() - timedelta(days=40)))

    db = central.engine.url.render_as_string(hide_password=False)
    assert main(["central", "demand", "--db", db, "--chain", chain]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == f"Looked for and not found, chain {chain}, last 30 days:"
    assert lines[2].split()[:3] == ["3", "0", "2"] and lines[2].endswith("  outdoor heater")
    assert "teak bench" not in out and "[b]x[/b]" in out
    assert main(["central", "demand", "--db", db, "--store", lyon, "--days", "60", "--json"]) == 0
    mine = json.loads(capsys.readouterr().out)
    assert mine["store"] == lyon and "teak bench" in [t["term"] for t in mine["terms"]]
    assert main(["central", "demand", "--db", db, "--store", "nowhere"]) == 1
    assert "no store 'nowhere'" in capsys.readouterr().err
