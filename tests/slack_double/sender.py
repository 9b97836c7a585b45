"""``SlackSender``: posts signed requests to the app's Request URL as Slack does.

Usage::

    async with SlackSender("http://127.0.0.1:3000/slack/events", signing_secret) as sender:
        reply = await sender.send_event(event_callback(message("C1", "U1", "hi")))
        assert reply.status == 200
        await sender.send_command(slash_command("help"))
        await sender.send_interaction(block_actions("done", "item-1"))
        await sender.send_event(envelope, retry_num=1, retry_reason="http_timeout")
        assert (await sender.send_event(envelope, bad_signature=True)).status == 401
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from .interactions import form_body, interactive_body
from .signing import STALE_AFTER_SECONDS, sign

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


@dataclass(frozen=True)
class AppReply:
    """The app's HTTP answer."""

    status: int
    text: str
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.text)


class SlackSender:
    """Signs and posts Events API, slash command and interactivity requests to ``app_url``."""

    def __init__(
        self, app_url: str, signing_secret: str, *, session: aiohttp.ClientSession | None = None
    ) -> None:
        self.app_url = app_url
        self.signing_secret = signing_secret
        self._session = session
        self._owns_session = session is None

    async def __aenter__(self) -> SlackSender:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the HTTP session if this sender created it."""
        if self._session is not None and self._owns_session:
            await self._session.close()
            self._session = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
            self._owns_session = True
        return self._session

    async def post(
        self,
        body: bytes,
        content_type: str,
        *,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        bad_signature: bool = False,
        stale: bool = False,
        unsigned: bool = False,
        timestamp: int | None = None,
        headers: dict[str, str] | None = None,
        url: str | None = None,
    ) -> AppReply:
        """Post ``body`` signed like Slack.

        ``retry_num``/``retry_reason`` add ``X-Slack-Retry-Num``/``X-Slack-Retry-Reason`` (e.g. 1, "http_timeout");
        ``bad_signature`` signs with a wrong secret; ``stale`` signs correctly but with a timestamp more than
        5 minutes old; ``unsigned`` sends no signature headers.
        """
        ts = timestamp if timestamp is not None else int(time.time())
        if stale:
            ts -= STALE_AFTER_SECONDS + 60
        secret = self.signing_secret + "-wrong" if bad_signature else self.signing_secret
        all_headers = {
            "Content-Type": content_type,
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
        }
        if not unsigned:
            all_headers.update(sign(body, secret, ts))
        if retry_num is not None:
            all_headers["X-Slack-Retry-Num"] = str(retry_num)
            all_headers["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
        all_headers.update(headers or {})
        async with self._client().post(url or self.app_url, data=body, headers=all_headers) as resp:
            return AppReply(resp.status, await resp.text(), dict(resp.headers))

    async def send_event(self, envelope: dict[str, Any], **options: Any) -> AppReply:
        """Post an Events API envelope (``event_callback`` / ``url_verification``) as JSON."""
        return await self.post(json.dumps(envelope).encode(), JSON, **options)

    async def send_command(self, fields: dict[str, str], **options: Any) -> AppReply:
        """Post a slash command form (see ``slash_command``)."""
        return await self.post(form_body(fields), FORM, **options)

    async def send_interaction(self, payload: dict[str, Any], **options: Any) -> AppReply:
        """Post an interactivity payload as ``payload=<JSON>`` (see ``block_actions``, ``view_submission``...)."""
        return await self.post(interactive_body(payload), FORM, **options)
