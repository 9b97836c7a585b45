"""Deleting a scope's data for good: an account, a person, the whole workspace, or content past retention.

A purge deletes rows in one transaction: sources, the items they alone support (with their evidence,
events, nudges and corrections), received emails, and queued or finished work whose payload names the
scope. The chunks live in the index, which only the process holding it may write: the purge queues
`index.forget` work in the same transaction, and that process's worker removes them (Chroma and the
SQL keyword table). An item that keeps evidence from other sources stays, re-summarised from that
evidence when its first words came from a purged source; a purge forgets content, it does not reopen
what was resolved. Processed event ids are kept (they hold no content and stop a redelivered event from
acting twice), and so are sync cursors other than the purged channels' (a backfill starts over after a
new link).
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, col, select

from bot.item_queries import SUPPORTING_ROLES
from bot.store import repos
from bot.store.db import session_scope
from bot.store.models import (
    Account,
    ChannelLink,
    Correction,
    DigestSent,
    InboundEmail,
    Item,
    ItemEvent,
    ItemEvidence,
    Nudge,
    SlackUser,
    Source,
    StagedRecord,
    SyncCursor,
    UserPreference,
    WorkItem,
)
from bot.store.queue import enqueue
from bot.worker import WorkHandler
from retrieval.service import Retriever

FORGET_CHUNKS = "index.forget"
SOURCE_BATCH = 500
# Tables a workspace purge keeps: event ids (dedupe of redeliveries), the cursors of syncs that are not
# a channel's (a Gmail history id, the retention claim) and the schema version.
KEPT_ON_UNINSTALL = frozenset({"processed_events", "sync_cursors", "alembic_version"})


@dataclass
class PurgeReport:
    """Rows deleted per table (and `sources.forwarded_by` etc. cleared, as `<table>.<column>`)."""

    counts: Counter[str] = field(default_factory=Counter)

    def add(self, name: str, rows: int) -> None:
        """Count `rows` more for `name` (zero counts are not kept)."""
        if rows:
            self.counts[name] += rows

    def lines(self) -> list[str]:
        """One `table: n` line per table, sorted; a single line when nothing was deleted."""
        return [f"{name}: {n}" for name, n in sorted(self.counts.items())] or ["nothing to delete"]


@dataclass(frozen=True)
class PersonIds:
    """Every identifier of one person the store may hold: Slack user ids and email addresses."""

    user_ids: frozenset[str]
    emails: frozenset[str]


def _payload_names(payload: Any, targets: Mapping[str, Collection[str]], key: str = "") -> bool:
    """Whether a work payload holds, under one of the `targets` keys, one of that key's values."""
    if isinstance(payload, dict):
        return any(_payload_names(value, targets, str(name)) for name, value in payload.items())
    if isinstance(payload, list):
        return any(_payload_names(value, targets, key) for value in payload)
    values = targets.get(key)
    return bool(values) and payload is not None and str(payload).lower() in values


def _rowcount(session: Session, statement: Any) -> int:
    return int(session.exec(statement).rowcount or 0)  # type: ignore[call-overload]


