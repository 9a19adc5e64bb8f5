"""Auth, scenes, events, images, handoffs and errors against a real server, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest

from kiosk.central.auth import revoke_token
from kiosk.central.db import write_tx
from kiosk.central.events import count_events
from kiosk.central.handoffs import ALPHABET, get_handoff, record_scan, scan_count
from kiosk.images import ASSETS_DIR
from tests.central.conftest import MAX_BODY, PUBLIC_URL, Central, product


def assert_error(r: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """The response is an error in the service's shape."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    err = r.json()["error"]
    assert set(err) >= {"code", "message"} and err["message"]
    if code is not None:
        assert err["code"] == code
    return err


# ------------------------------------------------------------------ auth

def test_missing_bad_and_revoked_tokens_get_401(central: Central) -> None:
    store, _, token = central.new_store()
    with central.client() as anon:
        r = anon.get(f"/v1/stores/{store}/changes")
        assert_error(r, 401, "unauthorized")
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
    with central.client("kst_not-a-real-token") as bad:
        assert_error(bad.get(f"/v1/stores/{store}/changes"), 401, "invalid_token")
    with httpx.Client(base_url=central.url, headers={"Authorization": f"Basic {token}"}) as basic:
        assert_error(basic.get(f"/v1/stores/{store}/changes"), 401)
    with central.client(token) as c:
        assert c.get(f"/v1/stores/{store}/changes").status_code == 200
        with write_tx(central.engine) as conn:
            assert revoke_token(conn, token)
        assert_error(c.get(f"/v1/stores/{store}/changes"), 401, "invalid_token")


def test_store_token_cannot_touch_another_store(central: Central) -> None:
    store_a, chain, token_a = central.new_store()
    store_b, _, _ = central.new_store(chain)
    with central.client(token_a) as a:
        for method, path, kwargs in [
            ("GET", f"/v1/stores/{store_b}/changes", {}),
            ("GET", f"/v1/stores/{store_b}/scenes", {}),
            ("GET", f"/v1/stores/{store_b}/status", {}),
            ("PUT", f"/v1/stores/{store_b}/scenes/x", {"json": {"id": "x", "title": "X"}}),
            ("POST", f"/v1/stores/{store_b}/events", {"json": {"events": []}, "headers": {"Idempotency-Key": "k"}}),
            ("POST", f"/v1/stores/{store_b}/handoffs", {"json": {"currency": "EUR", "items": [
                {"name": "x", "qty": 1, "unit_price": "1.00"}]}}),
        ]:
            assert_error(a.request(method, path, **kwargs), 403, "forbidden")


def test_admin_operations_need_the_admin_token(central: Central) -> None:
    store, chain, token = central.new_store()
    central.publish(chain, [product("ADM")])
    png = (ASSETS_DIR / "demo/images/bed-0-sage.png").read_bytes()
    with central.client(token) as kiosk_client:
        assert_error(kiosk_client.patch(f"/v1/stores/{store}/variants/SKU-ADM", json={"price": "1.00"}),
                     403, "admin_required")
        assert_error(kiosk_client.patch(f"/v1/chains/{chain}/variants/SKU-ADM", json={"price": "1.00"}),
                     403, "admin_required")
        assert_error(kiosk_client.post(f"/v1/chains/{chain}/catalog", json={"products": []}), 403, "admin_required")
        assert_error(kiosk_client.post("/v1/images", content=png), 403, "admin_required")
    with central.admin() as admin:
        # The admin reads any store, and may publish over HTTP.
        assert admin.get(f"/v1/stores/{store}/changes").status_code == 200
        r = admin.post(f"/v1/chains/{chain}/catalog", json={"products": [product("ADM"), product("ADM2")]})
        assert r.status_code == 200, r.text
        assert (r.json()["added"], r.json()["unchanged"]) == (1, 1)
        bad = admin.post(f"/v1/chains/{chain}/catalog", json={"products": [{"id": "NO-NAME"}]})
        assert_error(bad, 422, "invalid_catalog")
        assert_error(admin.get("/v1/stores/no-such-store/changes"), 404, "store_not_found")


# ------------------------------------------------------------------ scenes

def scene(sid: str, title: str, product_id: str = "P1") -> dict[str, Any]:
    return {"id": sid, "title": title, "subtitle": "", "hero_image": "asset:demo/images/bed-0-sage.png",
            "position": 0, "items": [{"product_id": product_id, "x": 0.25, "y": 0.75, "note": ""}]}


