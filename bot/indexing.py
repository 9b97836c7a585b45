"""Keeping the search index derived from the SQL store: index, unindex, rebuild, detect drift."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.process_tuning import release_freed_memory
from bot.store import repos
from bot.store.db import session_scope
from bot.store.models import Account, Source
from retrieval.chunking import SourceText
from retrieval.service import Retriever

log = logging.getLogger(__name__)

REINDEX_BATCH = 64


def _thread_context(session: Session, source: Source) -> list[str]:
    """For a thread reply: the thread's root and the message just before it."""
    if not source.thread_external_id:
        return []
    root = repos.get_source(session, account_id=source.account_id, external_id=source.thread_external_id)
    before = session.exec(
        select(Source).where(Source.account_id == source.account_id,
                             Source.thread_external_id == source.thread_external_id,
                             Source.ts < source.ts, ~col(Source.deleted))
        .order_by(col(Source.ts).desc())
    ).first()
    return [s.text for s in (root, before) if s is not None and not s.deleted and s.id != source.id]


def source_text(session: Session, source: Source, account_key: str) -> SourceText:
    """What chunking needs from a stored source."""
    return SourceText(
        account=account_key, source_id=source.external_id, kind=source.kind, text=source.text,
        author=source.author, ts=source.ts, visibility=source.visibility, side=source.side,
        permalink=source.permalink, subject=source.subject,
        thread=source.thread_external_id or source.external_id,
        thread_context=_thread_context(session, source),
    )


class IndexService:
    """Writes sources into the hybrid index; the SQL store stays the source of truth."""

    def __init__(self, engine: Engine, retriever: Retriever) -> None:
        self.engine = engine
        self.retriever = retriever

    def index_sources(self, source_ids: Sequence[int]) -> None:
        """(Re)index sources in one embedding batch; deleted ones are removed instead."""
        texts: list[SourceText] = []
        gone: list[tuple[str, str]] = []
        with session_scope(self.engine, write=False) as session:  # reading 256 sources need not hold the intake up
            keys = {a.id: a.key for a in repos.list_accounts(session)}
            sources = session.exec(select(Source).where(col(Source.id).in_(list(source_ids)))).all()
            for source in sources:
                if source.deleted:
                    gone.append((keys[source.account_id], source.external_id))
                else:
                    texts.append(source_text(session, source, keys[source.account_id]))
        for account, external_id in gone:
            self.retriever.delete_source(account, external_id)
        if texts:
            self.retriever.index_sources(texts)
            release_freed_memory()  # glibc keeps what the batch freed resident unless asked to give it back

    def unindex_source(self, source_id: int) -> None:
        """Remove one source's chunks."""
        with session_scope(self.engine) as session:
            source = session.get(Source, source_id)
            account = session.get(Account, source.account_id) if source else None
            if source is None or account is None:
                return
            key, external_id = account.key, source.external_id
        self.retriever.delete_source(key, external_id)

    def reindex(self, account_keys: Sequence[str] | None = None) -> int:
        """Rebuild the index of the accounts (all by default) from the store; returns sources indexed."""
        with session_scope(self.engine) as session:
            accounts = [a for a in repos.list_accounts(session) if not account_keys or a.key in account_keys]
        total = 0
        for account in accounts:
            self.retriever.drop_account(account.key)
            offset = 0
            while True:
                with session_scope(self.engine) as session:
                    batch = session.exec(
                        select(Source).where(Source.account_id == account.id, ~col(Source.deleted))
                        .order_by(Source.id).offset(offset).limit(REINDEX_BATCH)).all()
                    texts = [source_text(session, s, account.key) for s in batch]
                if not batch:
                    break
                self.retriever.index_sources(texts)
                release_freed_memory()
                offset += len(batch)
                total += len(batch)
        return total

    def accounts_behind(self) -> list[str]:
        """Accounts whose index is missing sources, holds deleted ones, or was built with another model."""
        behind = []
        with session_scope(self.engine) as session:
            for account in repos.list_accounts(session):
                stored = set(session.exec(select(Source.external_id).where(
                    Source.account_id == account.id, ~col(Source.deleted))).all())
                indexed = self.retriever.search_index.vectors.source_ids(account.key)
                if self.retriever.needs_rebuild(account.key) or indexed != stored:
                    behind.append(account.key)
        return behind
