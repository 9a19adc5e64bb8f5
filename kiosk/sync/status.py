"""How the kiosk's sync stands, for staff screens and ``kiosk sync-status``.

Staleness is measured from the last successful contact with the central
service (a sync that applied changes, or a poll that confirmed nothing
changed). Over ``stale_after_hours`` the prices may be out of date: staff
screens flag it; the customer screen stays calm.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select

from kiosk.models import Event, SyncReject, SyncState, utcnow


@dataclass
class SyncStatus:
    """A snapshot of the sync's state (immutable once handed out)."""

    store_id: str = ""
    configured: bool = True
    running: bool = False
    syncing: bool = False
    cursor: str = ""
    last_attempt_at: datetime | None = None
    last_success_at: datetime | None = None
    last_change_at: datetime | None = None
    last_error: str = ""
    last_error_at: datetime | None = None
    stale_after_hours: float = 24.0
    counts: dict[str, int] = field(default_factory=dict)
    rejected_total: int = 0
    events_pending: int = 0
    images_cached: int = 0
    images_pending: int = 0

    @property
    def staleness_hours(self) -> float | None:
        """Hours since the last success (``None``: never synced)."""
        if self.last_success_at is None:
            return None
        return max(0.0, (utcnow() - self.last_success_at).total_seconds() / 3600.0)

    @property
    def stale(self) -> bool:
        """Whether the catalog is older than ``stale_after_hours`` (or never synced).

        A kiosk with no central service configured (standalone) is never stale.
        """
        if not self.configured:
            return False
        hours = self.staleness_hours
        return hours is None or hours > self.stale_after_hours

    @property
    def ok(self) -> bool:
        """Whether the last attempt succeeded."""
        return not self.last_error

    def as_dict(self) -> dict[str, Any]:
        """A JSON-able view (datetimes as ISO strings)."""
        out = asdict(self)
        for k, v in list(out.items()):
            if isinstance(v, datetime):
                out[k] = v.isoformat()
        out["staleness_hours"] = self.staleness_hours
        out["stale"] = self.stale
        return out


#: Exit codes of ``kiosk sync-status --check``, as monitoring plugins use them
#: (Nagios, Icinga, Zabbix's and Prometheus' script exporters read them alike).
HEALTH_OK, HEALTH_WARNING, HEALTH_CRITICAL = 0, 1, 2
_HEALTH_NAMES = {HEALTH_OK: "OK", HEALTH_WARNING: "WARNING", HEALTH_CRITICAL: "CRITICAL"}


def format_age(hours: float) -> str:
    """A duration in hours as staff read it: ``12 min``, ``3.5 h``, ``2.1 days``."""
    if hours < 1:
        return f"{hours * 60:.0f} min"
    if hours < 48:
        return f"{hours:.1f} h"
    return f"{hours / 24:.1f} days"


def health(st: SyncStatus) -> tuple[int, str]:
    """How a monitoring system should rate this kiosk's catalog, and why, in one line.

    CRITICAL: a central service is configured and the catalog is older than
    ``stale_after_hours`` or was never synced (prices may be wrong).
    WARNING: the catalog is fresh enough but the last attempt failed, or
    the kiosk refused some of the central catalog's products.
    OK: otherwise, including a standalone kiosk with no central service.

    Args:
        st: The status (see :func:`read_status`).

    Returns:
        ``(code, line)``: a ``HEALTH_*`` code and a line such as
        ``"SYNC WARNING - last attempt failed: ... (catalog 2.0 h old)"``.
    """
    hours = st.staleness_hours
    if not st.configured:
        code, why = HEALTH_OK, "standalone kiosk (no central service configured)"
    elif hours is None:
        code, why = HEALTH_CRITICAL, "never synced with the central service"
        if st.last_error:
            why += f"; last attempt failed: {st.last_error}"
    elif st.stale:
        code, why = HEALTH_CRITICAL, (f"catalog {format_age(hours)} old, over the {st.stale_after_hours:g} h limit: "
                                      "prices may be out of date")
        if st.last_error:
            why += f"; last attempt failed: {st.last_error}"
    elif st.last_error:
        code, why = HEALTH_WARNING, f"last attempt failed: {st.last_error} (catalog {format_age(hours)} old)"
    elif st.rejected_total:
        code, why = HEALTH_WARNING, (f"{st.rejected_total} product(s) refused by the kiosk "
                                     f"(kiosk sync-status --rejects); catalog {format_age(hours)} old")
    else:
        code, why = HEALTH_OK, f"catalog synced {format_age(hours)} ago"
    return code, f"SYNC {_HEALTH_NAMES[code]} - {why}"


def read_status(engine: Engine, store_id: str, stale_after_hours: float = 24.0, *,
                configured: bool = True) -> SyncStatus:
    """The sync status stored in the database for ``store_id``.

    Args:
        engine: The kiosk database.
        store_id: The store.
        stale_after_hours: Staleness threshold.
        configured: Whether a central service is configured at all.
    """
    with engine.connect() as conn:
        row = conn.execute(select(SyncState).where(SyncState.store_id == store_id)).first()
        rejected = conn.execute(select(func.count()).select_from(SyncReject)
                                .where(SyncReject.store_id == store_id)).scalar_one()
        pending = conn.execute(select(func.count()).select_from(Event)
                               .where(Event.uploaded_at.is_(None))).scalar_one()
    st = SyncStatus(store_id=store_id, configured=configured, stale_after_hours=stale_after_hours, rejected_total=int(rejected),
                    events_pending=int(pending))
    if row is not None:
        s = row
        st.cursor = s.cursor
        st.last_attempt_at = s.last_attempt_at
        st.last_success_at = s.last_success_at
        st.last_error = s.last_error or ""
        st.last_error_at = s.last_error_at
        st.counts = dict(s.counts or {})
    return st


def list_rejects(engine: Engine, store_id: str, limit: int = 100) -> list[SyncReject]:
    """The products currently refused by the kiosk, newest first (for staff)."""
    from sqlalchemy.orm import Session

    with Session(engine, expire_on_commit=False) as s:
        return list(s.scalars(select(SyncReject).where(SyncReject.store_id == store_id)
                              .order_by(SyncReject.rejected_at.desc()).limit(limit)))
