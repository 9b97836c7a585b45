"""The one thin wrapper over Slack's Web API that handlers and jobs use to read and post."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

MASS_MENTION = re.compile(r"<!(channel|here|everyone)(\|[^>]*)?>|@(channel|here|everyone)\b")


def make_web_client(*, token: str | None, base_url: str) -> AsyncWebClient:
    """A Web API client on the configured base URL, with rate-limit and connection retries."""
    return AsyncWebClient(
        token=token,
        base_url=base_url,
        timeout=15,
        retry_handlers=[
            AsyncRateLimitErrorRetryHandler(max_retry_count=3),
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
            AsyncServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def neutralise_mass_mentions(text: str) -> str:
    """Turn @channel/@here/@everyone into plain words so generated text never pings a channel."""
    return MASS_MENTION.sub(lambda m: "@" + (m.group(1) or m.group(3)) + "\u200b", text)


@dataclass(frozen=True)
class BotIdentity:
    """Who the bot is in its workspace (from auth.test)."""

    team_id: str
    user_id: str
    bot_id: str | None
    url: str | None


class SlackGateway:
    """Reads and posts through one AsyncWebClient; posting always turns unfurling off."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self._identity: BotIdentity | None = None

    async def identity(self) -> BotIdentity:
        """The bot's team and user ids, asked once."""
        if self._identity is None:
            reply = await self.client.auth_test()
            self._identity = BotIdentity(
                team_id=reply["team_id"], user_id=reply["user_id"], bot_id=reply.get("bot_id"), url=reply.get("url")
            )
        return self._identity

    async def user_info(self, user_id: str) -> dict[str, Any]:
        """`users.info` of one user."""
        reply = await self.client.users_info(user=user_id)
        return dict(reply["user"])

    async def channel_info(self, channel_id: str) -> dict[str, Any]:
        """`conversations.info` of one channel."""
        reply = await self.client.conversations_info(channel=channel_id)
        return dict(reply["channel"])

    async def permalink(self, channel_id: str, ts: str) -> str | None:
        """The permalink of a message, or None when Slack has none (the source is kept either way)."""
        try:
            reply = await self.client.chat_getPermalink(channel=channel_id, message_ts=ts)
        except SlackApiError as exc:
            log.warning("no permalink for %s/%s: %s", channel_id, ts, exc.response.get("error"))
            return None
        return reply.get("permalink")

    async def channel_members(self, channel_id: str) -> set[str]:
        """Every member of a channel (`conversations.members`, all pages)."""
        members: set[str] = set()
        cursor = None
        while True:
            reply = await self.client.conversations_members(channel=channel_id, cursor=cursor, limit=200)
            members.update(reply.get("members") or [])
            cursor = (reply.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return members

    async def find_by_metadata(self, channel_id: str, *, event_type: str, key: str, value: str,
                               oldest: float) -> str | None:
        """The ts of a message in `channel_id` since `oldest` whose metadata payload has `key == value`."""
        cursor = None
        while True:
            reply = await self.client.conversations_history(
                channel=channel_id, oldest=str(oldest), include_all_metadata=True, limit=200, cursor=cursor)
            for message in reply.get("messages") or []:
                metadata = message.get("metadata") or {}
                if metadata.get("event_type") == event_type and (metadata.get("event_payload") or {}).get(key) == value:
                    return str(message["ts"])
            cursor = (reply.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None

    async def update(self, *, channel: str, ts: str, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
        """Edit one of the bot's messages."""
        await self.client.chat_update(channel=channel, ts=ts, text=neutralise_mass_mentions(text), blocks=blocks)

    async def open_dm(self, user_id: str) -> str:
        """The DM channel id with a user."""
        reply = await self.client.conversations_open(users=user_id)
        return str(reply["channel"]["id"])

    async def post(
        self,
        *,
        channel: str,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Post a message with mass mentions neutralised and unfurling off."""
        reply = await self.client.chat_postMessage(
            channel=channel,
            text=neutralise_mass_mentions(text),
            blocks=blocks,
            thread_ts=thread_ts,
            metadata=metadata,
            unfurl_links=False,
            unfurl_media=False,
        )
        return dict(reply.data) if isinstance(reply.data, dict) else {}

    async def post_ephemeral(
        self, *, channel: str, user: str, text: str, blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
    ) -> None:
        """Post a message only `user` sees."""
        await self.client.chat_postEphemeral(
            channel=channel, user=user, text=neutralise_mass_mentions(text), blocks=blocks, thread_ts=thread_ts
        )
