"""Items that move, through the real ingest path: restatement, resolution, supersession, edit, delete."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from bot.container import Container
from bot.records import SourceRecord
from bot.store.db import session_scope
from bot.store.models import Item, ItemEvent, ItemEvidence

START = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def _say(container: Container, n: int, text: str, *, author: str = "Rosa Vendor", side: str = "vendor",
         thread: str | None = None, visibility: str = "external") -> None:
    record = SourceRecord(id=f"r{n}", kind="slack", ts=START + timedelta(hours=n), author=author, side=side,
                          text=text, thread=thread, visibility=visibility, tz="Europe/Paris")
    container.ingest.ingest(record, account_key="globex")


def _items(container: Container, kind: str) -> list[Item]:
    with session_scope(container.engine) as session:
        return list(session.exec(select(Item).where(Item.kind == kind).order_by(Item.id)).all())


def _evidence(container: Container, item: Item) -> list[tuple[str, int]]:
    with session_scope(container.engine) as session:
        rows = session.exec(select(ItemEvidence).where(ItemEvidence.item_id == item.id)).all()
        return sorted((row.role, row.source_id) for row in rows)


def test_restated_blocker_adds_evidence_instead_of_a_twin(container: Container) -> None:
    _say(container, 1, "We can't start the data import until Globex IT approves the SFTP firewall rule.",
         author="Kai Customer", side="customer")
    _say(container, 30, "Still waiting on Globex IT to approve the SFTP firewall rule.",
         author="Kai Customer", side="customer")
    [blocker] = _items(container, "blocker")
    assert blocker.status == "open"
    assert [role for role, _ in _evidence(container, blocker)] == ["raised", "restated"]
    assert blocker.last_activity == START + timedelta(hours=30)


def test_resolution_in_the_thread_closes_the_blocker(container: Container) -> None:
    _say(container, 1, "We are blocked until security approves the SSO app.", author="Kai Customer", side="customer")
    _say(container, 5, "Good news: security approved the SSO app, you're unblocked.", author="Kai Customer",
         side="customer", thread="r1")
    [blocker] = _items(container, "blocker")
    assert blocker.status == "resolved"
    assert ("resolved", 2) in _evidence(container, blocker)


def test_later_decision_on_the_same_subject_supersedes(container: Container) -> None:
    _say(container, 1, "Decision: go-live is set for Monday 15 June.", author="Kai Customer", side="customer")
    _say(container, 40, "We agreed to move go-live to Monday 29 June to fit the extra training.",
         author="Kai Customer", side="customer")
    first, second = _items(container, "decision")
    assert (first.status, first.superseded_by_id) == ("superseded", second.id)
    assert second.status == "open"


def test_edit_re_extracts_and_delete_withdraws(container: Container) -> None:
    _say(container, 1, "I'll send the field mapping workbook by Friday.")
    [step] = _items(container, "next_step")
    assert step.due is not None and step.due.isoformat() == "2026-06-05"
    _say(container, 1, "I'll send the field mapping workbook by Wednesday.")
    open_steps = [i for i in _items(container, "next_step") if i.status == "open"]
    assert [s.due.isoformat() for s in open_steps if s.due] == ["2026-06-03"]
    container.ingest.delete(account_key="globex", external_id="r1")
    assert all(i.status == "withdrawn" for i in _items(container, "next_step"))
    with session_scope(container.engine) as session:
        changes = [e.change for e in session.exec(select(ItemEvent)).all()]
    assert "withdrawn" in changes and "created" in changes


def test_internal_evidence_makes_an_item_internal(container: Container) -> None:
    _say(container, 1, "We are blocked on the connector bug fix from engineering.", visibility="internal")
    [blocker] = _items(container, "blocker")
    assert blocker.visibility == "internal"


def test_a_reply_in_the_thread_refreshes_last_activity(container: Container) -> None:
    _say(container, 1, "We are blocked until security approves the SSO app.", author="Kai Customer", side="customer")
    _say(container, 20, "Thanks, noted.", thread="r1")
    [blocker] = _items(container, "blocker")
    assert blocker.status == "open"
    assert blocker.last_activity == START + timedelta(hours=20)
