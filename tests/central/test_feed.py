"""The changes feed against a real server process, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from kiosk.central.db import write_tx
from kiosk.central.publish import OverrideInput, set_chain_price, set_overrides
from kiosk.cli.main import main
from tests.central.conftest import Central, product


def pages(client: httpx.Client, store: str, since: int = 0, limit: int = 500) -> tuple[list[dict[str, Any]], int]:
    """Every change after ``since``, following ``next`` until ``more`` is false."""
    out: list[dict[str, Any]] = []
    while True:
        r = client.get(f"/v1/stores/{store}/changes", params={"since": since, "limit": limit})
        assert r.status_code == 200, r.text
        body = r.json()
        out += body["changes"]
        since = body["next"]
        if not body["more"]:
            assert body["next"] == body["checkpoint"]
            return out, since


def catalog_of(changes: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The catalog a client holds after applying ``changes`` in order."""
    cat: dict[str, dict[str, Any]] = {}
    for c in changes:
        if c["op"] == "upsert":
            cat[c["product_id"]] = c["product"]
        else:
            cat.pop(c["product_id"], None)
    return cat


def test_feed_pages_by_cursor_and_answers_304_when_nothing_changed(central: Central) -> None:
    store, chain, token = central.new_store()
    central.publish(chain, [product(f"P{i}", f"{i}.50") for i in range(7)])
    with central.client(token) as c:
        r1 = c.get(f"/v1/stores/{store}/changes", params={"since": 0, "limit": 3})
        b1 = r1.json()
        assert [ch["product_id"] for ch in b1["changes"]] == ["P0", "P1", "P2"]
        assert b1["more"] is True and b1["checkpoint"] >= b1["next"]
        assert b1["changes"][1]["product"]["variants"][0]["price"] == "1.50"
        b2 = c.get(f"/v1/stores/{store}/changes", params={"since": b1["next"], "limit": 3}).json()
        b3 = c.get(f"/v1/stores/{store}/changes", params={"since": b2["next"], "limit": 3}).json()
        assert [ch["product_id"] for ch in b2["changes"] + b3["changes"]] == ["P3", "P4", "P5", "P6"]
        assert b3["more"] is False and b3["next"] == b3["checkpoint"]
        seqs = [ch["seq"] for ch in b1["changes"] + b2["changes"] + b3["changes"]]
        assert seqs == sorted(seqs) and len(set(seqs)) == 7

        # Caught up: the last page's ETag sent with its `next` gets a 304 with no body.
        cursor = b3["next"]
        etag = c.get(f"/v1/stores/{store}/changes", params={"since": b2["next"], "limit": 3}).headers["ETag"]
        r304 = c.get(f"/v1/stores/{store}/changes", params={"since": cursor}, headers={"If-None-Match": etag})
        assert r304.status_code == 304 and r304.content == b""
        assert r304.headers["ETag"] == etag
        empty = c.get(f"/v1/stores/{store}/changes", params={"since": cursor})
        assert empty.json()["changes"] == [] and empty.headers["ETag"] == etag
        # A page that has more after it has its own ETag: not a 304 for the caught-up state.
        assert c.get(f"/v1/stores/{store}/changes", params={"since": 0, "limit": 3},
                     headers={"If-None-Match": etag}).status_code == 200

        # One product changes centrally: the next poll brings exactly that one.
        central.publish(chain, [product("P3", "99.00")], full=False)
        r = c.get(f"/v1/stores/{store}/changes", params={"since": cursor}, headers={"If-None-Match": etag})
        assert r.status_code == 200 and r.headers["ETag"] != etag
        body = r.json()
        assert [(ch["op"], ch["product_id"]) for ch in body["changes"]] == [("upsert", "P3")]
        assert body["changes"][0]["product"]["variants"][0]["price"] == "99.00"


