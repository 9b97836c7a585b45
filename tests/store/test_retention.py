"""Retention: sources older than RETENTION_DAYS go like a deletion, once a day across replicas."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.app import create_app
from bot.clock import FixedClock
from bot.container import Container
from bot.ingest import IngestService
from bot.purge import ChunkForgetter
from bot.records import SourceRecord
from bot.settings import Settings
from bot.store.db import session_scope
from bot.store.models import InboundEmail, Item, ItemEvidence, Source, WorkItem
from bot.worker import Worker
from jobs.retention import RetentionJob, claim_day
from jobs.scheduler import TICK_JOB_ID, build_scheduler

NOW = datetime(2026, 6, 30, 12, tzinfo=UTC)


def _ingest(container: Container, external_id: str, days_old: int, text: str) -> None:
    record = SourceRecord(id=external_id, kind="slack", ts=NOW - timedelta(days=days_old), author="Rosa Vendor",
                          side="vendor", text=text)
    IngestService(container.engine).ingest(record, account_key="initech")


def _forget(container: Container) -> None:
    single, batched = container.index_work()
    handlers = {**single, **ChunkForgetter(lambda: container.retriever).handlers()}
    asyncio.run(Worker(container.queue, handlers, batch_handlers=batched).drain())


def test_retention_deletes_only_old_sources_their_items_and_chunks(container: Container) -> None:
    _ingest(container, "old-1", 45, "The old VPN blocker is waiting on the network team.")
    _ingest(container, "old-2", 31, "We decided on weekly status calls.")
    _ingest(container, "new-1", 29, "The data migration dry run is next Tuesday.")
    with session_scope(container.engine) as session:
        sources = {s.external_id: s for s in session.exec(select(Source)).all()}
        item = Item(account_id=sources["old-1"].account_id, kind="blocker", summary="VPN waiting on the network team")
        session.add(item)
        session.flush()
        session.add(ItemEvidence(item_id=item.id or 0, source_id=sources["old-1"].id or 0, span="VPN blocker"))
        session.add(InboundEmail(message_id="<old@mail.example>", received_via="webhook", raw=b"x",
                                 received_at=NOW - timedelta(days=40)))
        session.add(InboundEmail(message_id="<new@mail.example>", received_via="webhook", raw=b"y",
                                 received_at=NOW - timedelta(days=2)))
    asyncio.run(container.drain_index_work())
    assert container.retriever.search_index.vectors.source_ids("initech") == {"old-1", "old-2", "new-1"}

    report = RetentionJob(engine=container.engine, days=30, clock=FixedClock(NOW)).run_now()
    _forget(container)

    assert report is not None and report.counts["sources"] == 2 and report.counts["items"] == 1
    with session_scope(container.engine) as session:
        assert [s.external_id for s in session.exec(select(Source)).all()] == ["new-1"]
        assert session.exec(select(Item)).all() == []
        assert [e.message_id for e in session.exec(select(InboundEmail)).all()] == ["<new@mail.example>"]
        assert all(w.status == "done" for w in session.exec(select(WorkItem)).all())
    assert container.retriever.search_index.vectors.source_ids("initech") == {"new-1"}
    hits = container.retriever.search("VPN network team", accounts=["initech"], visibilities=["external"])
    assert all(h.chunk.source_id == "new-1" for h in hits)


def test_retention_runs_once_a_day_with_two_schedulers_on_one_database(
        container: Container, caplog: pytest.LogCaptureFixture) -> None:
    other = Container(container.settings)  # a second replica: its own engine on the same database
    _ingest(container, "old-1", 60, "An old message past retention.")
    clock = FixedClock(NOW)
    jobs = [RetentionJob(engine=c.engine, days=30, clock=clock) for c in (container, other)]
    schedulers = [build_scheduler([("retention", job.run_once)]) for job in jobs]

    async def tick_both() -> None:
        ticks = [s.get_job(TICK_JOB_ID) for s in schedulers]
        await asyncio.gather(*(tick.func(*tick.args) for tick in ticks))

    async def run_both() -> list[object]:
        return await asyncio.gather(*(job.run_once() for job in jobs))

    with caplog.at_level(logging.INFO, logger="jobs.retention"):
        asyncio.run(tick_both())
    assert [r.getMessage() for r in caplog.records if r.name == "jobs.retention"] == [
        "retention of 30 days: sources: 1, work_queue: 1"]  # one tick deleted; the other found today claimed
    assert asyncio.run(run_both()) == [None, None]  # today was claimed by one of the two ticks
    with session_scope(container.engine) as session:
        assert session.exec(select(Source)).all() == []
    _ingest(container, "old-2", 60, "Another message past retention.")
    clock.moment = NOW + timedelta(days=1)
    reports = asyncio.run(run_both())
    assert sum(r is not None for r in reports) == 1
    assert next(r for r in reports if r is not None).counts["sources"] == 1
    other.close()


def test_claim_day_is_taken_once_per_day(container: Container) -> None:
    day = NOW.date()
    assert claim_day(container.engine, name="job", day=day) is True
    assert claim_day(container.engine, name="job", day=day) is False
    assert claim_day(container.engine, name="job", day=day + timedelta(days=1)) is True
    assert claim_day(container.engine, name="other", day=day) is True


def test_scheduler_runs_retention_only_when_set(settings: Settings) -> None:
    for days, expected in ((None, ["digest", "nudges"]), (30, ["digest", "nudges", "retention"])):
        container = Container(settings.model_copy(update={"retention_days": days}))
        container.migrate()
        runtime = create_app(container)
        [passes] = runtime.scheduler().get_job(TICK_JOB_ID).args
        assert [name for name, _ in passes] == expected
        container.close()