def test_scene_writes_use_if_match_and_refuse_stale_versions(central: Central) -> None:
    store, _, token = central.new_store()
    with central.client(token) as c:
        listing = c.get(f"/v1/stores/{store}/scenes")
        assert listing.json() == {"version": 0, "scenes": []}
        v0 = listing.headers["ETag"]
        assert c.get(f"/v1/stores/{store}/scenes", headers={"If-None-Match": v0}).status_code == 304

        created = c.put(f"/v1/stores/{store}/scenes/living", json=scene("living", "Living room"),
                        headers={"If-None-Match": "*"})
        assert created.status_code == 201 and created.json()["version"] == 1
        etag1 = created.headers["ETag"]
        # Creating again with If-None-Match: * is refused: it exists now.
        assert_error(c.put(f"/v1/stores/{store}/scenes/living", json=scene("living", "Other"),
                           headers={"If-None-Match": "*"}), 412, "precondition_failed")
        # Updating without saying which version was edited is refused.
        assert_error(c.put(f"/v1/stores/{store}/scenes/living", json=scene("living", "No precondition")),
                     428, "precondition_required")

        # Two staff members edit version 1; the first save wins, the second gets 412.
        ok = c.put(f"/v1/stores/{store}/scenes/living", json=scene("living", "Cosy living"),
                   headers={"If-Match": etag1})
        assert ok.status_code == 200 and ok.json()["version"] == 2
        stale = c.put(f"/v1/stores/{store}/scenes/living", json=scene("living", "Lost edit"),
                      headers={"If-Match": etag1})
        err = assert_error(stale, 412, "precondition_failed")
        assert "version 2" in err["message"] and stale.headers["ETag"] == '"2"'
        got = c.get(f"/v1/stores/{store}/scenes/living")
        assert got.json()["title"] == "Cosy living" and got.headers["ETag"] == '"2"'
        assert got.json()["hero_image"] == "asset:demo/images/bed-0-sage.png"

        # The collection's version moved; a stale collection replace is refused.
        assert_error(c.put(f"/v1/stores/{store}/scenes", json={"scenes": []}, headers={"If-Match": v0}), 412)
        coll = c.get(f"/v1/stores/{store}/scenes")
        r = c.put(f"/v1/stores/{store}/scenes", json={"scenes": [scene("garden", "Garden")]},
                  headers={"If-Match": coll.headers["ETag"]})
        assert r.status_code == 200, r.text
        assert [s["id"] for s in c.get(f"/v1/stores/{store}/scenes").json()["scenes"]] == ["garden"]

        assert_error(c.delete(f"/v1/stores/{store}/scenes/garden", headers={"If-Match": '"7"'}), 412)
        assert c.delete(f"/v1/stores/{store}/scenes/garden", headers={"If-Match": '"1"'}).status_code == 204
        assert_error(c.get(f"/v1/stores/{store}/scenes/garden"), 404, "scene_not_found")
        assert_error(c.put(f"/v1/stores/{store}/scenes/bad", json={"id": "bad", "items": "nope"}, ),
                     422, "invalid_scene")


# ------------------------------------------------------------------ events

def test_retried_event_batch_is_counted_once(central: Central) -> None:
    store, _, token = central.new_store()
    now = datetime.now(timezone.utc).isoformat()
    events = [{"uid": str(uuid.uuid4()), "kind": "search_no_results", "at": now, "payload": {"query": "teak"}}
              for _ in range(3)]
    with central.client(token) as c:
        assert_error(c.post(f"/v1/stores/{store}/events", json={"events": events}), 428,
                     "idempotency_key_required")
        key = str(uuid.uuid4())
        first = c.post(f"/v1/stores/{store}/events", json={"events": events}, headers={"Idempotency-Key": key})
        assert first.json() == {"accepted": 3, "duplicate": False}
        retry = c.post(f"/v1/stores/{store}/events", json={"events": events}, headers={"Idempotency-Key": key})
        assert retry.status_code == 200 and retry.json() == {"accepted": 3, "duplicate": True}
        # The same events in a new batch (kiosk lost the answer and rebuilt the batch) still count once.
        extra = {"uid": str(uuid.uuid4()), "kind": "add_to_cart", "at": now, "payload": {}}
        rebuilt = c.post(f"/v1/stores/{store}/events", json={"events": [*events, extra]},
                         headers={"Idempotency-Key": str(uuid.uuid4())})
        assert rebuilt.json() == {"accepted": 1, "duplicate": False}
        assert_error(c.post(f"/v1/stores/{store}/events", json={"events": [{"uid": "x", "kind": "k"}]},
                            headers={"Idempotency-Key": "bad"}), 422, "validation_error")
    with central.engine.connect() as conn:
        assert count_events(conn, store) == 4
        assert count_events(conn, store, "search_no_results") == 3


# ------------------------------------------------------------------ images

def test_published_images_are_served_with_etag_and_cache_control(central: Central) -> None:
    store, chain, token = central.new_store()
    asset = ASSETS_DIR / "demo/images/bed-0-sage.png"
    central.publish(chain, [product("IMG", images=["asset:demo/images/bed-0-sage.png"])])
    digest = hashlib.sha256(asset.read_bytes()).hexdigest()
    with central.client(token) as c:
        rec = c.get(f"/v1/stores/{store}/changes").json()["changes"][0]["product"]
        url = rec["images"][0]
        assert url == f"{PUBLIC_URL}/v1/images/{digest}"
    path = url[len(PUBLIC_URL):]
    with central.client() as anon:  # images are public: the phone's handoff page shows them
        r = anon.get(path)
        assert r.status_code == 200 and r.content == asset.read_bytes()
        assert r.headers["content-type"] == "image/png"
        assert r.headers["ETag"] == f'"{digest}"'
        assert "immutable" in r.headers["Cache-Control"] and "max-age=31536000" in r.headers["Cache-Control"]
        again = anon.get(path, headers={"If-None-Match": r.headers["ETag"]})
        assert again.status_code == 304 and again.content == b""
        assert_error(anon.get("/v1/images/" + "0" * 64), 404, "image_not_found")
        assert_error(anon.get("/v1/images/../../etc/passwd"), 404)
    with central.admin() as admin:
        up = admin.post("/v1/images", content=asset.read_bytes())
        assert up.status_code == 201 and up.json()["id"] == digest
        assert_error(admin.post("/v1/images", content=b"not an image"), 415, "unsupported_media_type")


