"""The Gmail poll job: new mail of one mailbox to the email sink, with the history id as a stored cursor."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.engine import Engine

from bot.gmail_client import GmailClient, GmailNotFound, HistoryPage, build_gmail_client
from bot.settings import Settings
from bot.store.cursors import get_cursor, set_cursor
from bot.store.db import session_scope

log = logging.getLogger(__name__)

VIA = "gmail"


class MailSink(Protocol):
    """Where raw mail goes (the email intake); a synchronous call that deduplicates by Message-ID."""

    def accept(self, raw: bytes, *, via: str) -> object: ...


@dataclass(frozen=True)
class PollResult:
    """What one poll did: mails fetched and handed over, ids skipped, whether it fell back to a full sync."""

    fetched: int
    accepted: int
    duplicates: int
    gone: int
    full_sync: bool
    history_id: str


@dataclass
class _Run:
    """Counters and the Gmail ids handed over during one poll."""

    seen: set[str] = field(default_factory=set)
    fetched: int = 0
    accepted: int = 0
    duplicates: int = 0
    gone: int = 0
    full_sync: bool = False
    history_id: str = ""

    def result(self) -> PollResult:
        return PollResult(self.fetched, self.accepted, self.duplicates, self.gone, self.full_sync, self.history_id)


class GmailPoller:
    """Polls one mailbox: history since the stored cursor, or a bounded full sync without (or with an expired) one.

    `mailbox` names the cursor (`gmail:<mailbox>`); None means the credentials' own address, read from
    the profile on the first poll.
    """

    def __init__(self, client: GmailClient, sink: MailSink, engine: Engine, mailbox: str | None,
                 full_sync_max: int = 500) -> None:
        self.client = client
        self.sink = sink
        self.engine = engine
        self.mailbox = mailbox
        self.full_sync_max = full_sync_max

    async def poll_once(self) -> PollResult:
        """Hand every new mail to the sink once, then advance the cursor; errors leave the cursor where it was."""
        if self.mailbox is None:
            self.mailbox = (await self.client.profile()).email_address
        run = _Run()
        cursor = await asyncio.to_thread(self._load_cursor)
        if cursor is None or not await self._sync_history(run, cursor):
            await self._full_sync(run)
        log.info("gmail poll: %d fetched, %d accepted, %d duplicates, %d gone, full sync %s",
                 run.fetched, run.accepted, run.duplicates, run.gone, run.full_sync)
        return run.result()

    @property
    def cursor_name(self) -> str:
        """The cursor's row name in `sync_cursors`."""
        return f"gmail:{self.mailbox}"

    async def _sync_history(self, run: _Run, cursor: str) -> bool:
        """Follow history from `cursor`, storing the cursor after each page; False when the cursor expired."""
        page_token: str | None = None
        while True:
            try:
                page = await self.client.list_history(start_history_id=cursor, page_token=page_token)
            except GmailNotFound:
                log.warning("gmail poll: history id %s expired; falling back to a full sync", cursor)
                return False
            for message_id in page.message_ids:
                await self._hand_over(run, message_id)
            await self._advance(run, _page_end(page))
            page_token = page.next_page_token
            if page_token is None:
                return True

    async def _full_sync(self, run: _Run) -> None:
        """The newest `full_sync_max` messages, oldest first; the cursor is the history id read before listing."""
        run.full_sync = True
        history_id = (await self.client.profile()).history_id
        message_ids: list[str] = []
        page_token: str | None = None
        while len(message_ids) < self.full_sync_max:
            page = await self.client.list_messages(page_token=page_token,
                                                   max_results=self.full_sync_max - len(message_ids))
            message_ids.extend(page.message_ids)
            page_token = page.next_page_token
            if page_token is None:
                break
        for message_id in reversed(message_ids[: self.full_sync_max]):
            await self._hand_over(run, message_id)
        await self._advance(run, history_id)

    async def _hand_over(self, run: _Run, message_id: str) -> None:
        if message_id in run.seen:
            run.duplicates += 1
            return
        try:
            raw = await self.client.get_raw(message_id)
        except GmailNotFound:
            run.gone += 1
            return
        run.fetched += 1
        await asyncio.to_thread(self.sink.accept, raw, via=VIA)
        run.seen.add(message_id)
        run.accepted += 1

    async def _advance(self, run: _Run, history_id: str | None) -> None:
        if history_id is not None:
            await asyncio.to_thread(self._store_cursor, history_id)
            run.history_id = history_id

    def _load_cursor(self) -> str | None:
        with session_scope(self.engine) as session:
            return get_cursor(session, name=self.cursor_name)

    def _store_cursor(self, value: str) -> None:
        with session_scope(self.engine) as session:
            set_cursor(session, name=self.cursor_name, value=value)


def _page_end(page: HistoryPage) -> str | None:
    """The cursor after a history page: the mailbox's history id on the last page, else the page's last record."""
    return page.history_id if page.next_page_token is None else page.last_record_id


def build_gmail_poller(settings: Settings, *, sink: MailSink, engine: Engine) -> GmailPoller:
    """The poller for the configured mailbox (SettingsError when Gmail is half-configured)."""
    return GmailPoller(build_gmail_client(settings), sink, engine, settings.gmail_delegated_user,
                       settings.gmail_full_sync_max)
