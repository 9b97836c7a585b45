"""The ingest use case: store a source idempotently, extract and merge its items, queue indexing.

One source is one transaction: the source row, its items and the queued indexing work commit together.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.clock import Clock, SystemClock
from bot.items import Extraction
from bot.records import ExtractedItem, SourceRecord
from bot.store import repos
from bot.store.db import session_scope
from bot.store.models import Account, Source
from bot.store.queue import enqueue

INDEX_SOURCE = "index.source"
UNINDEX_SOURCE = "index.delete"
REINDEX = "index.rebuild"
_ACCOUNTS = "tandem_ingest_accounts"  # session.info key: accounts looked up in this transaction
_EXPECTED = "tandem_ingest_expected"  # session.info key: (account id, external id) -> its stored source or None

Outcome = Literal["created", "updated", "unchanged", "deleted", "missing"]


class ItemSync(Protocol):
    """Extracts a source's items and merges them into the account's open items."""

    @property
    def extracts_ahead(self) -> bool:
        """Whether `extract_ahead` may find anything (else it is not worth a transaction)."""
        ...

    def extract_ahead(self, session: Session, *, source: Source, record: SourceRecord) -> Extraction | None:
        """Extract a record about to be stored as `source`, outside the write transaction, where that pays."""
        ...

    def sync_source(self, session: Session, *, source: Source, record: SourceRecord,
                    new: bool = False, ahead: Extraction | None = None) -> list[ExtractedItem]:
        """Re-derive the items of one stored source (`new`: it had none before); returns what was extracted.
        `ahead`: what `extract_ahead` found, used when it still holds."""
        ...

    def withdraw_source(self, session: Session, *, source: Source) -> None:
        """Take a deleted source out of every item's evidence."""
        ...

    def merge_in_order(self, session: Session) -> None:
        """Mark `session` as filing records in time order (state may then be kept from record to record)."""
        ...


@dataclass(frozen=True)
class IngestResult:
    """What ingesting one record did."""

    external_id: str
    account: str
    outcome: Outcome
    items: int = 0


def _apply_record(source: Source, record: SourceRecord, *, author_user_id: str | None) -> None:
    source.kind = record.kind
    source.author = record.author
    source.author_user_id = author_user_id
    source.author_email = record.author_email
    source.side = record.side or "vendor"
    source.channel_id = record.channel
    source.thread_external_id = record.thread
    source.subject = record.subject
    source.visibility = record.visibility
    source.tz = record.tz
    source.ts = record.ts
    source.text = record.text
    source.permalink = record.permalink
    source.forwarded_by = record.forwarded_by
    source.deleted = False


def _unchanged(source: Source, record: SourceRecord) -> bool:
    return (
        not source.deleted
        and source.text == record.text
        and source.visibility == record.visibility
        and (source.side or "vendor") == (record.side or "vendor")
        and source.permalink == record.permalink
    )