# ------------------------------------------------------------------ handoffs

def test_handoff_returns_short_link_and_landing_helpers_read_it(central: Central) -> None:
    store, _, token = central.new_store()
    cart = {"currency": "EUR", "checkout_url": "https://shop.example/cart/401:2?storefront=true",
            "total": "1847.00",
            "items": [{"name": "Oslo sofa", "variant_title": "Grey", "qty": 2, "unit_price": "899.00",
                       "image": "https://central.test/v1/images/abc", "variant_id": "V-1"},
                      {"name": "Lamp", "qty": 1, "unit_price": "49.00"}]}
    with central.client(token) as c:
        r = c.post(f"/v1/stores/{store}/handoffs", json=cart)
        assert r.status_code == 201, r.text
        body = r.json()
        code = body["code"]
        assert len(code) == 7 and set(code) <= set(ALPHABET)
        assert body["url"] == f"{PUBLIC_URL}/h/{code}"
        assert datetime.fromisoformat(body["expires_at"]) > datetime.now(timezone.utc)
        assert_error(c.post(f"/v1/stores/{store}/handoffs", json={**cart, "total": "1.00"}), 422, "total_mismatch")
        assert_error(c.post(f"/v1/stores/{store}/handoffs", json={**cart, "items": []}), 422)
        sneaky = {**cart, "items": [{**cart["items"][0], "image": "javascript:alert(1)"}], "total": None}
        assert_error(c.post(f"/v1/stores/{store}/handoffs", json=sneaky), 422, "validation_error")
        assert_error(c.post(f"/v1/stores/{store}/handoffs", json={**cart, "checkout_url": "ftp://x"}), 422)
    h = get_handoff(central.engine, code.lower())  # typed by a customer: case does not matter
    assert h is not None and not h.expired
    assert (h.total_minor, h.currency, h.store_id) == (184700, "EUR", store)
    assert [(i["name"], i["qty"], i["unit_price_minor"]) for i in h.items] == [("Oslo sofa", 2, 89900),
                                                                                ("Lamp", 1, 4900)]
    assert h.items[0]["variant_title"] == "Grey"
    assert record_scan(central.engine, code) and record_scan(central.engine, code)
    assert scan_count(central.engine, code) == 2
    assert get_handoff(central.engine, "ZZZZZZZ") is None and not record_scan(central.engine, "ZZZZZZZ")


# ------------------------------------------------------------------ errors and limits

def test_every_error_has_the_json_shape(central: Central) -> None:
    store, _, token = central.new_store()
    with central.client(token) as c:
        assert_error(c.get("/v1/nothing-here"), 404, "not_found")
        assert_error(c.delete(f"/v1/stores/{store}/changes"), 405, "method_not_allowed")
        err = assert_error(c.get(f"/v1/stores/{store}/changes", params={"limit": 0}), 422, "validation_error")
        assert "limit" in err["message"]
        assert_error(c.get(f"/v1/stores/{store}/changes", params={"since": "abc"}), 422)
        assert_error(c.post(f"/v1/stores/{store}/events", content=b"{not json",
                            headers={"Idempotency-Key": "k", "Content-Type": "application/json"}), 422)


def test_oversized_bodies_are_refused_with_413(central: Central) -> None:
    store, _, token = central.new_store()
    big = {"events": [{"uid": f"u{i}", "kind": "k", "at": "2026-11-22T10:00:00Z",
                       "payload": {"q": "x" * 190}} for i in range(MAX_BODY // 150)]}
    with central.client(token) as c:
        assert_error(c.post(f"/v1/stores/{store}/events", json=big, headers={"Idempotency-Key": "big"}),
                     413, "payload_too_large")

        def chunked() -> Any:  # no Content-Length: the limit holds while streaming
            for _ in range(MAX_BODY // 1024 + 2):
                yield b" " * 1024

        r = c.post(f"/v1/stores/{store}/events", content=chunked(),
                   headers={"Idempotency-Key": "big2", "Content-Type": "application/json"})
        assert_error(r, 413, "payload_too_large")
    with central.engine.connect() as conn:
        assert count_events(conn, store) == 0


@pytest.mark.parametrize("path", ["/openapi.json", "/healthz"])
def test_service_documents(central: Central, path: str) -> None:
    with central.client() as anon:
        r = anon.get(path)
        assert r.status_code == 200
        if path == "/openapi.json":
            assert "/v1/stores/{store}/changes" in r.json()["paths"]
