"""The durable work queue: work is queued in the transaction that records its cause.

Claiming is a conditional UPDATE, on PostgreSQL of rows first locked with `FOR UPDATE SKIP LOCKED`, so
several workers (threads, processes, replicas) on one database never take the same item and never wait
for each other. A claim is a lease: work held by a worker that died is taken over once the lease ran out
(STALE_LOCK, or TANDEM_WORK_LEASE_SECONDS).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col, func, select

from bot.clock import utcnow
from bot.store.db import session_scope
from bot.store.driver_sql import bound_time, marks
from bot.store.models import WorkItem

MAX_ATTEMPTS = 6
STALE_LOCK = timedelta(minutes=10)


@dataclass(frozen=True)
class ClaimedWork:
    """A work item a worker holds."""

    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int


def _work_row(kind: str, payload: dict[str, Any], run_after: datetime) -> dict[str, Any]:
    return {"kind": kind, "payload": json.dumps(payload, default=str), "status": "queued", "attempts": 0,
            "run_after": run_after, "created_at": utcnow()}


def enqueue(session: Session, *, kind: str, payload: dict[str, Any], run_after: datetime | None = None) -> None:
    """Queue work in the caller's transaction. A plain insert, not an ORM object: work is queued on hot paths
    (every stored record queues its indexing), where building and flushing a WorkItem cost more than the row."""
    with session.no_autoflush:  # the row refers to nothing pending: the session's other changes can wait
        session.execute(insert(WorkItem.__table__), [_work_row(kind, payload, run_after or utcnow())])


def enqueue_rows(connection: Connection, *, kind: str, payloads: Sequence[dict[str, Any]]) -> None:
    """`enqueue` for the intake's hot path, as driver SQL (bot/store/driver_sql.py): queue `payloads` as
    work of `kind` on the caller's connection and in its transaction, runnable now."""
    if not payloads:
        return
    table = WorkItem.__table__
    dialect = connection.dialect
    now = bound_time(dialect, table.c.run_after, utcnow())
    connection.exec_driver_sql(
        f"INSERT INTO {table.name} (kind, payload, status, attempts, run_after, created_at) "
        f"VALUES ({marks(dialect, 6)})",
        [(kind, json.dumps(payload, default=str), "queued", 0, now, now) for payload in payloads])


class WorkQueue:
    """Claim, finish and retry queued work."""

    def __init__(self, engine: Engine, *, worker_id: str, lease: timedelta = STALE_LOCK) -> None:
        self.engine = engine
        self.worker_id = worker_id
        self.lease = lease

    def claim(self, *, kinds: tuple[str, ...] | None = None, now: datetime | None = None) -> ClaimedWork | None:
        """Take the oldest runnable item, or None. Stale locks of dead workers are taken over."""
        taken = self.claim_many(kinds=kinds, now=now, limit=1)
        return taken[0] if taken else None

    def claim_many(self, *, kinds: tuple[str, ...] | None = None, now: datetime | None = None,
                   limit: int = 1) -> list[ClaimedWork]:
        """Take up to `limit` of the oldest runnable items in one transaction: one select and one update
        for the lot (an update and two reads per item held SQLite's write lock, and so the intake, for up to
        70 ms over an indexing batch)."""
        moment = now or utcnow()
        runnable = (col(WorkItem.status) == "queued") | (
            (col(WorkItem.status) == "running") & (col(WorkItem.locked_at) < moment - self.lease))
        with session_scope(self.engine) as session:
            query = select(WorkItem.id).where(runnable).where(WorkItem.run_after <= moment)
            if kinds:
                query = query.where(col(WorkItem.kind).in_(kinds))
            query = query.order_by(WorkItem.id).limit(limit)
            if session.get_bind().dialect.name == "postgresql":  # replicas skip each other's candidates
                query = query.with_for_update(skip_locked=True)
            # SQLite: one writer at a time (BEGIN IMMEDIATE); on both, the update's condition still guards
            candidates = list(session.exec(query).all())
            if not candidates:
                return []
            taken = session.exec(  # type: ignore[call-overload]
                update(WorkItem)
                .where(col(WorkItem.id).in_(candidates))
                .where(runnable)
                .values(status="running", locked_by=self.worker_id, locked_at=moment, attempts=WorkItem.attempts + 1)
                .returning(WorkItem.id, WorkItem.kind, WorkItem.payload, WorkItem.attempts)
                .execution_options(synchronize_session=False)
            ).all()
        return [ClaimedWork(work_id, kind, json.loads(payload), attempts)
                for work_id, kind, payload, attempts in sorted(taken)]

    def finish(self, *work_ids: int) -> None:
        """Mark work done."""
        with session_scope(self.engine) as session:
            session.exec(  # type: ignore[call-overload]
                update(WorkItem)
                .where(col(WorkItem.id).in_(work_ids))
                .values(status="done", finished_at=utcnow(), locked_by=None)
            )

    def fail(self, work_id: int, *, error: str, retry_in: timedelta | None = None, give_up: bool = False,
             keep_trying: bool = False) -> None:
        """Record a failure; retry later with back-off, or give up after MAX_ATTEMPTS (or at once).

        `keep_trying`: the work waits on something away (the search index) and is never given up."""
        with session_scope(self.engine) as session:
            item = session.get(WorkItem, work_id)
            if item is None:
                return
            item.last_error = error[:2000]
            item.locked_by = None
            if give_up or (item.attempts >= MAX_ATTEMPTS and not keep_trying):
                item.status = "failed"
                item.finished_at = utcnow()
            else:
                item.status = "queued"
                item.run_after = utcnow() + (retry_in or timedelta(seconds=2 ** item.attempts))

    def counts(self, kinds: tuple[str, ...] | None = None) -> dict[str, int]:
        """How many items (of `kinds`, default all) are in each status."""
        with session_scope(self.engine, write=False) as session:
            query = select(WorkItem.status, func.count()).group_by(WorkItem.status)
            if kinds:
                query = query.where(col(WorkItem.kind).in_(kinds))
            rows = session.exec(query).all()
        return {status: count for status, count in rows}
