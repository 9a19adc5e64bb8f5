"""Offline-first sync of the kiosk's catalog with the central service.

Modules:
    client: the HTTP transport (timeouts, retries, response checks).
    staging: durable staging of fetched pages (resume after interruption).
    apply: one-transaction apply of staged changes with the cursor.
    pull: ``sync_once``, one whole sync.
    events: uploading analytics events with idempotency keys.
    status: the sync status (last success, staleness, errors, counts).
    worker: the background thread the app runs.

See docs/sync.md.
"""

from kiosk.sync.client import AuthError, CentralClient, ResponseError, SyncError, TransportError
from kiosk.sync.pull import SyncResult, sync_once
from kiosk.sync.status import SyncStatus, read_status

__all__ = [
    "AuthError",
    "CentralClient",
    "ResponseError",
    "SyncError",
    "SyncResult",
    "SyncStatus",
    "TransportError",
    "read_status",
    "sync_once",
]
