"""The one thin wrapper over Slack's Web API that handlers and jobs use to read and post."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.authorization import AuthorizeResult
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


def make_post_client(*, token: str | None, base_url: str, timeout: int = 15) -> AsyncWebClient:
    """The outbox's client: it retries only 429s (nothing was posted).

    A timeout, a dropped connection or a 5xx may come after Slack posted the message, so those go back to the
    outbox, which looks for the message before it posts again (chat.postMessage has no idempotency key).
    """
    return AsyncWebClient(token=token, base_url=base_url, timeout=timeout,
                          retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=3)])


def slack_failed(exc: SlackApiError) -> bool:
    """Whether Slack itself failed (429 or 5xx after the client's retries) rather than answering an error."""
    return exc.response.status_code == 429 or exc.response.status_code >= 500


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

    @property
    def known_identity(self) -> BotIdentity | None:
        """The bot's identity if auth.test has answered already, without asking."""
        return self._identity

    async def know_identity(self) -> bool:
        """Ask auth.test now (at start-up); False when Slack did not answer."""
        try:
            await self.identity()
        except (SlackApiError, OSError, TimeoutError) as exc:
            log.warning("auth.test failed: %s", type(exc).__name__)
            return False
        return True

    async def user_info(self, user_id: str) -> dict[str, Any]:
        """`users.info` of one user."""
        reply = await self.client.users_info(user=user_id)
        return dict(reply["user"])

    async def user_id_by_email(self, email: str) -> str | None:
        """The workspace member with this email address (`users.lookupByEmail`), or None."""
        try:
            reply = await self.client.users_lookupByEmail(email=email)
        except SlackApiError as exc:
            if exc.response.get("error") == "users_not_found":
                return None
            raise
        return str(reply["user"]["id"])

    async def channel_info(self, channel_id: str) -> dict[str, Any]:
        """`conversations.info` of one channel."""
        reply = await self.client.conversations_info(channel=channel_id)
        return dict(reply["channel"])

    async def built_permalink(self, channel_id: str, ts: str, thread_ts: str | None = None) -> str | None:
        """A message's permalink in the form chat.getPermalink returns, built from the workspace URL without a
        call (for a backfill's thousands of messages); None when auth.test gave no URL."""
        base = (await self.identity()).url
        if not base:
            return None
        link = f"{base.rstrip('/')}/archives/{channel_id}/p{ts.replace('.', '')}"
        return f"{link}?thread_ts={thread_ts}&cid={channel_id}" if thread_ts and thread_ts != ts else link

    async def permalink(self, channel_id: str, ts: str) -> str | None:
        """The permalink of a message, or None when Slack has none (the source is kept either way).

        A 429 or 5xx the client's retries did not get past is raised, so the queued work is tried again.
        """
        try:
            reply = await self.client.chat_getPermalink(channel=channel_id, message_ts=ts)
        except SlackApiError as exc:
            if slack_failed(exc):
                raise  # Slack failed, not the message: the work is retried, so the source keeps its link
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
                               oldest: float, thread_ts: str | None = None) -> str | None:
        """The ts of a message in `channel_id` (or in its thread `thread_ts`) since `oldest` whose metadata
        payload has `key == value`."""
        cursor = None
        while True:
            if thread_ts is None:
                reply = await self.client.conversations_history(
                    channel=channel_id, oldest=str(oldest), include_all_metadata=True, limit=200, cursor=cursor)
            else:
                try:
                    reply = await self.client.conversations_replies(
                        channel=channel_id, ts=thread_ts, oldest=str(oldest), include_all_metadata=True, limit=200,
                        cursor=cursor)
                except SlackApiError as exc:
                    if exc.response.get("error") == "thread_not_found":
                        return None
                    raise
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


def bot_authorization(gateway: SlackGateway, token: str | None) -> Callable[[], Awaitable[AuthorizeResult]]:
    """Bolt's `authorize`: the bot's cached identity, so an ack never waits on auth.test once it is known.

    When auth.test fails, Bolt would answer 200 and drop the request; raising instead answers 500, so
    Slack sends the request again.
    """

    async def authorize() -> AuthorizeResult:
        try:
            identity = await gateway.identity()
        except SlackApiError as exc:
            raise ConnectionError("auth.test failed; refusing the request so that Slack sends it again") from exc
        return AuthorizeResult(enterprise_id=None, team_id=identity.team_id, bot_user_id=identity.user_id,
                               bot_id=identity.bot_id, bot_token=token)

    return authorize
