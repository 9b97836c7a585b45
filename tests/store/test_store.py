"""The store on SQLite and PostgreSQL: migrations, idempotent ingest, events, the work queue."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import inspect
from sqlmodel import select

from bot.clock import utcnow
from bot.container import Container
from bot.ingest import INDEX_SOURCE, UNINDEX_SOURCE
from bot.records import SourceRecord
from bot.store import repos
from bot.store.db import session_scope
from bot.store.models import Source, WorkItem
from bot.store.queue import WorkQueue, enqueue
from handlers.intake import SLACK_EVENT, accept_events

EXPECTED_TABLES = {
    "accounts", "channel_links", "sources", "items", "item_evidence", "item_events", "nudges",
    "digests_sent", "processed_events", "slack_users", "user_preferences", "work_queue",
}


def _record(text: str = "We will send the mapping file by Friday.", record_id: str = "acme-1") -> SourceRecord:
    return SourceRecord(id=record_id, kind="slack", ts=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
                        author="Sam Example", text=text, side="vendor", visibility="external")


def test_migrations_create_every_table(container: Container) -> None:
    assert EXPECTED_TABLES <= set(inspect(container.engine).get_table_names())
    container.migrate()  # a second upgrade is a no-op


def test_ingest_is_idempotent_and_queues_indexing_once(container: Container) -> None:
    first = container.ingest.ingest(_record(), account_key="Acme")
    again = container.ingest.ingest(_record(), account_key="acme")
    assert (first.outcome, again.outcome) == ("created", "unchanged")
    with session_scope(container.engine) as session:
        assert len(session.exec(select(Source)).all()) == 1
        kinds = [w.kind for w in session.exec(select(WorkItem)).all()]
    assert kinds == [INDEX_SOURCE]


def test_edit_updates_and_delete_marks_deleted(container: Container) -> None:
    container.ingest.ingest(_record(), account_key="acme")
    edited = container.ingest.ingest(_record("We will send the mapping file on Monday."), account_key="acme")
    deleted = container.ingest.delete(account_key="acme", external_id="acme-1")
    missing = container.ingest.delete(account_key="acme", external_id="acme-1")
    assert (edited.outcome, deleted.outcome, missing.outcome) == ("updated", "deleted", "missing")
    with session_scope(container.engine) as session:
        source = session.exec(select(Source)).one()
        assert source.deleted and source.text == ""  # the content is gone, the tombstone stays
        kinds = [w.kind for w in session.exec(select(WorkItem).order_by(WorkItem.id)).all()]
    assert kinds == [INDEX_SOURCE, INDEX_SOURCE, UNINDEX_SOURCE]


def test_remember_event_is_false_on_redelivery(container: Container) -> None:
    with session_scope(container.engine) as session:
        assert repos.remember_event(session, event_id="Ev1", kind="message") is True
    with session_scope(container.engine) as session:
        assert repos.remember_event(session, event_id="Ev1", kind="message") is False


def test_event_intake_queues_each_event_once_and_skips_junk(container: Container) -> None:
    def delivery(event_id: str, text: str) -> dict:
        return {"event_id": event_id, "team_id": "T1", "event": {"type": "message", "text": text}}

    first = accept_events(container.engine, [delivery("Ev1", "one"), delivery("Ev1", "one again"),
                                             {"event_id": "Ev2", "event": "not an object"}, delivery("Ev3", "three")])
    later = accept_events(container.engine, [delivery("Ev3", "three, redelivered"), delivery("Ev4", "four")])
    assert (first, later) == ([True, False, False, True], [False, True])
    queue = WorkQueue(container.engine, worker_id="w1")
    taken = [queue.claim() for _ in range(4)]
    assert [(w.kind, w.payload["event_id"], w.payload["event"]["text"]) for w in taken if w] == [
        (SLACK_EVENT, "Ev1", "one"), (SLACK_EVENT, "Ev3", "three"), (SLACK_EVENT, "Ev4", "four")]
    with session_scope(container.engine) as session:
        assert repos.remember_event(session, event_id="Ev4", kind="message") is False  # the ORM path agrees


def test_queue_hands_each_item_to_exactly_one_worker(container: Container) -> None:
    with session_scope(container.engine) as session:
        for n in range(40):
            enqueue(session, kind="test", payload={"n": n})
    taken: list[int] = []
    lock = threading.Lock()

    def work(name: str) -> None:
        queue = WorkQueue(container.engine, worker_id=name)
        while (claimed := queue.claim()) is not None:
            with lock:
                taken.append(claimed.payload["n"])
            queue.finish(claimed.id)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(taken) == list(range(40))
    assert container.queue.counts() == {"done": 40}


def test_claiming_a_batch_takes_the_oldest_runnable_of_its_kinds_in_order(container: Container) -> None:
    with session_scope(container.engine) as session:
        for n in range(6):
            enqueue(session, kind="index", payload={"n": n})
        enqueue(session, kind="other", payload={"n": 99})
    first = WorkQueue(container.engine, worker_id="w1")
    batch = first.claim_many(kinds=("index",), limit=4)
    assert [(w.payload["n"], w.kind, w.attempts) for w in batch] == [(0, "index", 1), (1, "index", 1),
                                                                     (2, "index", 1), (3, "index", 1)]
    second = WorkQueue(container.engine, worker_id="w2", lease=timedelta(minutes=10))
    assert [w.payload["n"] for w in second.claim_many(kinds=("index",), limit=10)] == [4, 5]  # w1's are leased
    assert second.claim_many(kinds=("index",), limit=10) == []
    later = utcnow() + timedelta(minutes=11)  # every lease ran out (the workers died): all is taken over
    taken_over = second.claim_many(kinds=("index",), limit=5, now=later)
    assert [(w.payload["n"], w.attempts) for w in taken_over] == [(0, 2), (1, 2), (2, 2), (3, 2), (4, 2)]
    assert container.queue.counts(("other",)) == {"queued": 1}


def test_failed_work_is_retried_then_given_up(container: Container) -> None:
    with session_scope(container.engine) as session:
        enqueue(session, kind="test", payload={})
    claimed = container.queue.claim()
    assert claimed is not None and claimed.attempts == 1
    container.queue.fail(claimed.id, error="boom")
    assert container.queue.claim() is None  # backed off
    assert container.queue.counts() == {"queued": 1}
    container.queue.fail(claimed.id, error="bad payload", give_up=True)
    assert container.queue.counts() == {"failed": 1}


def test_account_keys_are_normalised(container: Container) -> None:
    assert repos.normalise_account_key(" Acme Corp ") == "acme-corp"