def test_full_publish_tombstones_missing_products_and_partial_does_not(central: Central) -> None:
    store, chain, token = central.new_store()
    central.publish(chain, [product("A"), product("B"), product("C")])
    with central.client(token) as c:
        _, cursor = pages(c, store)
        central.publish(chain, [product("A"), product("B")], full=False)
        assert pages(c, store, cursor)[0] == []
        report = central.publish(chain, [product("A"), product("B")])
        assert (report.deleted, report.unchanged) == (1, 2)
        changes, cursor2 = pages(c, store, cursor)
        assert changes == [{"seq": changes[0]["seq"], "op": "delete", "product_id": "C", "product": None}]
        # A kiosk syncing from scratch gets the tombstone too and ends with A and B.
        everything, _ = pages(c, store, 0, limit=1)
        assert set(catalog_of(everything)) == {"A", "B"}
        # The product comes back: an upsert after the tombstone.
        central.publish(chain, [product("A"), product("B"), product("C", "5.00")])
        assert [(ch["op"], ch["product_id"]) for ch in pages(c, store, cursor2)[0]] == [("upsert", "C")]


def test_publish_same_file_twice_adds_nothing(central: Central, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    store, chain, token = central.new_store()
    catalog = {"format": "kiosk-catalog", "version": 1,
               "products": [product(f"F{i}", "12.00", images=["asset:demo/images/bed-0-sage.png"])
                            for i in range(5)]}
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(catalog), encoding="utf-8")
    argv = ["central", "publish", str(path), "--store", store, "--db", central.server.db_url]
    assert main(argv) == 0
    assert "5 added" in capsys.readouterr().out
    with central.client(token) as c:
        r = c.get(f"/v1/stores/{store}/changes")
        etag, head = r.headers["ETag"], r.json()["checkpoint"]
        assert len(r.json()["changes"]) == 5
        assert main(argv) == 0  # the real `kiosk central publish`, run in this process
        assert "0 added, 0 updated, 0 deleted, 5 unchanged" in capsys.readouterr().out
        again = c.get(f"/v1/stores/{store}/changes", headers={"If-None-Match": etag})
        assert again.status_code == 304
        assert c.get(f"/v1/stores/{store}/status").json()["head"] == head


def test_store_overrides_reach_only_their_store(central: Central) -> None:
    store_a, chain, token_a = central.new_store()
    store_b, _, token_b = central.new_store(chain)
    central.publish(chain, [product("SOFA", "899.00", sku="NH-OSLO"), product("LAMP", "49.00")])
    with central.client(token_a) as a, central.client(token_b) as b:
        _, cur_a = pages(a, store_a)
        rb = b.get(f"/v1/stores/{store_b}/changes")
        cur_b, etag_b = rb.json()["next"], None
        etag_b = b.get(f"/v1/stores/{store_b}/changes", params={"since": cur_b}).headers["ETag"]

        with write_tx(central.engine) as conn:
            set_overrides(conn, store_a, [OverrideInput("NH-OSLO", price="799.00", stock=0, aisle="7", bay="C")])
        changes, cur_a = pages(a, store_a, cur_a)
        assert [ch["product_id"] for ch in changes] == ["SOFA"]
        v = changes[0]["product"]["variants"][0]
        assert (v["price"], v["stock"], v["aisle"], v["bay"]) == ("799.00", 0, "7", "C")
        # Store B's feed did not move: still a 304, and a fresh sync has the chain price.
        assert b.get(f"/v1/stores/{store_b}/changes", params={"since": cur_b},
                     headers={"If-None-Match": etag_b}).status_code == 304
        assert catalog_of(pages(b, store_b)[0])["SOFA"]["variants"][0]["price"] == "899.00"
        # A fresh sync of store A merges the override as well.
        assert catalog_of(pages(a, store_a)[0])["SOFA"]["variants"][0]["price"] == "799.00"

        # A chain-wide price change reaches both; A keeps its override price.
        with write_tx(central.engine) as conn:
            set_chain_price(conn, chain, "SKU-LAMP", "45.00")
        for client, store, cur in ((a, store_a, cur_a), (b, store_b, cur_b)):
            changes, _ = pages(client, store, cur)
            assert [ch["product_id"] for ch in changes] == ["LAMP"]
            assert changes[0]["product"]["variants"][0]["price"] == "45.00"
        # Clearing the override gives store A the chain's price back.
        with write_tx(central.engine) as conn:
            set_overrides(conn, store_a, [OverrideInput("NH-OSLO", clear=("price",))])
        sofa = catalog_of(pages(a, store_a)[0])["SOFA"]["variants"][0]
        assert (sofa["price"], sofa["aisle"]) == ("899.00", "7")


