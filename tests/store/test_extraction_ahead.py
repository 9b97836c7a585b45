"""An account's own (slow, LLM) extractor runs before the write transaction that files a record, and again
inside it if what it read changed; the offline default runs inside, once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.container import Container
from bot.email.intake import EmailIntake
from bot.extraction import ExtractionContext, OfflineExtractor
from bot.ingest import IngestService
from bot.items import ItemStore
from bot.records import ExtractedItem, SourceRecord
from bot.store.db import session_scope
from bot.store.models import Item

START = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
BLOCKER = "We can't start the data import until Globex IT approves the SFTP firewall rule."


class RecordingExtractor:
    """The offline extractor, noting what each call saw; `during` runs inside the first call."""

    def __init__(self, during: Callable[[], None] | None = None) -> None:
        self.offline = OfflineExtractor()
        self.contexts: list[list[str]] = []
        self.during = during

    def extract(self, record: SourceRecord, context: ExtractionContext) -> list[ExtractedItem]:
        self.contexts.append([r.id for r in context.earlier])
        if self.during is not None and len(self.contexts) == 1:
            self.during()
        return self.offline.extract(record, context)


def _record(n: int, text: str, *, hours: int) -> SourceRecord:
    return SourceRecord(id=f"r{n}", kind="slack", ts=START + timedelta(hours=hours), author="Kai Customer",
                        side="customer", text=text, visibility="external")


def _ingest(container: Container, extractor: RecordingExtractor) -> IngestService:
    """Ingest with `extractor` as every account's own extractor (as an LLM one is), the offline one as default."""
    return IngestService(container.engine, items=ItemStore(OfflineExtractor(), choose=lambda _account: extractor))


def _open_items(container: Container) -> list[str]:
    with session_scope(container.engine) as session:
        return [i.kind for i in session.exec(select(Item).where(Item.status == "open"))]


def test_an_unchanged_context_is_extracted_once(container: Container) -> None:
    extractor = RecordingExtractor()
    ingest = _ingest(container, extractor)
    ingest.ingest(_record(1, "Kick-off went well, thanks all.", hours=0), account_key="globex")
    extractor.contexts.clear()
    ingest.ingest(_record(2, BLOCKER, hours=1), account_key="globex")
    assert extractor.contexts == [["r1"]]
    assert _open_items(container) == ["blocker"]


def test_a_record_stored_during_extraction_is_extracted_again_with_it(container: Container) -> None:
    plain = IngestService(container.engine)  # no item sync: stores the source only
    plain.ingest(_record(1, "Kick-off went well, thanks all.", hours=0), account_key="globex")
    extractor = RecordingExtractor(during=lambda: plain.ingest(
        _record(3, "The firewall request is CHG-118.", hours=1), account_key="globex"))
    ingest = _ingest(container, extractor)
    ingest.ingest(_record(2, BLOCKER, hours=2), account_key="globex")
    assert extractor.contexts == [["r1"], ["r1", "r3"]]
    assert _open_items(container) == ["blocker"]


def test_an_edit_and_a_redelivery_are_handled_as_before(container: Container) -> None:
    extractor = RecordingExtractor()
    ingest = _ingest(container, extractor)
    ingest.ingest(_record(1, BLOCKER, hours=0), account_key="globex")
    assert ingest.ingest(_record(1, BLOCKER, hours=0), account_key="globex").outcome == "unchanged"
    assert len(extractor.contexts) == 1
    edited = ingest.ingest(_record(1, "Kick-off went well, thanks all.", hours=0), account_key="globex")
    assert edited.outcome == "updated" and len(extractor.contexts) == 2
    assert _open_items(container) == []


MAIL = (b"From: Kai Customer <kai@globex.example>\r\nTo: im@vendor.example\r\nSubject: Import\r\n"
        b"Message-ID: <import-1@globex.example>\r\nDate: Mon, 1 Jun 2026 11:00:00 +0000\r\n\r\n"
        + BLOCKER.encode() + b"\r\n")


def _another_writer_commits(container: Container, committed: list[bool]) -> Callable[[], None]:
    def run() -> None:
        writer = threading.Thread(target=lambda: IngestService(container.engine).ingest(
            _record(9, "Thanks!", hours=0), account_key="initech"))
        writer.start()
        writer.join(5)
        committed.append(not writer.is_alive())

    return run


@pytest.mark.parametrize("via", ["slack", "email"])
def test_other_writers_commit_while_a_record_is_extracted(container: Container, via: str) -> None:
    if container.engine.dialect.name != "sqlite":
        pytest.skip("the write lock is SQLite's")
    committed: list[bool] = []
    IngestService(container.engine).ingest(_record(1, "Kick-off went well, thanks all.", hours=0),
                                           account_key="globex")
    extractor = RecordingExtractor(during=_another_writer_commits(container, committed))
    ingest = _ingest(container, extractor)
    if via == "slack":
        ingest.ingest(_record(2, BLOCKER, hours=2), account_key="globex")
    else:
        assert EmailIntake(container.engine, ingest).accept(MAIL, via="cli", account_key="globex").outcome == "routed"
    assert committed == [True]
    assert len(extractor.contexts) == 1
    assert _open_items(container) == ["blocker"]


def test_the_default_extractor_runs_once_in_the_write_transaction(container: Container) -> None:
    extractor = RecordingExtractor()
    IngestService(container.engine).ingest(_record(1, "Kick-off went well, thanks all.", hours=0), account_key="globex")
    plain = IngestService(container.engine, items=ItemStore(extractor))
    assert not plain.extracts_ahead
    plain.ingest(_record(2, BLOCKER, hours=1), account_key="globex")
    chosen_default = IngestService(container.engine, items=ItemStore(extractor, choose=lambda _account: extractor))
    assert chosen_default.extract_ahead(_record(3, BLOCKER, hours=2), account_key="globex") is None
    chosen_default.ingest(_record(3, "Thanks, noted.", hours=2), account_key="globex")
    assert extractor.contexts == [["r1"], ["r1", "r2"]]
