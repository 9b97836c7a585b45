"""`POST /email/inbound`: raw RFC 822 mail, signed like Slack's requests with EMAIL_WEBHOOK_SECRET.

Headers `X-Tandem-Request-Timestamp` (Unix seconds) and `X-Tandem-Signature: v0=<hex HMAC-SHA256 of
"v0:{timestamp}:{raw body}">`. Oversized mail is refused (413) before it is read, so the sender keeps it;
accepted mail is never lost (unreadable mail is kept as a dead letter and still answered 202).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time
from collections.abc import Callable
from email import policy
from email.parser import Parser

from aiohttp import web
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from bot.email.intake import EmailIntake
from bot.store import repos
from bot.store.db import session_scope
from bot.store.models import ProcessedEvent

log = logging.getLogger(__name__)

MAX_CLOCK_SKEW_S = 300
TIMESTAMP_HEADER = "X-Tandem-Request-Timestamp"
SIGNATURE_HEADER = "X-Tandem-Signature"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The `v0=` signature of a body at a timestamp (senders compute the same)."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def _error(status: int, error: str) -> web.Response:
    return web.json_response({"ok": False, "error": error}, status=status)


def _too_large() -> web.Response:
    """413, with the connection closed after it (the rest of the body is drained, never stored)."""
    response = _error(413, "too_large")
    response.force_close()
    return response


class EmailWebhook:
    """Verifies, reads and hands one mail to the intake."""

    def __init__(self, intake: EmailIntake, engine: Engine, *, secret: str, max_bytes: int,
                 now: Callable[[], float] = time.time) -> None:
        self.intake = intake
        self.engine = engine
        self.secret = secret
        self.max_bytes = max_bytes
        self.now = now

    async def expect_continue(self, request: web.Request) -> web.Response | None:
        """`Expect: 100-continue`: refuse an oversized mail before its body is even sent."""
        if request.content_length is not None and request.content_length > self.max_bytes:
            return _too_large()
        if request.headers.get("Expect", "").lower() != "100-continue":
            return _error(417, "expectation_failed")
        if request.version >= (1, 1):
            await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            request.writer.output_size = 0  # the 100 is not part of the response
        return None

    async def handle(self, request: web.Request) -> web.Response:
        """Answer 202 for accepted mail, 4xx for requests that were not accepted (the sender keeps them)."""
        if request.content_length is not None and request.content_length > self.max_bytes:
            return _too_large()
        timestamp = request.headers.get(TIMESTAMP_HEADER, "")
        if not timestamp.isdigit() or abs(self.now() - int(timestamp)) > MAX_CLOCK_SKEW_S:
            return _error(401, "stale_or_missing_timestamp")
        body = await self._read_limited(request)
        if body is None:
            return _too_large()
        signature = request.headers.get(SIGNATURE_HEADER, "")
        if not hmac.compare_digest(signature, sign(self.secret, timestamp, body)):
            return _error(401, "bad_signature")
        raw = self._raw_mail(request.content_type, request.headers.get("Content-Type", ""), body)
        if raw is None:
            return _error(415, "expected message/rfc822 or a multipart form with a raw field")
        if not raw.strip():
            return _error(400, "empty_mail")
        try:
            if await asyncio.to_thread(self._seen_signature, signature):
                return _error(401, "replayed")
            result = await asyncio.to_thread(self.intake.accept, raw, via="webhook")
            await asyncio.to_thread(self._remember_signature, signature)
        except OperationalError:
            log.exception("store unavailable; the sender will retry")
            return _error(503, "store_unavailable")
        return web.json_response({"ok": True, "status": result.outcome, "message_id": result.message_id,
                                  "account": result.account}, status=202)

    async def _read_limited(self, request: web.Request) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.content.iter_chunked(64 * 1024):
            size += len(chunk)
            if size > self.max_bytes:
                return None
            chunks.append(chunk)
        return b"".join(chunks)

    @staticmethod
    def _raw_mail(content_type: str, header: str, body: bytes) -> bytes | None:
        if content_type in ("message/rfc822", "application/octet-stream", "text/plain"):
            return body
        if content_type != "multipart/form-data":
            return None
        return form_field(header, body, "raw")

    def _seen_signature(self, signature: str) -> bool:
        with session_scope(self.engine) as session:
            return session.get(ProcessedEvent, _signature_key(signature)) is not None

    def _remember_signature(self, signature: str) -> None:
        with session_scope(self.engine) as session:
            repos.remember_event(session, event_id=_signature_key(signature), kind="email.webhook")


def form_field(content_type: str, body: bytes, name: str) -> bytes | None:
    """The bytes of one field of a multipart/form-data body, exactly as sent (None when absent)."""
    boundary = Parser(policy=policy.HTTP).parsestr(f"Content-Type: {content_type}\r\n\r\n").get_param("boundary")
    if not isinstance(boundary, str) or not boundary:
        return None
    for part in body.split(b"--" + boundary.encode())[1:]:
        head, separator, content = part.partition(b"\r\n\r\n")
        if not separator:
            continue
        headers = Parser(policy=policy.HTTP).parsestr(head.decode("utf-8", "replace").strip() + "\r\n\r\n")
        if headers.get_param("name", header="content-disposition") == name:
            return content.removesuffix(b"\r\n")
    return None


def _signature_key(signature: str) -> str:
    return "mailsig:" + hashlib.sha256(signature.encode()).hexdigest()[:48]
