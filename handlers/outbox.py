"""Sends queued posts (`slack.post` work, `bot.outbox`): paced to one a second per channel, looked for in the
channel before a resend, and failed with Slack's reason so the queue retries it with back-off.

A try that timed out or lost its connection may still have posted, so every try after the first looks for a
message carrying the post's key in its metadata (since the first try, `conversations.history`, or
`conversations.replies` in a thread) and posts only when there is none.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from aiohttp import ClientError
from slack_sdk.errors import SlackApiError
from sqlalchemy.engine import Engine

from bot.outbox import OutboundPost, enqueue_post, forget_tries, note_try
from bot.store.db import session_scope
from bot.worker import PermanentWorkError
from handlers.pacing import ChannelPacer
from handlers.slack_api import SlackGateway

log = logging.getLogger(__name__)

POST_EVENT_TYPE = "tandem_post"  # the metadata of posts that carry no metadata of their own
KEY_FIELD = "post_key"
CLOCK_SKEW = timedelta(minutes=2)  # look back this far before the first try: our clock and Slack's differ
PERMANENT_ERRORS = frozenset({
    "channel_not_found", "not_in_channel", "is_archived", "msg_too_long", "no_text", "invalid_blocks",
    "invalid_blocks_format", "invalid_metadata_format", "invalid_metadata_schema", "metadata_too_large",
    "restricted_action", "restricted_action_read_only_channel", "restricted_action_thread_only_channel",
    "restricted_action_non_threadable_channel", "cannot_reply_to_message", "user_not_found", "user_disabled",
    "cannot_dm_bot", "not_authed", "invalid_auth", "account_inactive", "token_revoked", "token_expired",
    "no_permission", "missing_scope", "team_access_not_granted",
})

PostedHook = Callable[[OutboundPost, str, str], Awaitable[None]]


class PostFailed(Exception):
    """A try that a later try may get through (the queue retries it with back-off)."""


def with_key(post: OutboundPost) -> dict[str, Any]:
    """The post's metadata with its idempotency key added to the payload."""
    metadata = post.metadata or {"event_type": POST_EVENT_TYPE, "event_payload": {}}
    return {"event_type": metadata["event_type"],
            "event_payload": {**(metadata.get("event_payload") or {}), KEY_FIELD: post.key}}


class SlackOutbox:
    """Queues posts and, as the worker's `slack.post` handler, sends them."""

    def __init__(self, *, engine: Engine, gateway: SlackGateway, pacer: ChannelPacer,
                 wake: Callable[[], None]) -> None:
        self.engine = engine
        self.gateway = gateway
        self.pacer = pacer
        self.wake = wake
        self._hooks: dict[str, PostedHook] = {}

    def on_posted(self, purpose: str, hook: PostedHook) -> None:
        """Run `hook(post, channel, ts)` once a post of `purpose` has landed (or was found on a resend)."""
        self._hooks[purpose] = hook

    async def send(self, post: OutboundPost) -> None:
        """Queue a post and wake the worker."""
        await asyncio.to_thread(self._enqueue, post)
        self.wake()

    def _enqueue(self, post: OutboundPost) -> None:
        with session_scope(self.engine) as session:
            enqueue_post(session, post)

    async def __call__(self, payload: dict[str, Any]) -> None:
        """Deliver one queued post, or raise so the queue retries it (or fails it for good)."""
        post = OutboundPost.from_payload(payload)
        try:
            channel = post.channel or await self.gateway.open_dm(post.user or "")
            first_try = await asyncio.to_thread(note_try, self.engine, key=post.key)
            ts = await self._already_posted(post, channel, first_try) if first_try else None
            if ts is None:
                ts = await self._post(post, channel)
        except SlackApiError as exc:
            error = str(exc.response.get("error") or "no_error_code")
            if error in PERMANENT_ERRORS:
                raise PermanentWorkError(f"Slack: {error}") from exc
            raise PostFailed(f"Slack: {error} (HTTP {exc.response.status_code})") from exc
        except (ClientError, TimeoutError) as exc:
            raise PostFailed(f"no answer from Slack ({type(exc).__name__})") from exc
        hook = self._hooks.get(post.purpose)
        if hook is not None:
            await hook(post, channel, ts)
        await asyncio.to_thread(forget_tries, self.engine, key=post.key)

    async def _already_posted(self, post: OutboundPost, channel: str, first_try: datetime) -> str | None:
        metadata = with_key(post)
        found = await self.gateway.find_by_metadata(
            channel, event_type=metadata["event_type"], key=KEY_FIELD, value=post.key,
            oldest=(first_try - CLOCK_SKEW).timestamp(), thread_ts=post.thread_ts)
        if found:
            log.info("%s post %s had landed on an earlier try; not posted again", post.purpose, post.key)
        return found

    async def _post(self, post: OutboundPost, channel: str) -> str:
        await self.pacer.acquire(channel)
        try:
            reply = await self.gateway.post(channel=channel, text=post.text, blocks=post.blocks,
                                            thread_ts=post.thread_ts, metadata=with_key(post))
        except SlackApiError as exc:
            if exc.response.status_code == 429:  # still limited after the client's retries
                wait = (exc.response.headers or {}).get("Retry-After") or 1
                self.pacer.hold_off(channel, float(wait[0] if isinstance(wait, list) else wait))
            raise
        finally:
            self.pacer.posted(channel)
        return str(reply.get("ts", ""))
