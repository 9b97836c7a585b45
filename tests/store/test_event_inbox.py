"""On SQLite, acked deliveries wait in an inbox file of their own, and a mover takes each into the store once."""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from bot.container import Container
from bot.foreground import Foreground
from bot.store.db import session_scope
from bot.store.inbox import EventInbox, inbox_url
from bot.store.models import DeadLetter, ProcessedEvent, WorkItem
from handlers import intake as intake_module
from handlers.intake import SLACK_EVENT, EventIntake, accept_events
from tests.write_lock import write_lock_held


def _delivery(n: int, **event: Any) -> dict[str, Any]:
    return {"event_id": f"Ev{n}", "team_id": "T1", "event": {"type": "message", "text": f"hello {n}", **event}}


def _queued(container: Container) -> list[str]:
    with session_scope(container.engine, write=False) as session:
        rows = session.exec(select(WorkItem).where(WorkItem.kind == SLACK_EVENT).order_by(WorkItem.id)).all()
        return [json.loads(row.payload)["event_id"] for row in rows]


def _sqlite(container: Container) -> EventInbox:
    url = inbox_url(container.settings.effective_database_url)
    if url is None:
        pytest.skip("PostgreSQL takes deliveries straight into the store")
    return EventInbox(url)


def test_the_inbox_sits_beside_a_sqlite_file_only() -> None:
    assert inbox_url("sqlite:////data/tandem.db") == "sqlite:////data/tandem-inbox.db"
    assert inbox_url("sqlite:///:memory:") is None
    assert inbox_url("postgresql+psycopg://tandem@db/tandem") is None


def test_a_delivery_is_kept_once_and_read_oldest_first(tmp_path: Path) -> None:
    inbox = EventInbox(f"sqlite:///{tmp_path / 't-inbox.db'}")
    assert inbox.put([_delivery(1), _delivery(2), _delivery(1)]) == [True, True, False]
    assert inbox.put([_delivery(2), _delivery(3)]) == [False, True]
    oldest = inbox.oldest(10)
    assert [body["event_id"] for _, body in oldest] == ["Ev1", "Ev2", "Ev3"]
    inbox.remove([seq for seq, _ in oldest[:2]])
    assert inbox.count() == 1
    inbox.close()


def test_an_ack_commits_while_another_writer_holds_the_store(container: Container) -> None:
    inbox = _sqlite(container)
    woken: list[int] = []

    async def run(release: threading.Event) -> tuple[bool, float]:
        intake = EventIntake(container.engine, inbox=inbox, moved=lambda: woken.append(1))
        loop = asyncio.get_running_loop()
        started = loop.time()
        accepted = await asyncio.wait_for(intake.accept(_delivery(1)), 5)
        acked_in = loop.time() - started
        assert _queued(container) == [] and inbox.count() == 1  # kept, not moved yet: the store is held
        release.set()
        await asyncio.wait_for(intake.settled(), 10)
        await intake.finish()
        return accepted, acked_in

    with write_lock_held(container.engine) as release:
        accepted, acked_in = asyncio.run(run(release))
    assert accepted and acked_in < 2.0
    assert _queued(container) == ["Ev1"] and inbox.count() == 0 and woken
    inbox.close()


def test_the_mover_waits_for_a_lull_in_the_requests(container: Container) -> None:
    inbox = _sqlite(container)
    foreground = Foreground(lull_s=0.02, max_wait_s=30)

    async def run() -> tuple[int, list[str]]:
        intake = EventIntake(container.engine, inbox=inbox, lull=foreground.lull)
        with foreground.serving():  # a request in flight: the acks come first
            assert await asyncio.wait_for(intake.accept(_delivery(1)), 5)
            await asyncio.sleep(0.3)
            during = (inbox.count(), _queued(container))
        await asyncio.wait_for(intake.settled(), 10)
        await intake.finish()
        return during

    assert asyncio.run(run()) == (1, [])
    assert _queued(container) == ["Ev1"] and inbox.count() == 0
    inbox.close()


def test_moving_again_after_a_crash_queues_nothing_twice(container: Container) -> None:
    inbox = _sqlite(container)
    intake = EventIntake(container.engine, inbox=inbox)
    inbox.put([_delivery(1), _delivery(2)])
    intake._move_batch()
    inbox.put([_delivery(1)])  # moved but, say, the process died before the inbox forgot it; or a redelivery
    assert intake._move_batch() == 1
    assert _queued(container) == ["Ev1", "Ev2"] and inbox.count() == 0
    with session_scope(container.engine) as session:
        assert sorted(e.event_id for e in session.exec(select(ProcessedEvent))) == ["Ev1", "Ev2"]
    inbox.close()


def test_a_delivery_the_store_refuses_is_kept_as_a_dead_letter_and_the_rest_move(
        container: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    inbox = _sqlite(container)
    intake = EventIntake(container.engine, inbox=inbox)
    inbox.put([_delivery(1), _delivery(2), _delivery(3)])

    def refusing_ev2(engine: Any, bodies: list[dict[str, Any]]) -> list[bool]:
        if any(b["event_id"] == "Ev2" for b in bodies):
            raise ValueError("a payload the store cannot hold")
        return accept_events(engine, bodies)

    monkeypatch.setattr(intake_module, "accept_events", refusing_ev2)
    assert intake._move_batch() == 3
    assert _queued(container) == ["Ev1", "Ev3"] and inbox.count() == 0
    with session_scope(container.engine) as session:
        [letter] = session.exec(select(DeadLetter)).all()
    assert letter.origin == "slack.event" and b'"Ev2"' in letter.payload and "cannot hold" in letter.reason
    inbox.close()


def test_shutdown_waits_a_bounded_time_for_a_mover_the_store_holds_up(container: Container) -> None:
    inbox = _sqlite(container)

    async def run() -> float:
        intake = EventIntake(container.engine, inbox=inbox)
        intake.FINISH_S = 0.3
        await intake.accept(_delivery(1))  # its mover now waits for the store
        loop = asyncio.get_running_loop()
        started = loop.time()
        await intake.finish()
        return loop.time() - started

    with write_lock_held(container.engine):
        waited = asyncio.run(run())
        assert inbox.count() == 1  # kept for the next start
    assert waited < 2.0
    inbox.close()
