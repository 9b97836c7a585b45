"""Queued Slack events, taken by the worker: messages in linked channels become sources."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlalchemy.engine import Engine

from bot.ingest import IngestResult, IngestService
from bot.items import SLACK_MENTION
from bot.records import SourceRecord
from bot.store import repos
from bot.store.db import session_scope
from bot.store.models import Account, ChannelLink
from handlers.files import EmailAccepter, SharedFiles
from handlers.people import People
from handlers.slack_api import SlackGateway

log = logging.getLogger(__name__)

STORED_SUBTYPES = {None, "thread_broadcast", "file_share", "me_message"}

EventHandler = Callable[[dict[str, Any]], Awaitable[None]]


def slack_source_id(channel: str, ts: str) -> str:
    """The stable external id of a Slack message: channel and ts."""
    return f"{channel}:{ts}"


def _ts_to_datetime(ts: str) -> datetime:
    return datetime.fromtimestamp(float(ts), tz=UTC)


class SlackEventWork:
    """Runs a queued Slack event; other modules register handlers for more event types."""

    def __init__(self, *, engine: Engine, ingest: IngestService, gateway: SlackGateway, people: People,
                 email: EmailAccepter | None = None) -> None:
        self.engine = engine
        self.ingest = ingest
        self.gateway = gateway
        self.people = people
        self.files = SharedFiles(gateway=gateway, ingest=ingest, people=people, email=email)
        self.handlers: dict[str, EventHandler] = {"message": self._message}
        self._direct_message: EventHandler | None = None

    def on(self, event_type: str, handler: EventHandler) -> None:
        """Register the handler of one event type."""
        self.handlers[event_type] = handler

    def on_direct_message(self, handler: EventHandler) -> None:
        """Register the handler of messages in a DM with the bot."""
        self._direct_message = handler

    async def __call__(self, payload: dict[str, Any]) -> None:
        """Dispatch one queued event by its type."""
        event = payload.get("event") or {}
        handler = self.handlers.get(str(event.get("type")))
        if handler is not None:
            await handler(event)

    def linked(self, channel_id: str) -> tuple[ChannelLink, str] | None:
        """The link of a channel and its account's key, or None when the channel is not linked."""
        with session_scope(self.engine, write=False) as session:
            link = repos.get_link(session, channel_id=channel_id)
            if link is None:
                return None
            account = session.get(Account, link.account_id)
            return (link, account.key) if account else None

    async def _message(self, event: dict[str, Any]) -> None:
        channel = event.get("channel")
        if event.get("channel_type") == "im":
            if self._direct_message is not None:
                await self._direct_message(event)
            return
        if not isinstance(channel, str):
            return
        found = await asyncio.to_thread(self.linked, channel)
        if found is None:
            return
        link, account_key = found
        subtype = event.get("subtype")
        if subtype == "message_changed":
            await self._store(event.get("message") or {}, channel, link, account_key)
        elif subtype == "message_deleted":
            deleted_ts = event.get("deleted_ts") or (event.get("previous_message") or {}).get("ts")
            if deleted_ts:
                await asyncio.to_thread(
                    self.ingest.delete, account_key=account_key, external_id=slack_source_id(channel, deleted_ts)
                )
        elif subtype in STORED_SUBTYPES:
            await self._store(event, channel, link, account_key)
            if subtype == "file_share":
                await self.files.take(event, channel=channel, link=link, account_key=account_key)

    async def store_message(self, message: dict[str, Any], channel: str) -> IngestResult | None:
        """Store one message of a linked channel as a source (shortcuts use it for messages older than the link).

        None when it is not stored: the channel is not linked, or the message is a bot's or has no text.
        """
        found = await asyncio.to_thread(self.linked, channel)
        if found is None:
            return None
        return await self._store(message, channel, *found)

    async def _store(
        self, message: dict[str, Any], channel: str, link: ChannelLink, account_key: str
    ) -> IngestResult | None:
        record = await self.source_record(message, channel, link)
        if record is None:
            return None
        result = await asyncio.to_thread(self.ingest.ingest, record, account_key=account_key,
                                         author_user_id=message["user"])
        log.info("stored %s in %s: %s", record.id, account_key, result.outcome)
        return result

    async def source_record(self, message: dict[str, Any], channel: str, link: ChannelLink, *,
                            build_permalink: bool = False) -> SourceRecord | None:
        """The source record of one message of a linked channel (live or backfilled).

        None when it is not stored: a bot's message, the bot's own, or no text. `build_permalink` builds the
        link from the workspace URL instead of asking chat.getPermalink (a backfill: one call per message).
        """
        identity = await self.gateway.identity()
        user_id = message.get("user")
        ts = message.get("ts")
        if not isinstance(user_id, str) or not isinstance(ts, str) or message.get("bot_id") or user_id == identity.user_id:
            return None
        text = str(message.get("text") or "")
        if not text.strip():
            return None
        user = await self.people.get(user_id)
        if user.is_bot:
            return None
        for mentioned in set(SLACK_MENTION.findall(text)) - {identity.user_id}:
            try:
                await self.people.get(mentioned)  # cached, so extraction can name who was asked
            except SlackApiError:
                log.info("could not look up a mentioned user")
        thread_ts = message.get("thread_ts")
        return SourceRecord(
            id=slack_source_id(channel, ts),
            kind="slack",
            ts=_ts_to_datetime(ts),
            author=user.name,
            author_email=user.email,
            side="customer" if user.is_external else "vendor",
            channel=channel,
            thread=slack_source_id(channel, thread_ts) if thread_ts and thread_ts != ts else None,
            visibility="external" if link.is_external else "internal",
            tz=user.tz,
            text=text,
            permalink=await self._permalink(channel, ts, thread_ts if isinstance(thread_ts, str) else None,
                                            build=build_permalink),
        )

    async def _permalink(self, channel: str, ts: str, thread_ts: str | None, *, build: bool) -> str | None:
        built = await self.gateway.built_permalink(channel, ts, thread_ts) if build else None
        return built or await self.gateway.permalink(channel, ts)
