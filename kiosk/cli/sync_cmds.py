"""``kiosk sync`` and ``kiosk sync-status``: sync by hand and see how it stands."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import Any

from kiosk.cli.common import add_common, config_from


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add the sync subcommands."""
    p = sub.add_parser("sync", help="sync the catalog from the central service now",
                       description="Fetch the store's changes from the central service and apply them in one "
                                   "transaction; then upload analytics events and download missing images. "
                                   "An interrupted sync resumes where it stopped.")
    add_common(p)
    p.add_argument("--url", help="central service URL (default: [sync] url)")
    p.add_argument("--store", help="store id (default: [store] store_id)")
    p.add_argument("--token", help="this kiosk's bearer token (default: [sync] token or $KIOSK_SYNC_TOKEN)")
    p.add_argument("--page-size", type=int, default=1000, help="changes per request (default 1000)")
    p.add_argument("--no-images", action="store_true", help="do not download missing images")
    p.add_argument("--no-events", action="store_true", help="do not upload analytics events")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_sync)

    s = sub.add_parser("sync-status", help="show when the catalog was last synced and any problems")
    add_common(s)
    s.add_argument("--store", help="store id (default: [store] store_id)")
    s.add_argument("--json", action="store_true", help="machine-readable output")
    s.add_argument("--rejects", action="store_true", help="list the products the kiosk refused and why")
    s.add_argument("--check", action="store_true",
                   help="monitoring check: print one line and exit 0 (OK), 1 (WARNING: last attempt failed or "
                        "products refused) or 2 (CRITICAL: catalog stale or never synced)")
    s.set_defaults(func=cmd_sync_status)


def cmd_sync(args: argparse.Namespace) -> int:
    """Run one sync with a progress bar."""
    import os

    from tqdm import tqdm

    from kiosk.db import open_db
    from kiosk.image_cache import ImageCache, ImageDownloadError
    from kiosk.sync.client import AuthError, CentralClient, SyncError
    from kiosk.sync.events import upload_events
    from kiosk.sync.pull import Progress, record_failure, sync_once
    from kiosk.sync.scenes import pull_scenes
    from kiosk.sync.staging import SyncBusyError
    from kiosk.sync.worker import missing_image_urls

    if not getattr(args, "verbose", False):
        # urllib3 logs every retry as a warning; the outcome is reported below.
        logging.getLogger("urllib3").setLevel(logging.ERROR)
    cfg = config_from(args)
    url = args.url or cfg.sync.url
    store = args.store or cfg.store.store_id
    token = args.token or os.environ.get("KIOSK_SYNC_TOKEN") or cfg.sync.token
    if not url:
        print("kiosk sync: no central service URL (give --url or set [sync] url)", file=sys.stderr)
        return 2
    try:
        client = CentralClient(url, store, token, connect_timeout=cfg.sync.connect_timeout_s,
                               read_timeout=cfg.sync.read_timeout_s)
    except ValueError as exc:
        print(f"kiosk sync: {exc}", file=sys.stderr)
        return 2
    engine = open_db(cfg.db)
    # Progress bars are for a person at a terminal; under cron or systemd
    # they would fill the log with redrawn frames, so only the summary lines
    # below are written there.
    show_bars = not args.quiet and sys.stderr.isatty()
    bar = tqdm(total=None, unit=" changes", desc="fetching", disable=not show_bars, file=sys.stderr,
               dynamic_ncols=True)

    def on_progress(p: Progress) -> None:
        if p.checkpoint is not None and p.first_seq >= 0 and p.checkpoint > p.first_seq:
            # Progress by sequence: the feed is compacted, so the number of
            # changes is not known in advance but the head sequence is.
            bar.total = p.checkpoint - p.first_seq
            bar.unit = " seq"
            bar.n = max(0, min(p.last_seq, p.checkpoint) - p.first_seq) if p.last_seq >= 0 else 0
        else:
            bar.n = p.staged
        bar.set_postfix(pages=p.pages, changes=p.staged, refresh=False)
        bar.refresh()

    def on_apply() -> None:
        bar.set_description("applying")
        bar.refresh()

    try:
        try:
            result = sync_once(engine, client, page_size=args.page_size, progress=on_progress,
                               on_apply_start=on_apply)
        except SyncBusyError as exc:
            bar.close()
            print(f"kiosk sync: {exc}", file=sys.stderr)
            return 1
        except SyncError as exc:
            bar.close()
            record_failure(engine, store, str(exc))
            print(f"kiosk sync: failed, nothing changed: {exc}", file=sys.stderr)
            return 3 if isinstance(exc, AuthError) else 1
        if bar.total:
            bar.n = bar.total
        bar.set_description("done")
        bar.close()
        a = result.applied
        if result.not_modified or not (a.changed or a.rejected):
            print("catalog up to date (nothing changed)")
        else:
            print(f"synced to cursor {result.cursor}: {a.upserted} updated, {a.deleted} deleted, "
                  f"{len(a.rejected)} rejected" + (" (resumed an interrupted sync)" if result.resumed else ""))
            for r in a.rejected[:10]:
                print(f"  rejected {r.product_id}: {r.field + ': ' if r.field else ''}{r.reason}")
            if len(a.rejected) > 10:
                print(f"  ... and {len(a.rejected) - 10} more (kiosk sync-status --rejects)")
        try:
            sc = pull_scenes(engine, client)
            if sc.changed or sc.rejected:
                print(f"scenes: {sc.upserted} updated, {sc.deleted} removed, {len(sc.rejected)} rejected")
            for sid, why in sc.rejected:
                print(f"  rejected scene {sid}: {why}")
        except SyncError as exc:
            print(f"kiosk sync: scenes not updated: {exc}", file=sys.stderr)
        if not args.no_events:
            try:
                n = upload_events(engine, client)
                if n:
                    print(f"uploaded {n} analytics events")
            except SyncError as exc:
                print(f"kiosk sync: events not uploaded (kept for next time): {exc}", file=sys.stderr)
        if not args.no_images:
            cache = ImageCache(cfg.image_cache_dir, max_bytes=cfg.sync.image_cache_mb * 1024 * 1024,
                               timeout=client.timeout,
                               auth_for=client.auth_headers_for)
            urls = missing_image_urls(engine, cache)
            failed = 0
            for u in tqdm(urls, desc="images", unit=" img", disable=not show_bars or not urls, file=sys.stderr):
                try:
                    cache.download(u)
                except ImageDownloadError as exc:
                    failed += 1
                    print(f"  image not cached: {exc}", file=sys.stderr)
            if urls:
                print(f"images: {len(urls) - failed} downloaded, {failed} failed")
        return 0
    finally:
        client.close()
        engine.dispose()


