"""Records held back until a whole batch is read, then handed out oldest first (a channel backfill)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict

from sqlalchemy import delete
from sqlmodel import Session, col, func, select

from bot.record_io import record_from_dict
from bot.records import SourceRecord
from bot.store.models import StagedRecord


def stage(session: Session, *, batch: str, records: Sequence[tuple[SourceRecord, str | None]]) -> int:
    """Hold records (with their author's user id) in `batch`; one already held is kept once. Returns how many."""
    ids = [record.id for record, _ in records]
    held = set(session.exec(select(StagedRecord.external_id).where(StagedRecord.batch == batch)
                            .where(col(StagedRecord.external_id).in_(ids))).all()) if ids else set()
    added = 0
    for record, user_id in records:
        if record.id in held:
            continue
        held.add(record.id)
        payload = json.dumps({**asdict(record), "ts": record.ts.isoformat()})
        session.add(StagedRecord(batch=batch, external_id=record.id, ts=record.ts, author_user_id=user_id,
                                 payload=payload))
        added += 1
    return added


def take_oldest(session: Session, *, batch: str, limit: int) -> list[tuple[SourceRecord, str | None]]:
    """Remove and return the `limit` oldest records of `batch` (in the caller's transaction)."""
    rows = session.exec(select(StagedRecord).where(StagedRecord.batch == batch)
                        .order_by(col(StagedRecord.ts), col(StagedRecord.id)).limit(limit)).all()
    taken = [(record_from_dict(json.loads(row.payload)), row.author_user_id) for row in rows]
    if rows:
        session.exec(delete(StagedRecord).where(col(StagedRecord.id).in_([row.id for row in rows])))  # type: ignore[call-overload]
    return taken


def count_staged(session: Session, *, batch: str) -> int:
    """How many records `batch` still holds."""
    return int(session.exec(select(func.count()).select_from(StagedRecord).where(StagedRecord.batch == batch)).one())


def discard(session: Session, *, batch: str) -> int:
    """Drop every record of `batch` (an unlinked or purged channel); returns how many."""
    result = session.exec(delete(StagedRecord).where(col(StagedRecord.batch) == batch))  # type: ignore[call-overload]
    return int(result.rowcount or 0)
