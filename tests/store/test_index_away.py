"""A Chroma server that goes away: sources still land in SQL, answers say the index is catching up,
and the queued indexing waits (never given up) and runs when the server is back."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import update
from sqlmodel import select

from bot.container import Container
from bot.records import SourceRecord
from bot.settings import Settings
from bot.store.db import session_scope
from bot.store.models import Source, WorkItem
from bot.store.queue import MAX_ATTEMPTS
from tests.chroma_server import free_port, running_chroma_server


def record(n: int, text: str) -> SourceRecord:
    return SourceRecord(id=f"m-{n}", kind="slack", ts=datetime(2026, 3, n, 9, tzinfo=UTC), author="Ana Ruiz",
                        text=text, side="customer")


def make_due(container: Container) -> None:
    with session_scope(container.engine) as session:
        session.exec(update(WorkItem).where(WorkItem.status == "queued")  # type: ignore[call-overload]
                     .values(run_after=datetime.now(UTC) - timedelta(seconds=1)))


def test_the_index_going_away_loses_nothing(settings: Settings, tmp_path: Path) -> None:
    path, port = tmp_path / "chroma", free_port()
    path.mkdir()
    with running_chroma_server(path, port) as server:
        container = Container(settings.model_copy(update={"chroma_url": server.url}))
        container.migrate()
        container.ingest.ingest(record(2, "The tax worksheet uses EUR as the base currency."), account_key="acme")
        asyncio.run(container.drain_index_work())
        scope = container.asker.account_scope(key="acme", as_customer=False)
        assert container.asker.answer("Which base currency does the tax worksheet use?", scope).found

    container.ingest.ingest(record(3, "The SFTP credentials for the payroll export arrive on Friday."), account_key="acme")
    for _ in range(MAX_ATTEMPTS + 1):  # however often it is tried, index work waits rather than fails
        asyncio.run(container.drain_index_work())
        make_due(container)
    with session_scope(container.engine) as session:
        assert len(session.exec(select(Source)).all()) == 2
        waiting = session.exec(select(WorkItem).where(WorkItem.kind == "index.source")
                               .where(WorkItem.status == "queued")).all()
        assert len(waiting) == 1 and "cannot be reached" in (waiting[0].last_error or "")
    away = container.asker.answer("When do the SFTP credentials arrive?", scope)
    assert not away.found and "catching up" in away.text

    with running_chroma_server(path, port):
        make_due(container)
        asyncio.run(container.drain_index_work())
        back = container.asker.answer("When do the SFTP credentials arrive?", scope)
        assert back.found and back.citations[0].source_id == "m-3"
        with session_scope(container.engine) as session:
            assert {w.status for w in session.exec(select(WorkItem)).all()} == {"done"}
    container.close()
