"""The app in HTTP mode with the email webhook on, and a signed poster for it."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import aiohttp
import pytest
from pydantic import SecretStr

from bot.settings import Settings
from bot.store.db import session_scope
from bot.store.repos import get_or_create_account, link_channel
from handlers.email_webhook import sign
from tests.integration.harness import IM, SHARED, Tandem, running_tandem

WEBHOOK_SECRET = "test-email-webhook-secret"
MAX_BYTES = 256 * 1024


def mail(*, sender: str = "Ana Ruiz <ana@acme.example>", to: str = "ops@vendor.example",
         subject: str = "SSO status", body: str = "We are still waiting on our IT to approve SSO.",
         message_id: str | None = "auto", charset: str = "utf-8") -> bytes:
    """A small real-format mail."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime(2026, 3, 3, 9, 30, tzinfo=UTC))
    if message_id:
        message["Message-ID"] = make_msgid(domain="acme.example") if message_id == "auto" else message_id
    message.set_content(body, charset=charset)
    return bytes(message)


@dataclass
class Webhook:
    """Posts signed mail to /email/inbound."""

    url: str
    session: aiohttp.ClientSession

    async def post(self, body: bytes, *, content_type: str = "message/rfc822", timestamp: int | None = None,
                   signature: str | None = None, signed_body: bytes | None = None,
                   data: aiohttp.FormData | None = None, expect100: bool = False) -> tuple[int, dict]:
        stamp = str(timestamp if timestamp is not None else int(time.time()))
        headers = {"X-Tandem-Request-Timestamp": stamp,
                   "X-Tandem-Signature": signature or sign(WEBHOOK_SECRET, stamp, signed_body or body)}
        if data is None:
            headers["Content-Type"] = content_type
        async with self.session.post(self.url, data=data if data is not None else body, headers=headers,
                                     expect100=expect100) as reply:
            return reply.status, await reply.json(content_type=None)


@pytest.fixture
async def mailroom(settings: Settings) -> AsyncIterator[tuple[Tandem, Webhook]]:
    """The app (HTTP) with the webhook on, an account `acme` on acme.example linked to the shared channel."""
    wired = settings.model_copy(update={"email_webhook_secret": SecretStr(WEBHOOK_SECRET), "email_max_bytes": MAX_BYTES,
                                        "vendor_email_domains": ("vendor.example",)})
    async with running_tandem(wired, "http") as tandem:
        with session_scope(tandem.container.engine) as session:
            acme = get_or_create_account(session, key="acme", owner_user_id=IM)
            acme.email_domains = "acme.example"
            session.add(acme)
            session.flush()
            link_channel(session, channel_id=SHARED, account=acme, channel_name="ext-acme", is_external=True,
                         linked_by=IM)
            get_or_create_account(session, key="globex", owner_user_id=IM)
        url = tandem.app_url.replace("/slack/events", "/email/inbound")
        async with aiohttp.ClientSession() as client:
            yield tandem, Webhook(url, client)
