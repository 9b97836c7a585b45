"""Named cursors of resumable syncs (a Gmail history id, a channel backfill's page cursor)."""

from __future__ import annotations

from sqlmodel import Session

from bot.clock import utcnow
from bot.store.models import SyncCursor


def get_cursor(session: Session, *, name: str) -> str | None:
    """The stored value of a cursor, or None before the first sync."""
    cursor = session.get(SyncCursor, name)
    return cursor.value if cursor is not None else None


def set_cursor(session: Session, *, name: str, value: str) -> None:
    """Store a cursor's value (in the caller's transaction)."""
    cursor = session.get(SyncCursor, name) or SyncCursor(name=name)
    cursor.value = value
    cursor.updated_at = utcnow()
    session.add(cursor)


def clear_cursor(session: Session, *, name: str) -> None:
    """Forget a cursor (the next sync starts over)."""
    cursor = session.get(SyncCursor, name)
    if cursor is not None:
        session.delete(cursor)