def test_admin_can_change_prices_over_http(central: Central) -> None:
    store, chain, token = central.new_store()
    central.publish(chain, [product("TBL", "300.00")])
    with central.client(token) as c, central.admin() as admin:
        _, cur = pages(c, store)
        r = admin.patch(f"/v1/stores/{store}/variants/SKU-TBL", json={"price": "250.00"})
        assert r.status_code == 200, r.text
        changes, cur = pages(c, store, cur)
        assert changes[0]["product"]["variants"][0]["price"] == "250.00"
        r = admin.patch(f"/v1/chains/{chain}/variants/TBL-V1", json={"price": "280.00"})
        assert r.status_code == 200, r.text
        # Store override still wins for this store.
        assert pages(c, store, cur)[0][0]["product"]["variants"][0]["price"] == "250.00"
        bad = admin.patch(f"/v1/stores/{store}/variants/SKU-TBL", json={"price": "12,5x"})
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "validation_error"
        missing = admin.patch(f"/v1/stores/{store}/variants/NOPE", json={"price": "1.00"})
        assert missing.status_code == 404


def test_paging_while_publishing_ends_with_the_newest_catalog(central: Central) -> None:
    store, chain, token = central.new_store()
    ids = [f"Q{i:03d}" for i in range(60)]
    central.publish(chain, [product(pid, "1.00") for pid in ids])
    expected: dict[str, str] = dict.fromkeys(ids, "1.00")
    got: dict[str, dict[str, Any]] = {}
    since, step = 0, 0
    with central.client(token) as c:
        while True:
            body = c.get(f"/v1/stores/{store}/changes", params={"since": since, "limit": 7}).json()
            got.update(catalog_of([ch for ch in body["changes"] if ch["op"] == "upsert"]))
            for ch in body["changes"]:
                if ch["op"] == "delete":
                    got.pop(ch["product_id"], None)
            since = body["next"]
            if not body["more"]:
                break
            step += 1
            if step in (2, 4, 6):
                # Between two pages a publish changes products already read and
                # not yet read, and drops some of each.
                price = f"{step}.00"
                keep = [pid for k, pid in enumerate(expected) if k % 9 != step]
                expected = {pid: (price if k % 3 == 0 else expected[pid]) for k, pid in enumerate(keep)}
                central.publish(chain, [product(pid, p) for pid, p in expected.items()])
    assert {pid: rec["variants"][0]["price"] for pid, rec in got.items()} == expected
    with central.client(token) as c:
        assert catalog_of(pages(c, store, 0)[0]) == got


def test_cursor_beyond_the_feed_is_refused(central: Central) -> None:
    store, chain, token = central.new_store()
    central.publish(chain, [product("X")])
    with central.client(token) as c:
        r = c.get(f"/v1/stores/{store}/changes", params={"since": 10**9})
        assert r.status_code == 410
        assert r.json()["error"]["code"] == "cursor_invalid"


def test_status_reports_head_and_counts(central: Central) -> None:
    store, chain, token = central.new_store()
    central.publish(chain, [product("S1"), product("S2")])
    with central.client(token) as c:
        s = c.get(f"/v1/stores/{store}/status").json()
        assert (s["store"], s["chain"], s["products"]) == (store, chain, 2)
        assert s["head"] == pages(c, store)[1]
        p = c.get(f"/v1/stores/{store}/products/S2")
        assert p.status_code == 200 and p.json()["id"] == "S2"
