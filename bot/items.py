"""Items that move: apply one source's extracted items to the account's items in the store."""

from __future__ import annotations

import json
import re
from bisect import bisect_left, bisect_right
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, Protocol

from sqlmodel import Session, col, func, select

from bot.extraction import ExtractionContext
from bot.extraction.merge import AddEvidence, Create, OpenItem, Resolve, Supersede, plan_merge, subject_of
from bot.item_queries import MARKED, SUPPORTING_ROLES
from bot.records import ExtractedItem, SourceRecord
from bot.store.models import Account, Item, ItemEvent, ItemEvidence, SlackUser, Source

CONTEXT_RECORDS = 60
SLACK_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
CLOSED_ON_RESOLVE = {"blocker": "resolved", "next_step": "done"}
DELETED_SUMMARY = "(withdrawn: the message it came from was deleted)"


class Extractor(Protocol):
    """Anything that turns one record into extracted items."""

    def extract(self, record: SourceRecord, context: ExtractionContext) -> list[ExtractedItem]:
        """Items of the record."""
        ...


@dataclass(frozen=True)
class Extraction:
    """A record's items extracted ahead of the write transaction, with what they were extracted from: the
    merge takes them only if the record, its context and the extractor are still the same."""

    record: SourceRecord
    context: ExtractionContext
    extractor: Extractor
    items: list[ExtractedItem]


_CONTEXT_COLUMNS = (Source.external_id, Source.kind, Source.ts, Source.author, Source.text, Source.author_email,
                    Source.side, Source.channel_id, Source.thread_external_id, Source.subject, Source.visibility,
                    Source.tz, Source.permalink, Source.forwarded_by)


def _record_of_row(row: Any) -> SourceRecord:
    """A context row (the columns of `_CONTEXT_COLUMNS`) as a record."""
    (external_id, kind, ts, author, text, author_email, side, channel, thread, subject, visibility, tz,
     permalink, forwarded_by) = row
    return SourceRecord(id=external_id, kind=kind, ts=ts, author=author, text=text, author_email=author_email,
                        side=side, channel=channel, thread=thread, subject=subject, visibility=visibility, tz=tz,
                        permalink=permalink, forwarded_by=forwarded_by)


def _mentioned_users(session: Session, text: str) -> dict[str, str]:
    """Names of the Slack users mentioned as `<@U…>` in `text`, from the users.info cache."""
    ids = set(SLACK_MENTION.findall(text))
    if not ids:
        return {}
    return {u.user_id: u.name for u in session.exec(select(SlackUser).where(col(SlackUser.user_id).in_(ids)))}


def _log(session: Session, item: Item, *, actor: str, change: str, **detail: object) -> None:
    session.add(ItemEvent(item_id=item.id or 0, at=item.last_activity, actor=actor, change=change,
                          detail=json.dumps(detail, default=str)))


_OPEN_CACHE = "tandem.open_items"
_RECENT = "tandem.recent_records"
_STORED_AHEAD = "tandem.stored_ahead"
STORED_AHEAD_LIMIT = 2000  # sources already stored ahead of a batch that are kept in memory, at most


def merge_in_order(session: Session) -> None:
    """Mark a transaction that files a batch of records in time order: the merge step then reads each
    account's open items and latest messages once and keeps them up to date itself, instead of reading them
    again for every record. Only for transactions where nothing but the merge step changes items."""
    session.info[_OPEN_CACHE] = {}
    session.info[_RECENT] = {}
    session.info[_STORED_AHEAD] = {}


def _stored_ahead(session: Session, account_id: int, *, since: datetime,
                  chain: tuple[int, int]) -> list[datetime] | None:
    """In a session marked by `merge_in_order`: the times of the account's sources that were stored before the
    batch, from `since` on (read at the first call; the batch's own records join the kept messages instead).
    None outside such a session, before the range read, or when there are too many to keep."""
    kept: dict[int, tuple[datetime, list[datetime] | None]] | None = session.info.get(_STORED_AHEAD)
    if kept is None:
        return None
    if account_id not in kept:
        stamps = list(session.execute(
            select(Source.ts).where(Source.account_id == account_id, Source.ts >= since,
                                    col(Source.id).not_in(chain), ~col(Source.deleted))
            .order_by(col(Source.ts)).limit(STORED_AHEAD_LIMIT + 1)).scalars())
        kept[account_id] = (since, stamps if len(stamps) <= STORED_AHEAD_LIMIT else None)
    start, stamps = kept[account_id]
    return stamps if since >= start else None


