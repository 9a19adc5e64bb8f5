"""The central service under many polling kiosks, on SQLite and PostgreSQL.

Starts ``kiosk central serve --workers 2`` on 127.0.0.1 for each backend, with
a published catalog and one token per store, then runs N simulated kiosks
(asyncio + httpx, one client with a connection per kiosk) for a bounded time.
Each kiosk polls its store's changes feed with its cursor and ``If-None-Match``
every ``--interval`` seconds (jittered): most answers are 304s; a changer
task makes real changes every ``--change-every`` seconds (store price
overrides; every fifth a chain-wide price change that all kiosks fetch), which the kiosks then fetch.

The peer, in the same run: a bare ASGI app under the same uvicorn setup (2
workers) that answers every poll with a constant 304 - no auth, no
database. Our figure beside it shows what auth + the feed's head lookup cost
on top of the HTTP stack.

Usage::

    .venv/bin/python bench/bench_central_load.py [--kiosks 500] [--duration 20] [--backends sqlite,postgres,bare]

Prints requests/s, 304 share, median and p99 latency per backend, and the
ratio of each to the bare peer. Loopback only; nothing is downloaded.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PORTS = range(18040, 18060)


async def bare_app(scope, receive, send):  # type: ignore[no-untyped-def]
    """The peer: answers every request with a constant 304 (no auth, no database)."""
    if scope["type"] == "lifespan":
        while True:
            msg = await receive()
            if msg["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif msg["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 304,
                "headers": [(b"etag", b'"bare"'), (b"cache-control", b"private, no-cache")]})
    await send({"type": "http.response.body", "body": b""})


@dataclass
class Stats:
    """What the kiosks saw."""

    latencies_ms: list[float] = field(default_factory=list)
    by_status: dict[int, list[float]] = field(default_factory=dict)
    status: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    changes_applied: int = 0
    body_bytes: int = 0


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q / 100 * len(s)) - 1))]


class Conn:
    """A minimal keep-alive HTTP/1.1 client on asyncio streams.

    httpx's async pool costs more CPU per request than the server's handler
    on this shared 2-core machine; the load generator must not be the
    bottleneck it measures.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        reused = self.writer is not None
        try:
            return await self._get(path, headers)
        except (asyncio.IncompleteReadError, ConnectionError):
            if not reused:
                raise
            # The server closed the idle keep-alive connection (uvicorn: 5 s);
            # like any HTTP client, retry once on a new connection.
            return await self._get(path, headers)

    async def _get(self, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        self.writer.write(head.encode())
        try:
            raw = await self.reader.readuntil(b"\r\n\r\n")
            lines = raw.decode("latin-1").split("\r\n")
            status = int(lines[0].split(" ", 2)[1])
            hdrs = {}
            for line in lines[1:]:
                if ":" in line:
                    k, v = line.split(":", 1)
                    hdrs[k.strip().lower()] = v.strip()
            n = int(hdrs.get("content-length", "0"))
            body = await self.reader.readexactly(n) if n else b""
        except (asyncio.IncompleteReadError, ConnectionError):
            self.close()
            raise
        if hdrs.get("connection", "").lower() == "close":
            self.close()
        return status, hdrs, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def kiosk(host: str, port: int, store: str, token: str, since: int, stats: Stats, until: float,
                interval: float, record_from: float) -> None:
    conn = Conn(host, port)
    headers = {"Authorization": f"Bearer {token}"}
    etag = ""
    await asyncio.sleep(random.uniform(0, interval))
    while time.monotonic() < until:
        h = dict(headers)
        if etag:
            h["If-None-Match"] = etag
        t0 = time.perf_counter()
        try:
            status, hdrs, body = await conn.get(f"/v1/stores/{store}/changes?since={since}&limit=500", h)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            stats.errors += 1
            await asyncio.sleep(interval)
            continue
        dt = (time.perf_counter() - t0) * 1000
        if time.monotonic() >= record_from:
            stats.latencies_ms.append(dt)
            stats.by_status.setdefault(status, []).append(dt)
            stats.status[status] = stats.status.get(status, 0) + 1
            stats.body_bytes += len(body)
        if status == 200:
            page = json.loads(body)
            stats.changes_applied += len(page.get("changes", []))
            since = page["next"]
            if page.get("more"):
                etag = ""
                continue  # fetch the next page right away
            # The last page's ETag names the caught-up state: sent with
            # since=next it gets 304s until something changes.
            etag = hdrs.get("etag", "")
        elif status != 304:
            stats.errors += 1
        await asyncio.sleep(interval * random.uniform(0.8, 1.2))
    conn.close()


async def first_poll(client, store: str, token: str) -> int:  # type: ignore[no-untyped-def]
    r = await client.get(f"/v1/stores/{store}/status", headers={"Authorization": f"Bearer {token}"})
    r.raise_for_status()
    return int(r.json()["head"])


def changer(engine, stores: list[str], chain: str, skus: list[str], until: float, every: float,  # type: ignore[no-untyped-def]
            counter: list[int]) -> None:
    from kiosk.central.db import write_tx
    from kiosk.central.publish import OverrideInput, set_chain_price, set_overrides

    n = 0
    while time.monotonic() < until:
        time.sleep(every)
        n += 1
        with write_tx(engine) as conn:
            if n % 5 == 0:
                set_chain_price(conn, chain, random.choice(skus), f"{random.randint(10, 999)}.{n % 100:02d}")
            else:
                store = random.choice(stores)
                set_overrides(conn, store, [OverrideInput(random.choice(skus),
                                                          price=f"{random.randint(10, 999)}.00")])
        counter[0] += 1


async def run_load(base_url: str, kiosks: list[tuple[str, str]], duration: float, interval: float,
                   warmup: float, bare: bool) -> Stats:
    import httpx

    stats = Stats()
    heads = {}
    if not bare:
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
            for store, token in dict(kiosks).items():
                heads[store] = await first_poll(client, store, token)
    host, port = base_url.split("//", 1)[1].split(":")
    start = time.monotonic()
    until = start + warmup + duration
    await asyncio.gather(*(kiosk(host, int(port), store, token, heads.get(store, 0), stats, until, interval,
                                 start + warmup) for store, token in kiosks))
    return stats


def start_bare(port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    import httpx

    argv = [sys.executable, "-m", "uvicorn", "--app-dir", str(ROOT / "bench"), "bench_central_load:bare_app",
            "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers), "--log-level", "warning",
            "--no-access-log"]
    proc = subprocess.Popen(argv, stdout=open(log, "ab"), stderr=subprocess.STDOUT, start_new_session=True)  # noqa: SIM115
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
            return proc
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("bare peer did not start")


def make_catalog(n: int) -> list[dict]:
    return [{"id": f"P{i:05d}", "name": f"Product {i}", "brand": "Nordhem", "category": ["Home", f"Cat {i % 20}"],
             "variants": [{"id": f"V{i:05d}", "sku": f"SKU-{i:05d}", "title": "Default", "price": f"{10 + i % 90}.00",
                           "currency": "EUR", "stock": i % 7, "aisle": str(i % 30), "bay": "A"}]}
            for i in range(n)]


def bench_backend(name: str, db_url: str, args: argparse.Namespace, tmp: Path) -> tuple[Stats, int]:
    import threading

    from kiosk.central.auth import create_token
    from kiosk.central.db import open_central_db, write_tx
    from kiosk.central.publish import publish_objects
    from kiosk.central.stores import ensure_store
    from tests.central.server import CentralServer, free_port

    engine = open_central_db(db_url, pool_size=2)
    stores = [f"store-{i:03d}" for i in range(args.stores)]
    tokens = {}
    with write_tx(engine) as conn:
        for s in stores:
            ensure_store(conn, s, "bench")
            tokens[s] = create_token(conn, store_id=s)
    catalog = make_catalog(args.products)
    publish_objects(engine, catalog, chain_id="bench")
    kiosks = [(stores[i % len(stores)], tokens[stores[i % len(stores)]]) for i in range(args.kiosks)]
    server = CentralServer(db_url, workers=args.workers, port=free_port(PORTS), log=tmp / f"{name}.log").start()
    counter = [0]
    try:
        until = time.monotonic() + args.warmup + args.duration
        t = threading.Thread(target=changer, args=(engine, stores, "bench", [p["variants"][0]["sku"] for p in catalog],
                                                    until, args.change_every, counter), daemon=True)
        t.start()
        stats = _run(run_load(server.url, kiosks, args.duration, args.interval, args.warmup, bare=False))
        t.join()
    finally:
        server.stop()
        engine.dispose()
    return stats, counter[0]


def _run(coro):  # type: ignore[no-untyped-def]
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    return uvloop.run(coro)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kiosks", type=int, default=500)
    parser.add_argument("--stores", type=int, default=50)
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds per backend")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between a kiosk's polls")
    parser.add_argument("--change-every", type=float, default=2.0, help="seconds between central changes")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--backends", default="sqlite,postgres,bare")
    args = parser.parse_args()

    from tests.pg import PgCluster, pg_unavailable_reason

    results: dict[str, tuple[Stats, int]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-central-") as d:
        tmp = Path(d)
        for backend in args.backends.split(","):
            print(f"running {backend} ...", file=sys.stderr, flush=True)
            if backend == "sqlite":
                results["sqlite"] = bench_backend("sqlite", f"sqlite:///{tmp / 'central.sqlite3'}", args, tmp)
            elif backend == "postgres":
                reason = pg_unavailable_reason()
                if reason:
                    print(f"postgres skipped: {reason}", file=sys.stderr)
                    continue
                cluster = PgCluster(port=18096).start()
                try:
                    results["postgres"] = bench_backend("postgres", cluster.create_database("bench"), args, tmp)
                finally:
                    cluster.stop()
            elif backend == "bare":
                from tests.central.server import free_port

                port = free_port(PORTS)
                proc = start_bare(port, args.workers, tmp / "bare.log")
                try:
                    stats = _run(run_load(f"http://127.0.0.1:{port}", [("x", "t")] * args.kiosks,
                                                 args.duration, args.interval, args.warmup, bare=True))
                finally:
                    os.killpg(proc.pid, 15)
                    proc.wait(timeout=15)
                results["bare 304 (peer)"] = (stats, 0)

    peer = results.get("bare 304 (peer)")
    print(f"\n{args.kiosks} kiosks, {args.stores} stores, {args.products} products, poll every {args.interval}s, "
          f"{args.workers} server workers, {args.duration:.0f}s measured after {args.warmup:.0f}s warm-up")
    print(f"{'backend':<16} {'req/s':>8} {'304 %':>6} {'200':>6} {'err':>5} {'median ms':>10} {'p99 ms':>8} "
          f"{'central changes':>16} {'changes fetched':>16} {'rps vs peer':>12} {'p99 vs peer':>12}")
    for name, (s, changes) in results.items():
        n = len(s.latencies_ms)
        rps = n / args.duration
        share = 100 * s.status.get(304, 0) / n if n else 0
        med, p99 = statistics.median(s.latencies_ms) if n else float("nan"), percentile(s.latencies_ms, 99)
        if peer and peer[0].latencies_ms:
            prps = len(peer[0].latencies_ms) / args.duration
            pp99 = percentile(peer[0].latencies_ms, 99)
            r1, r2 = f"{rps / prps:.2f}", f"{p99 / pp99:.2f}"
        else:
            r1 = r2 = "-"
        print(f"{name:<16} {rps:>8.0f} {share:>6.1f} {s.status.get(200, 0):>6} {s.errors:>5} {med:>10.1f} "
              f"{p99:>8.1f} {changes:>16} {s.changes_applied:>16} {r1:>12} {r2:>12}")
    print("\nlatency by answer (median / p99 ms):")
    for name, (s, _) in results.items():
        parts = [f"{code}: {statistics.median(v):.1f} / {percentile(v, 99):.1f} (n={len(v)})"
                 for code, v in sorted(s.by_status.items())]
        print(f"  {name:<16} " + "; ".join(parts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