def _chunked(values: list[Any], size: int = SOURCE_BATCH) -> Iterator[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


class Purger:
    """Deletes one scope's data from the store and queues the removal of its chunks."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def account(self, key: str) -> PurgeReport | None:
        """Delete an account with everything of it; None when there is no such account."""
        report = PurgeReport()
        with session_scope(self.engine) as session:
            account = repos.get_account(session, key=key)
            if account is None:
                return None
            account_id = account.id or 0
            channels = set(session.exec(select(ChannelLink.channel_id).where(
                ChannelLink.account_id == account_id)).all())
            source_ids = list(session.exec(select(Source.id).where(Source.account_id == account_id)).all())
            inbound_ids = set(session.exec(select(InboundEmail.id).where(
                InboundEmail.account_id == account_id)).all())
            item_ids = list(session.exec(select(Item.id).where(Item.account_id == account_id)).all())
            self._delete_items(session, item_ids, report)
            for batch in _chunked(source_ids):
                report.add("sources", _rowcount(session, delete(Source).where(col(Source.id).in_(batch))))
            report.add("inbound_emails", _rowcount(session, delete(InboundEmail).where(
                col(InboundEmail.account_id) == account_id)))
            report.add("channel_links", _rowcount(session, delete(ChannelLink).where(
                col(ChannelLink.account_id) == account_id)))
            self._delete_channel_cursors(session, channels, report)
            self._delete_work(session, {
                "account": {key}, "accounts": {key}, "source_id": {str(i) for i in source_ids},
                "channel": channels, "channel_id": channels,
                "inbound_id": {str(i) for i in inbound_ids},
            }, report)
            session.delete(account)
            report.add("accounts", 1)
            enqueue(session, kind=FORGET_CHUNKS, payload={"accounts": [key]})
        return report

    def person(self, who: str) -> PurgeReport:
        """Delete what one person (a Slack user id or an email address) wrote, and what is kept about them."""
        report = PurgeReport()
        with session_scope(self.engine) as session:
            ids = self._person_ids(session, who)
            emails, users = ids.emails, ids.user_ids
            authored = or_(col(Source.author_user_id).in_(users), func.lower(col(Source.author_email)).in_(emails))
            sources = list(session.exec(select(Source).where(authored)).all())
            inbound = list(session.exec(select(InboundEmail.id).where(
                func.lower(col(InboundEmail.sender)).in_(emails))).all())
            self._delete_sources(session, sources, report)
            self._delete_work(session, {
                "user": users, "user_id": users, "forwarded_by": emails,
                "inbound_id": {str(i) for i in inbound},
            }, report)
            report.add("inbound_emails", _rowcount(session, delete(InboundEmail).where(col(InboundEmail.id).in_(inbound))))
            report.add("sources.forwarded_by", _rowcount(session, update(Source).where(
                func.lower(col(Source.forwarded_by)).in_(emails)).values(forwarded_by=None)))
            report.add("nudges", _rowcount(session, delete(Nudge).where(col(Nudge.user_id).in_(users))))
            report.add("digests_sent", _rowcount(session, delete(DigestSent).where(col(DigestSent.user_id).in_(users))))
            report.add("corrections", _rowcount(session, delete(Correction).where(col(Correction.user_id).in_(users))))
            report.add("user_preferences", _rowcount(session, delete(UserPreference).where(
                col(UserPreference.user_id).in_(users))))
            report.add("slack_users", _rowcount(session, delete(SlackUser).where(col(SlackUser.user_id).in_(users))))
            report.add("items.owner", _rowcount(session, update(Item).where(col(Item.owner_user_id).in_(users))
                                                .values(owner_user_id=None, owner=None)))
            report.add("accounts.owner_user_id", _rowcount(session, update(Account).where(
                col(Account.owner_user_id).in_(users)).values(owner_user_id=None)))
            report.add("channel_links.linked_by", _rowcount(session, update(ChannelLink).where(
                col(ChannelLink.linked_by).in_(users)).values(linked_by=None)))
            report.add("inbound_emails.routed_by", _rowcount(session, update(InboundEmail).where(
                col(InboundEmail.routed_by).in_(users)).values(routed_by=None)))
        return report

    def workspace(self) -> PurgeReport:
        """Delete every account, source, item, person and piece of work (the app was uninstalled)."""
        report = PurgeReport()
        with session_scope(self.engine) as session:
            keys = list(session.exec(select(Account.key)).all())
            self._delete_channel_cursors(session, set(session.exec(select(ChannelLink.channel_id)).all()), report)
            session.exec(update(Item).values(superseded_by_id=None))  # type: ignore[call-overload]
            for table in reversed(SQLModel.metadata.sorted_tables):
                if table.name not in KEPT_ON_UNINSTALL:
                    report.add(table.name, _rowcount(session, table.delete()))
            enqueue(session, kind=FORGET_CHUNKS, payload={"accounts": keys, "everything": True})
        return report

    def content_before(self, cutoff: datetime) -> PurgeReport:
        """Retention: delete sources older than `cutoff` (by `ts`), emails received and work finished before it."""
        report = PurgeReport()
        while True:
            with session_scope(self.engine) as session:
                batch = list(session.exec(select(Source).where(Source.ts < cutoff)
                                          .order_by(Source.id).limit(SOURCE_BATCH)).all())
                if not batch:
                    break
                self._delete_sources(session, batch, report)
        with session_scope(self.engine) as session:
            report.add("inbound_emails", _rowcount(session, delete(InboundEmail).where(
                col(InboundEmail.received_at) < cutoff)))
            report.add("work_queue", _rowcount(session, delete(WorkItem).where(
                col(WorkItem.status).in_(("done", "failed")), col(WorkItem.finished_at) < cutoff)))
        return report

    @staticmethod
    def _person_ids(session: Session, who: str) -> PersonIds:
        """The person's user ids and emails: the one given, and what the users.info cache links to it."""
        who = who.strip()
        if "@" in who:
            emails = {who.lower()}
            users = set(session.exec(select(SlackUser.user_id).where(func.lower(col(SlackUser.email)) == who.lower())))
        else:
            users = {who}
            cached = session.get(SlackUser, who)
            emails = {cached.email.lower()} if cached and cached.email else set()
        return PersonIds(frozenset(users), frozenset(emails))

    def _delete_sources(self, session: Session, sources: list[Source], report: PurgeReport) -> None:
        """Delete sources, the items they alone support, their emails and work; queue their chunks' removal."""
        if not sources:
            return
        ids = [s.id or 0 for s in sources]
        removed = list(session.exec(select(ItemEvidence).where(col(ItemEvidence.source_id).in_(ids))).all())
        report.add("item_evidence", _rowcount(session, delete(ItemEvidence).where(col(ItemEvidence.source_id).in_(ids))))
        self._settle_items(session, removed, report)
        by_account: dict[int, list[str]] = {}
        for source in sources:
            by_account.setdefault(source.account_id, []).append(source.external_id)
        keys = dict(session.exec(select(Account.id, Account.key).where(col(Account.id).in_(list(by_account)))).all())
        for account_id, external_ids in by_account.items():
            report.add("corrections", _rowcount(session, delete(Correction).where(
                col(Correction.source_external_id).in_(external_ids),
                col(Correction.item_id).in_(select(Item.id).where(Item.account_id == account_id)))))
            report.add("inbound_emails", _rowcount(session, delete(InboundEmail).where(
                col(InboundEmail.account_id) == account_id, col(InboundEmail.source_external_id).in_(external_ids))))
            enqueue(session, kind=FORGET_CHUNKS, payload={"account": keys[account_id], "sources": external_ids})
        self._delete_work(session, {"source_id": {str(i) for i in ids}}, report)
        report.add("sources", _rowcount(session, delete(Source).where(col(Source.id).in_(ids))))

    def _settle_items(self, session: Session, removed: Iterable[ItemEvidence], report: PurgeReport) -> None:
        """Items left without supporting evidence go; the others lose purged words from their summary."""
        raised_by_purged = {e.item_id for e in removed if e.role == "raised"}
        touched = sorted({e.item_id for e in removed})
        gone: list[int] = []
        for item_id in touched:
            remaining = session.exec(select(ItemEvidence).where(
                ItemEvidence.item_id == item_id, col(ItemEvidence.role).in_(SUPPORTING_ROLES))
                .order_by(ItemEvidence.id)).first()
            if remaining is None:
                gone.append(item_id)
            elif item_id in raised_by_purged and remaining.span:
                item = session.get(Item, item_id)
                if item is not None:
                    item.summary = remaining.span
                    session.add(item)
                    report.add("items.summary", 1)
        self._delete_items(session, gone, report)

    @staticmethod
    def _delete_items(session: Session, item_ids: list[int], report: PurgeReport) -> None:
        """Delete items with their evidence, events, nudges and corrections."""
        for batch in _chunked(item_ids):
            session.exec(update(Item).where(col(Item.superseded_by_id).in_(batch))  # type: ignore[call-overload]
                         .values(superseded_by_id=None))
            for model, table in ((ItemEvidence, "item_evidence"), (ItemEvent, "item_events"), (Nudge, "nudges"),
                                 (Correction, "corrections")):
                report.add(table, _rowcount(session, delete(model).where(col(model.item_id).in_(batch))))
            report.add("items", _rowcount(session, delete(Item).where(col(Item.id).in_(batch))))

    @staticmethod
    def _delete_channel_cursors(session: Session, channels: Collection[str], report: PurgeReport) -> None:
        """Forget the sync cursors of these channels (`<sync>:<channel id>`, e.g. a backfill's) and what they staged."""
        for channel in channels:
            report.add("sync_cursors", _rowcount(session, delete(SyncCursor).where(
                col(SyncCursor.name).endswith(f":{channel}"))))
            report.add("staged_records", _rowcount(session, delete(StagedRecord).where(
                col(StagedRecord.batch).endswith(f":{channel}"))))

    @staticmethod
    def _delete_work(session: Session, targets: Mapping[str, Collection[str]], report: PurgeReport) -> None:
        """Delete work (queued, running or finished) whose payload names one of the targets (case-insensitive)."""
        wanted = {key: {str(v).lower() for v in values} for key, values in targets.items() if values}
        if not wanted:
            return
        doomed = [work_id for work_id, kind, payload in session.exec(
            select(WorkItem.id, WorkItem.kind, WorkItem.payload)).all()
            if kind != FORGET_CHUNKS and _payload_names(json.loads(payload or "{}"), wanted)]
        for batch in _chunked(doomed):
            report.add("work_queue", _rowcount(session, delete(WorkItem).where(col(WorkItem.id).in_(batch))))


class ChunkForgetter:
    """Runs `index.forget` work: removes purged sources or accounts from Chroma and the keyword table."""

    def __init__(self, retriever: Callable[[], Retriever]) -> None:
        self._retriever = retriever

    def forget(self, payload: dict[str, Any]) -> None:
        """Drop the listed accounts (every collection with `everything`), or delete the listed sources."""
        retriever = self._retriever()
        accounts = set(payload.get("accounts") or [])
        if payload.get("everything"):
            accounts |= set(retriever.search_index.vectors.accounts())
        for account in sorted(accounts):
            retriever.drop_account(account)
        for source_id in payload.get("sources") or []:
            retriever.delete_source(str(payload["account"]), str(source_id))

    def handlers(self) -> dict[str, WorkHandler]:
        """The worker handler of `index.forget` (register it only where this process holds the index)."""

        async def forget(payload: dict[str, Any]) -> None:
            await asyncio.to_thread(self.forget, payload)

        return {FORGET_CHUNKS: forget}