class _EvidenceRow(NamedTuple):
    span: str
    external_id: str
    text: str
    thread: str


class _Open:
    """An open item and its evidence, as the merge step keeps them."""

    def __init__(self, item: Item, rows: list[_EvidenceRow]) -> None:
        self.item = item
        self.rows = rows
        self.threads = {row.thread for row in rows}
        self._view: OpenItem | None = None

    def add(self, row: _EvidenceRow) -> None:
        """Another piece of evidence (restated: its owner, due date or side may have changed too)."""
        self.rows.append(row)
        self.threads.add(row.thread)
        self._view = None

    def view(self) -> OpenItem:
        """The item as the merge planner sees it (built again only after `add`)."""
        if self._view is None:
            self._view = self._build_view()
        return self._view

    def _build_view(self) -> OpenItem:
        item, rows = self.item, self.rows
        return OpenItem(
            id=str(item.id), kind=item.kind, summary=item.summary, owner=item.owner,
            waiting_on=item.waiting_on, due=item.due, category=item.category,
            source_ids=tuple(row.external_id for row in rows), evidence=tuple(row.text for row in rows),
            threads=tuple(self.threads), subject=subject_of(" ".join((item.summary, *(row.span for row in rows)))),
        )


class ItemStore:
    """Extracts a stored source and merges its items; implements `bot.ingest.ItemSync`.

    `choose` picks the extractor per account (the LLM one where allowed); default: always `extractor`. An
    extractor it picks other than `extractor` is taken to be slow: see `extract_ahead`.
    """

    def __init__(self, extractor: Extractor, *, choose: Callable[[Account], Extractor] | None = None) -> None:
        self.extractor = extractor
        self.choose = choose

    @staticmethod
    def merge_in_order(session: Session) -> None:
        """See `merge_in_order`."""
        merge_in_order(session)

    def _context(self, session: Session, source: Source) -> ExtractionContext:
        """The account's messages just before `source`. In a session marked by `merge_in_order`, they are kept
        from record to record, and read again only when the store holds others in between."""
        kept: dict[int, tuple[deque[SourceRecord], int]] | None = session.info.get(_RECENT)
        last = kept.get(source.account_id) if kept is not None else None
        if last is not None and self._nothing_between(session, last, source):
            earlier = list(last[0])
        else:
            rows = session.execute(
                select(*_CONTEXT_COLUMNS)
                .where(Source.account_id == source.account_id, Source.ts <= source.ts, Source.id != source.id,
                       ~col(Source.deleted))
                .order_by(col(Source.ts).desc())
                .limit(CONTEXT_RECORDS)
            ).all()
            earlier = [_record_of_row(row) for row in reversed(rows)]
        if kept is not None:
            recent = deque(earlier, maxlen=CONTEXT_RECORDS)
            recent.append(_record_of_row(tuple(getattr(source, column.key) for column in _CONTEXT_COLUMNS)))
            kept[source.account_id] = (recent, source.id or 0)
        people = {r.author: r.side for r in reversed(earlier)}
        people[source.author] = source.side
        return ExtractionContext(earlier=earlier, people=people, slack_users=_mentioned_users(session, source.text))

    @staticmethod
    def _nothing_between(session: Session, last: tuple[deque[SourceRecord], int], source: Source) -> bool:
        """Whether the record kept last is the account's latest message before `source`: from the sources
        that were stored ahead of the batch (read once per account), else one count."""
        recent, last_id = last
        if not recent or recent[-1].ts > source.ts:
            return False
        ahead = _stored_ahead(session, source.account_id, since=recent[-1].ts, chain=(last_id, source.id or 0))
        if ahead is not None:
            return bisect_left(ahead, recent[-1].ts) == bisect_right(ahead, source.ts)
        others = session.execute(
            select(func.count()).select_from(Source)
            .where(Source.account_id == source.account_id, Source.ts >= recent[-1].ts, Source.ts <= source.ts,
                   col(Source.id).not_in((last_id, source.id or 0)), ~col(Source.deleted))
        ).scalar_one()
        return others == 0

    def _open_items(self, session: Session, account_id: int) -> dict[str, _Open]:
        """The account's open items with their evidence, by id in the order they were raised.

        In a session marked by `merge_in_order`, they are read once and then kept up to date in memory.
        """
        cache: dict[int, dict[str, _Open]] | None = session.info.get(_OPEN_CACHE)
        if cache is not None and account_id in cache:
            return cache[account_id]
        items = session.exec(
            select(Item)
            .where(Item.account_id == account_id, col(Item.status).in_(("open", "snoozed")))
            .order_by(Item.first_seen, Item.id)
        ).all()
        evidence: dict[int, list[_EvidenceRow]] = defaultdict(list)
        if items:
            for item_id, span, external_id, text, thread in session.execute(
                select(ItemEvidence.item_id, ItemEvidence.span, Source.external_id, Source.text,
                       Source.thread_external_id)
                .join(Source, col(Source.id) == ItemEvidence.source_id)
                .where(col(ItemEvidence.item_id).in_([item.id for item in items])).order_by(ItemEvidence.id)
            ).all():
                evidence[item_id].append(_EvidenceRow(span, external_id, text, thread or external_id))
        opened = {str(item.id): _Open(item, evidence[item.id or 0]) for item in items}
        if cache is not None:
            cache[account_id] = opened
        return opened

    @property
    def extracts_ahead(self) -> bool:
        """Whether some account may have an extractor of its own (an LLM), to run before the write transaction."""
        return self.choose is not None

    def extract_ahead(self, session: Session, *, source: Source, record: SourceRecord) -> Extraction | None:
        """Extract `record` (about to be stored as `source`, which may not be in the store yet) in a read-only
        transaction, when its account has an extractor of its own (an LLM, seconds per record): the write
        transaction that files it then holds the write lock for the merge only. None for the default (offline)
        extractor: it takes about a millisecond, less than reading its context twice."""
        extractor = self._extractor(session, source.account_id)
        if extractor is self.extractor:
            return None
        context = self._context(session, source)
        return Extraction(record, context, extractor, extractor.extract(record, context))

    def _extractor(self, session: Session, account_id: int) -> Extractor:
        account = session.get(Account, account_id)
        return self.choose(account) if self.choose and account else self.extractor

    def sync_source(self, session: Session, *, source: Source, record: SourceRecord,
                    new: bool = False, ahead: Extraction | None = None) -> list[ExtractedItem]:
        """Re-derive the items of one source: withdraw what it said before (unless `new`), extract, merge.

        `ahead`: the items extracted by `extract_ahead`, used when nothing they depend on changed since."""
        if not new:
            self.withdraw_source(session, source=source, deleting=False)
        extractor = self._extractor(session, source.account_id)
        context = self._context(session, source)
        if ahead is not None and (ahead.record, ahead.context, ahead.extractor) == (record, context, extractor):
            extracted = ahead.items
        else:
            extracted = extractor.extract(record, context)
        opened = self._open_items(session, source.account_id)
        self._touch_thread(session, source, opened.values())
        if not extracted:
            return extracted  # nothing to merge (about half of all messages)
        in_order = sorted(opened.items(), key=lambda pair: (pair[1].item.first_seen, pair[1].item.id or 0))
        snapshot = {item_id: entry.view() for item_id, entry in in_order}
        plan = plan_merge(list(snapshot.values()), extracted, thread=record.thread or record.id, text=record.text)
        evidence = _EvidenceRow("", source.external_id, source.text, source.thread_external_id or source.external_id)
        entries = dict(opened)  # as the plan saw them: two actions may name one item
        added: set[tuple[int, str]] | None = set() if new else None
        for action in plan:
            if isinstance(action, Create):
                item = self._create(session, source, action.extracted)
                opened[str(item.id)] = _Open(item, [evidence._replace(span=action.extracted.span)])
            elif isinstance(action, AddEvidence):
                entry = entries[action.item_id]
                self._restate(session, source, entry.item, action.extracted, added)
                entry.add(evidence._replace(span=action.extracted.span))
            elif isinstance(action, Resolve) and record.id not in snapshot[action.item_id].source_ids:
                # a message never resolves an item it supports itself
                self._resolve(session, source, entries[action.item_id].item, action.extracted, added)
                opened.pop(action.item_id, None)
            elif isinstance(action, Supersede):
                item = self._create(session, source, action.extracted)
                opened[str(item.id)] = _Open(item, [evidence._replace(span=action.extracted.span)])
                old = entries[action.old_item_id].item
                old.status, old.superseded_by_id, old.last_activity = "superseded", item.id, source.ts
                session.add(old)
                _log(session, old, actor=source.external_id, change="superseded", by=item.id)
                opened.pop(action.old_item_id, None)
        return extracted

    @staticmethod
    def _touch_thread(session: Session, source: Source, opened: Iterable[_Open]) -> None:
        """A reply in an item's thread is activity on it: it refreshes `last_activity` (so it is not stalled)."""
        thread = source.thread_external_id or source.external_id
        for entry in opened:
            if thread in entry.threads and source.ts > entry.item.last_activity:
                entry.item.last_activity = source.ts
                session.add(entry.item)

    def _evidence(self, session: Session, item: Item, source: Source, role: str, span: str, *,
                  new_item: bool = False, added: set[tuple[int, str]] | None = None) -> None:
        """Link the source to the item in `role` once. `added`: the links this sync made so far, for a source
        that is new (it can have no others, so the store need not be asked)."""
        key = (item.id or 0, role)
        if added is not None:
            exists = key in added
            added.add(key)
        else:
            exists = not new_item and session.exec(select(ItemEvidence).where(
                ItemEvidence.item_id == item.id, ItemEvidence.source_id == source.id,
                ItemEvidence.role == role)).first() is not None
        if not exists:
            session.add(ItemEvidence(item_id=item.id or 0, source_id=source.id or 0, role=role, span=span))
        if role != "resolved" and source.visibility == "internal":
            item.visibility = "internal"

    def _create(self, session: Session, source: Source, extracted: ExtractedItem) -> Item:
        item = Item(
            account_id=source.account_id, kind=extracted.kind, summary=extracted.summary or extracted.span,
            owner=extracted.owner, waiting_on=extracted.waiting_on, due=extracted.due,
            waiting_since=source.ts if extracted.waiting_on else None, category=extracted.category,
            visibility=source.visibility, confidence=extracted.confidence,
            first_seen=source.ts, last_activity=source.ts,
        )
        session.add(item)
        session.flush()
        self._evidence(session, item, source, "raised", extracted.span, new_item=True)
        _log(session, item, actor=source.external_id, change="created")
        return item

    def _restate(self, session: Session, source: Source, item: Item, extracted: ExtractedItem,
                 added: set[tuple[int, str]] | None) -> None:
        self._evidence(session, item, source, "restated", extracted.span, added=added)
        if extracted.owner:
            item.owner = extracted.owner
        if extracted.due:
            item.due = extracted.due
        if extracted.waiting_on and extracted.waiting_on != item.waiting_on:
            item.waiting_on, item.waiting_since = extracted.waiting_on, source.ts
        item.last_activity = max(item.last_activity, source.ts)
        session.add(item)
        _log(session, item, actor=source.external_id, change="restated")

    def _resolve(self, session: Session, source: Source, item: Item, extracted: ExtractedItem,
                 added: set[tuple[int, str]] | None) -> None:
        self._evidence(session, item, source, "resolved", extracted.span, added=added)
        item.status = CLOSED_ON_RESOLVE.get(item.kind, "resolved")
        item.last_activity = max(item.last_activity, source.ts)
        session.add(item)
        _log(session, item, actor=source.external_id, change=item.status)

    def withdraw_source(self, session: Session, *, source: Source, deleting: bool = True) -> None:
        """Take a source out of every item's evidence; items left with none are withdrawn.

        An edit (not `deleting`) keeps the evidence a person marked by hand (a message shortcut).
        """
        session.info.get(_OPEN_CACHE, {}).pop(source.account_id, None)  # statuses change below: read them again
        session.info.get(_RECENT, {}).pop(source.account_id, None)  # an edited or deleted message: read again
        query = select(ItemEvidence).where(ItemEvidence.source_id == source.id)
        if not deleting:
            query = query.where(ItemEvidence.role != MARKED)
        rows: Sequence[ItemEvidence] = session.exec(query).all()
        for evidence in rows:
            item = session.get(Item, evidence.item_id)
            session.delete(evidence)
            session.flush()
            if item is None:
                continue
            if evidence.role == "resolved" and item.status in ("resolved", "done"):
                item.status = "open"
                _log(session, item, actor=source.external_id, change="reopened")
            remaining = session.exec(select(ItemEvidence).where(
                ItemEvidence.item_id == item.id, col(ItemEvidence.role).in_(SUPPORTING_ROLES))).first()
            if remaining is None and item.status != "withdrawn":
                item.status = "withdrawn"
                _log(session, item, actor=source.external_id, change="withdrawn",
                     reason="deleted" if deleting else "edited")
            if remaining is None and deleting:  # a deleted message's words leave the store with it
                item.summary = DELETED_SUMMARY
            session.add(item)
