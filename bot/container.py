"""The container: builds the engine and the core services once, from the settings."""

from __future__ import annotations

import os
import socket
from functools import cached_property

from sqlalchemy.engine import Engine

from bot.clock import Clock, SystemClock
from bot.extraction import OfflineExtractor
from bot.ingest import IngestService
from bot.items import ItemStore
from bot.settings import Settings
from bot.store.db import make_engine
from bot.store.migrate import upgrade
from bot.store.queue import WorkQueue


class Container:
    """Core services for one process; Slack-facing pieces are added by `bot.app`."""

    def __init__(self, settings: Settings, *, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}"

    @cached_property
    def engine(self) -> Engine:
        """The SQL engine of `DATABASE_URL`."""
        return make_engine(self.settings.effective_database_url)

    @cached_property
    def queue(self) -> WorkQueue:
        """The durable work queue."""
        return WorkQueue(self.engine, worker_id=self.worker_id)

    @cached_property
    def ingest(self) -> IngestService:
        """The ingest use case."""
        return IngestService(self.engine, items=ItemStore(self.extractor), clock=self.clock)

    @cached_property
    def extractor(self) -> OfflineExtractor:
        """The offline extractor (loads its shipped weights once)."""
        return OfflineExtractor()

    def migrate(self) -> None:
        """Bring the schema up to date (also run at start)."""
        upgrade(self.engine)

    def is_lead(self, user_id: str) -> bool:
        """Whether the user is listed in TANDEM_ADMINS."""
        return user_id in self.settings.tandem_admins

    def close(self) -> None:
        """Release database connections."""
        if "engine" in self.__dict__:
            self.engine.dispose()
