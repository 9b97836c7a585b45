"""Retention (`RETENTION_DAYS`): once a day, content older than the window is deleted like a purge.

Every replica's scheduler runs the pass at each tick; the day is claimed in a row first (a conditional
UPDATE of the `retention` cursor), so the deletion runs once a day across replicas.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date, timedelta

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from bot.clock import Clock
from bot.purge import Purger, PurgeReport
from bot.store.db import session_scope
from bot.store.models import SyncCursor

log = logging.getLogger(__name__)

CLAIM_NAME = "retention:last-run"


def claim_day(engine: Engine, *, name: str, day: date) -> bool:
    """Claim `day` for the daily job `name`; False when it already ran (or runs) that day."""
    stamp = day.isoformat()
    with session_scope(engine) as session:
        taken = session.exec(update(SyncCursor)  # type: ignore[call-overload]
                             .where(col(SyncCursor.name) == name, col(SyncCursor.value) < stamp)
                             .values(value=stamp))
        if taken.rowcount == 1:
            return True
        if session.get(SyncCursor, name) is not None:
            return False
    try:
        with session_scope(engine) as session:
            session.add(SyncCursor(name=name, value=stamp))
            session.flush()
        return True
    except IntegrityError:  # another replica claimed the first day meanwhile
        return False


class RetentionJob:
    """Deletes sources older than `days` (and emails and finished work), once a day."""

    def __init__(self, *, engine: Engine, days: int, clock: Clock) -> None:
        self.engine = engine
        self.days = days
        self.clock = clock

    def run_now(self) -> PurgeReport | None:
        """Claim today and delete; None when today's run was already claimed."""
        now = self.clock.now()
        if not claim_day(self.engine, name=CLAIM_NAME, day=now.date()):
            return None
        report = Purger(self.engine).content_before(now - timedelta(days=self.days))
        log.info("retention of %s days: %s", self.days, ", ".join(report.lines()))
        return report

    async def run_once(self) -> PurgeReport | None:
        """`run_now` in a worker thread (a scheduler pass)."""
        return await asyncio.to_thread(self.run_now)