class IngestService:
    """Takes source records into the store; the only writer of sources."""

    def __init__(self, engine: Engine, *, items: ItemSync | None = None, clock: Clock | None = None) -> None:
        self.engine = engine
        self.items = items
        self.clock = clock or SystemClock()

    def ingest(self, record: SourceRecord, *, account_key: str, author_user_id: str | None = None) -> IngestResult:
        """Store or update one record; a redelivered identical record changes nothing."""
        key = repos.normalise_account_key(account_key)
        ahead = self.extract_ahead(record, account_key=key)
        with session_scope(self.engine) as session:
            return self._ingest_in(session, record, key, author_user_id, ahead)

    @property
    def extracts_ahead(self) -> bool:
        """Whether `extract_ahead` may extract anything (an LLM is configured for some accounts)."""
        return self.items is not None and self.items.extracts_ahead

    def extract_ahead(self, record: SourceRecord, *, account_key: str) -> Extraction | None:
        """Extract `record` in a read-only transaction, for `ingest_in` to merge, when its account's extractor is
        slow (an LLM): the write lock (on SQLite, every writer's, the event intake's before each ack included) is
        then held for the merge only. None when there is nothing to extract ahead: the offline extractor, a new
        account, or an unchanged record."""
        if self.items is None or not self.extracts_ahead:
            return None
        with session_scope(self.engine, write=False) as session:
            account = repos.get_account(session, key=repos.normalise_account_key(account_key))
            if account is None or account.id is None:
                return None
            stored = repos.get_source(session, account_id=account.id, external_id=record.id)
            if stored is not None and _unchanged(stored, record):
                return None
            upcoming = Source(id=stored.id if stored else None, account_id=account.id, external_id=record.id,
                              kind=record.kind, author=record.author, side=record.side or "vendor", ts=record.ts,
                              text=record.text)
            return self.items.extract_ahead(session, source=upcoming, record=record)

    def ingest_many(self, records: Iterable[SourceRecord], *, batch: int = 100) -> Iterator[IngestResult]:
        """Ingest records in transactions of `batch` (bulk imports); each record needs its `account`."""
        pending: list[SourceRecord] = []
        for record in records:
            pending.append(record)
            if len(pending) >= batch:
                yield from self._batch(pending)
                pending = []
        if pending:
            yield from self._batch(pending)

    def in_order(self, session: Session) -> None:
        """Declare that `session` ingests records in time order and nothing else changes items in it."""
        if self.items:
            self.items.merge_in_order(session)

    def expect(self, session: Session, *, account_key: str, external_ids: Sequence[str]) -> None:
        """Look up at once the stored sources of records about to be ingested in `session` (a batch), instead
        of one query per record."""
        account = _account(session, repos.normalise_account_key(account_key))
        with session.no_autoflush:
            found = repos.get_sources(session, account_id=account.id or 0, external_ids=external_ids)
        expected: dict[tuple[int, str], Source | None] = session.info.setdefault(_EXPECTED, {})
        expected.update(((account.id or 0, external_id), found.get(external_id)) for external_id in external_ids)

    def ingest_in(self, session: Session, record: SourceRecord, *, account_key: str,
                  author_user_id: str | None = None, ahead: Extraction | None = None) -> IngestResult:
        """Ingest one record inside the caller's transaction (when something else must commit with it);
        `ahead` is what `extract_ahead` found before the transaction began."""
        return self._ingest_in(session, record, repos.normalise_account_key(account_key), author_user_id, ahead)

    def _batch(self, records: list[SourceRecord]) -> list[IngestResult]:
        keys = [repos.normalise_account_key(r.account or "") for r in records]
        with session_scope(self.engine) as session:
            self.in_order(session)
            for key in dict.fromkeys(keys):
                self.expect(session, account_key=key, external_ids=[r.id for r, k in zip(records, keys, strict=True)
                                                                     if k == key])
            return [self._ingest_in(session, record, key, None, None)
                    for record, key in zip(records, keys, strict=True)]

    def _ingest_in(self, session: Session, record: SourceRecord, key: str, author_user_id: str | None,
                   ahead: Extraction | None) -> IngestResult:
        account = _account(session, key)
        source = self._stored(session, account.id or 0, record.id)
        if source is not None and _unchanged(source, record):
            return IngestResult(record.id, key, "unchanged")
        outcome: Outcome = "created" if source is None else "updated"
        if source is None:
            source = Source(account_id=account.id or 0, external_id=record.id, kind=record.kind,
                            author=record.author, ts=record.ts, text=record.text)
        _apply_record(source, record, author_user_id=author_user_id)
        source.updated_at = self.clock.now()
        session.add(source)
        session.flush()
        extracted = self.items.sync_source(session, source=source, record=record,
                                           new=outcome == "created", ahead=ahead) if self.items else []
        enqueue(session, kind=INDEX_SOURCE, payload={"source_id": source.id})
        return IngestResult(record.id, key, outcome, len(extracted))

    @staticmethod
    def _stored(session: Session, account_id: int, external_id: str) -> Source | None:
        """The stored source of a record: as `expect` found it (once), else from the store."""
        expected: dict[tuple[int, str], Source | None] | None = session.info.get(_EXPECTED)
        if expected is not None and (account_id, external_id) in expected:
            return expected.pop((account_id, external_id))
        with session.no_autoflush:  # sources are flushed as they are stored; the items pending can wait
            return repos.get_source(session, account_id=account_id, external_id=external_id)

    def delete(self, *, account_key: str, external_id: str) -> IngestResult:
        """Mark a source deleted, withdraw it from items and queue its removal from the index."""
        with session_scope(self.engine) as session:
            account = repos.get_account(session, key=account_key)
            source = repos.get_source(session, account_id=account.id or 0, external_id=external_id) if account else None
            if source is None or source.deleted:
                return IngestResult(external_id, account_key, "missing")
            source.deleted = True
            source.text = ""  # the content goes; the row stays as a tombstone so a redelivery finds it
            source.updated_at = self.clock.now()
            session.add(source)
            if self.items:
                self.items.withdraw_source(session, source=source)
            enqueue(session, kind=UNINDEX_SOURCE, payload={"source_id": source.id, "account": account_key})
            return IngestResult(external_id, account_key, "deleted")


def _account(session: Session, key: str) -> Account:
    """The account of `key` (created when new), looked up once per transaction: a batch files many records
    of one account, and each lookup would first flush the previous record's rows."""
    accounts: dict[str, Account] = session.info.setdefault(_ACCOUNTS, {})
    if key not in accounts:
        accounts[key] = repos.get_or_create_account(session, key=key)
    return accounts[key]
