"""The `kiosk central` commands end to end, and concurrent writers, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from kiosk.central.db import write_tx
from kiosk.cli.main import main
from kiosk.central.publish import OverrideInput, set_chain_price, set_overrides
from tests.central.conftest import Central, product
from tests.central.test_feed import catalog_of, pages


@dataclass
class Ran:
    """Exit code and output of a command."""

    returncode: int
    stdout: str
    stderr: str


def kiosk_central(central: Central, capsys: pytest.CaptureFixture[str], *args: str) -> Ran:
    """Run ``kiosk central ARGS --db <the server's database>`` (the real command, in this process)."""
    capsys.readouterr()
    code = main(["central", *args, "--db", central.server.db_url])
    out = capsys.readouterr()
    return Ran(code, out.out, out.err)


def test_demo_flow_token_publish_and_central_price_change(central: Central, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    store = f"demo-{central.backend}"
    made = kiosk_central(central, capsys, "token", "create", "--store", store, "--chain", f"demo-{central.backend}")
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert token.startswith("kst_") and "cannot be shown again" in made.stderr
    catalog = {"format": "kiosk-catalog", "version": 1,
               "products": [product("SOFA", "899.00", sku="NH-OSLO-3-GRY")],
               "scenes": [{"id": "living", "title": "Living room", "hero_image": "asset:demo/images/bed-0-sage.png",
                           "items": [{"product_id": "SOFA", "x": 0.5, "y": 0.4}]}]}
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(catalog), encoding="utf-8")
    pub = kiosk_central(central, capsys, "publish", str(path), "--store", store)
    assert pub.returncode == 0 and "1 added" in pub.stdout and "1 scenes changed" in pub.stdout, pub.stderr
    with central.client(token) as c:
        changes, cursor = pages(c, store)
        assert catalog_of(changes)["SOFA"]["variants"][0]["price"] == "899.00"
        scenes = c.get(f"/v1/stores/{store}/scenes").json()["scenes"]
        assert [s["id"] for s in scenes] == ["living"]
        assert scenes[0]["hero_image"].startswith("https://central.test/v1/images/")

        # "Change a price centrally": the store's next poll brings it.
        setp = kiosk_central(central, capsys, "set-price", "NH-OSLO-3-GRY", "849.00", "--store", store)
        assert setp.returncode == 0, setp.stderr
        changes, _ = pages(c, store, cursor)
        assert [ch["product"]["variants"][0]["price"] for ch in changes] == ["849.00"]

    bad = kiosk_central(central, capsys, "set-price", "NO-SUCH-SKU", "1.00", "--store", store)
    assert bad.returncode == 1 and "no variant" in bad.stderr and "Traceback" not in bad.stderr
    worse = kiosk_central(central, capsys, "set-price", "NH-OSLO-3-GRY", "eight", "--store", store)
    assert worse.returncode == 1 and "price" in worse.stderr and "Traceback" not in worse.stderr
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "kiosk-catalog", "version": 1, "products": [{"id": "X"}]}', encoding="utf-8")
    refused = kiosk_central(central, capsys, "publish", str(broken), "--store", store)
    assert refused.returncode == 1 and "nothing published" in refused.stderr
    with central.client(token) as c:  # the refused file changed nothing
        assert set(catalog_of(pages(c, store)[0])) == {"SOFA"}


def test_concurrent_writers_get_distinct_ordered_sequence_numbers(central: Central) -> None:
    store_a, chain, token = central.new_store()
    store_b, _, _ = central.new_store(chain)
    central.publish(chain, [product(f"C{i}", "1.00") for i in range(10)])
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for k in range(8):
                with write_tx(central.engine) as conn:
                    if k % 2:
                        set_chain_price(conn, chain, f"SKU-C{(n + k) % 10}", f"{n}.{k:02d}")
                    else:
                        set_overrides(conn, store_a if n % 2 else store_b,
                                      [OverrideInput(f"SKU-C{k}", stock=n * 10 + k)])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    with central.client(token) as c:
        _, before = pages(c, store_a)
        threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        changes, head = pages(c, store_a, before)
        seqs = [ch["seq"] for ch in changes]
        assert seqs == sorted(set(seqs)) and seqs[-1] <= head
        # The incremental result equals a fresh full sync.
        assert catalog_of(pages(c, store_a, 0)[0]) == {**catalog_of(pages(c, store_a, 0, limit=3)[0])}