def cmd_sync_status(args: argparse.Namespace) -> int:
    """Print the stored sync status."""
    from kiosk.db import open_db
    from kiosk.sync.status import format_age, health, list_rejects, read_status

    cfg = config_from(args)
    store = args.store or cfg.store.store_id
    engine = open_db(cfg.db)
    try:
        # A kiosk synced by hand (kiosk sync --url) counts as syncing too.
        st = read_status(engine, store, cfg.sync.stale_after_hours, configured=bool(cfg.sync.url))
        st.configured = st.configured or st.last_attempt_at is not None
        rejects = list_rejects(engine, store) if args.rejects else []
    finally:
        engine.dispose()
    code, line = health(st)
    if args.check and not args.json:
        print(line)
        return code
    if args.json:
        out = st.as_dict()
        out["health"] = {"code": code, "summary": line}
        if args.rejects:
            out["rejects"] = [{"product_id": r.product_id, "seq": r.seq, "field": r.field, "reason": r.reason,
                               "rejected_at": r.rejected_at.isoformat()} for r in rejects]
        print(json.dumps(out, indent=2, sort_keys=True))
        return code if args.check else 0
    print(f"store:         {st.store_id}")
    central = cfg.sync.url or ("(not in the config; synced with kiosk sync --url)" if st.configured
                               else "(not configured: standalone)")
    print(f"central:       {central}")
    hours = st.staleness_hours
    age = "never" if hours is None else f"{format_age(hours)} ago"
    print(f"last success:  {st.last_success_at.isoformat() if st.last_success_at else 'never'} ({age})")
    if st.stale:
        print(f"STALE:         prices may be out of date (older than {st.stale_after_hours:g} h)")
    print(f"cursor:        {st.cursor or '(none)'}")
    if st.counts:
        print("last changes:  " + ", ".join(f"{k} {v}" for k, v in sorted(st.counts.items())))
    print(f"rejected:      {st.rejected_total} product(s)" + (" (--rejects to list)" if st.rejected_total
                                                            and not args.rejects else ""))
    print(f"events queued: {st.events_pending}")
    if st.last_error:
        when = st.last_error_at.isoformat() if st.last_error_at else ""
        print(f"last error:    {st.last_error} {('at ' + when) if when else ''}")
    for r in rejects:
        print(f"  {r.product_id} (seq {r.seq}): {r.field + ': ' if r.field else ''}{r.reason}")
    return 0
