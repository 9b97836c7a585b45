"""Records held back until nothing older can still arrive, then handed out oldest first (a channel backfill)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime

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


def oldest_staged(session: Session, *, batch: str, limit: int,
                  through: datetime | None = None) -> list[StagedRecord]:
    """The `limit` oldest records of `batch` (no later than `through`, when given), oldest first."""
    query = select(StagedRecord).where(StagedRecord.batch == batch)
    if through is not None:
        query = query.where(col(StagedRecord.ts) <= through)
    return list(session.exec(query.order_by(col(StagedRecord.ts), col(StagedRecord.id)).limit(limit)).all())


def staged_record(row: StagedRecord) -> tuple[SourceRecord, str | None]:
    """A held record and its author's user id."""
    return record_from_dict(json.loads(row.payload)), row.author_user_id


def unstage(session: Session, rows: Sequence[StagedRecord]) -> None:
    """Remove `rows` from their batch (in the caller's transaction)."""
    if rows:
        session.exec(delete(StagedRecord).where(col(StagedRecord.id).in_([row.id for row in rows])))  # type: ignore[call-overload]


def count_staged(session: Session, *, batch: str, through: datetime | None = None) -> int:
    """How many records `batch` still holds (no later than `through`, when given)."""
    query = select(func.count()).select_from(StagedRecord).where(StagedRecord.batch == batch)
    if through is not None:
        query = query.where(col(StagedRecord.ts) <= through)
    return int(session.exec(query).one())


def discard(session: Session, *, batch: str) -> int:
    """Drop every record of `batch` (an unlinked or purged channel); returns how many."""
    result = session.exec(delete(StagedRecord).where(col(StagedRecord.batch) == batch))  # type: ignore[call-overload]
    return int(result.rowcount or 0)
