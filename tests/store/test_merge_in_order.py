"""Filing a batch in one transaction (open items kept in memory) gives the same items as one record at a time."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import col, select

from bot import items
from bot.container import Container
from bot.record_io import read_records
from bot.records import SourceRecord
from bot.store.db import session_scope
from bot.store.models import Account, Item, ItemEvidence, Source
from tests.conftest import SHARED_DATA

RECORDS = SHARED_DATA / "onboarding-dev" / "records.jsonl"
ACCOUNTS = ("lumenfield", "harborline", "kestrel")  # supersession, resolutions across threads, relays


def _records() -> list[SourceRecord]:
    with RECORDS.open(encoding="utf-8") as handle:
        return [r for r in read_records(handle) if isinstance(r, SourceRecord) and r.account in ACCOUNTS]


def _state(container: Container, account_key: str) -> list[tuple]:
    """Every item of the account with its fields and evidence, in a comparable form."""
    with session_scope(container.engine) as session:
        account = session.exec(select(Account).where(Account.key == account_key)).one()
        items = session.exec(select(Item).where(Item.account_id == account.id).order_by(col(Item.id))).all()
        ids = {item.id: n for n, item in enumerate(items)}
        out = []
        for item in items:
            evidence = session.exec(
                select(ItemEvidence.role, Source.external_id).join(Source, col(Source.id) == ItemEvidence.source_id)
                .where(ItemEvidence.item_id == item.id).order_by(col(ItemEvidence.id))).all()
            out.append((item.kind, item.summary, item.status, item.owner, item.waiting_on, item.due,
                        item.category, item.visibility, item.first_seen, item.last_activity,
                        ids.get(item.superseded_by_id), tuple(evidence)))
        return out


@pytest.mark.skipif(not RECORDS.exists(), reason="onboarding-dev is not next to the repository")
def test_batched_filing_gives_the_same_items_as_one_record_at_a_time(container: Container) -> None:
    records = _records()
    for record in records:
        container.ingest.ingest(replace(record, account=f"{record.account}-one"), account_key=f"{record.account}-one")
    list(container.ingest.ingest_many([replace(r, account=f"{r.account}-many") for r in records], batch=100))

    for account in ACCOUNTS:
        one, many = _state(container, f"{account}-one"), _state(container, f"{account}-many")
        assert len(one) > 10
        assert many == one


class _RecordingExtractor:
    """Wraps the extractor and notes, per record, which earlier messages it was given as context."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.seen: dict[str, list[str]] = {}

    def extract(self, record: SourceRecord, context: Any) -> list:
        self.seen[record.id] = [r.id for r in context.earlier]
        return self.inner.extract(record, context)


def _note(n: int, account: str) -> SourceRecord:
    return SourceRecord(id=f"m{n}", account=account, kind="slack", ts=datetime(2026, 3, 2, 9, n, tzinfo=UTC),
                        author="Rosa Vendor", text=f"Note {n}: the import is on track.", side="vendor")


def _contexts(container: Container, recording: _RecordingExtractor, account: str, *, batched: bool) -> dict:
    for n in (1, 3, 5):  # stored earlier, one at a time (live messages)
        container.ingest.ingest(_note(n, account), account_key=account)
    later = [_note(n, account) for n in (2, 4, 6, 7)]
    if batched:
        list(container.ingest.ingest_many(later))
    else:
        for record in later:
            container.ingest.ingest(record, account_key=account)
    return {record.id: recording.seen[record.id] for record in later}


@pytest.mark.parametrize("kept_ahead", [items.STORED_AHEAD_LIMIT, 1])  # 1: too many to keep, counted instead
def test_a_batch_sees_messages_stored_in_between_by_others(container: Container, kept_ahead: int,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(items, "STORED_AHEAD_LIMIT", kept_ahead)
    store = container.ingest.items
    recording = _RecordingExtractor(store.extractor)
    store.extractor, store.choose = recording, None
    one_at_a_time = _contexts(container, recording, "single", batched=False)
    batched = _contexts(container, recording, "batched", batched=True)
    assert batched == one_at_a_time
    assert one_at_a_time["m4"] == ["m1", "m2", "m3"] and one_at_a_time["m7"] == ["m1", "m2", "m3", "m4", "m5", "m6"]


def test_a_batch_looks_up_its_stored_sources_at_once_and_still_sees_each_outcome(container: Container) -> None:
    stored, edited = _note(1, "lookup"), _note(2, "lookup")
    for record in (stored, edited):
        container.ingest.ingest(record, account_key="lookup")
    new = _note(3, "lookup")
    batch = [stored, replace(edited, text="Note 2: the import slipped a day."), new, new]
    outcomes = [r.outcome for r in container.ingest.ingest_many(batch)]
    assert outcomes == ["unchanged", "updated", "created", "unchanged"]  # the repeat finds the one just stored
    with session_scope(container.engine) as session:
        texts = {s.external_id: s.text for s in session.exec(select(Source))}
    assert texts == {"m1": stored.text, "m2": "Note 2: the import slipped a day.", "m3": new.text}
