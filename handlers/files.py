"""Files shared in a linked channel: call transcripts and Slack's email posts, taken in by the worker after the ack.

A transcript is fetched with the bot token (`files.info`, then its private URL on Slack's own hosts) and stored
as one `transcript:<file id>` source; an email post is turned back into raw mail for the email intake with the
channel's account forced. Nothing is said in the channel: failures are logged without content and left to the
work queue (a fetch that may succeed later is retried, a file that can never be read fails for good).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any, Protocol

import aiohttp
from slack_sdk.errors import SlackApiError

from bot.ingest import IngestService
from bot.store.models import ChannelLink, SlackUser
from bot.transcripts import TranscriptError, is_transcript_name, transcript_record
from bot.worker import PermanentWorkError
from handlers.email_posts import email_post_raw, is_email_post
from handlers.file_download import FetchError, download
from handlers.people import People
from handlers.slack_api import SlackGateway

log = logging.getLogger(__name__)

MAX_DOWNLOAD_BYTES = 5 * 1024 * 1024
TRANSCRIPT_FILETYPES = frozenset({"vtt", "srt", "text"})
PERMANENT_API_ERRORS = frozenset({
    "file_not_found", "file_deleted", "access_denied", "not_authed", "invalid_auth", "missing_scope",
    "not_allowed_token_type", "account_inactive", "token_revoked", "no_permission",
})


class EmailOutcome(Protocol):
    """What the email intake says it did with a mail ("routed", "duplicate", "dead_letter", ...)."""

    outcome: str


class EmailAccepter(Protocol):
    """The email intake (bot/email/intake.py) as the Slack side uses it."""

    def accept(self, raw: bytes, *, via: str, account_key: str | None = None,
               forwarded_by: str | None = None) -> EmailOutcome:
        """Keep, route and ingest one raw mail."""
        ...


def is_transcript_file(file: dict[str, Any]) -> bool:
    """Whether a Slack file object is a call transcript (`.vtt`, `.srt`, `.txt` by name or file type)."""
    return str(file.get("filetype") or "").lower() in TRANSCRIPT_FILETYPES or is_transcript_name(
        str(file.get("name") or ""))


def _wanted(file: dict[str, Any]) -> bool:
    return is_email_post(file) or is_transcript_file(file)


def _kind_unknown(file: dict[str, Any]) -> bool:
    """A file object of an event that does not say what it is (Slack Connect: `check_file_info`)."""
    return file.get("file_access") == "check_file_info" or not (file.get("name") or file.get("filetype"))


def _created(file: dict[str, Any], fallback_ts: str) -> datetime:
    created = file.get("created") or file.get("timestamp")
    return datetime.fromtimestamp(created if isinstance(created, int | float) else float(fallback_ts), tz=UTC)


class SharedFiles:
    """Takes the transcripts and email posts of one `file_share` message into the channel's account."""

    def __init__(self, *, gateway: SlackGateway, ingest: IngestService, people: People,
                 email: EmailAccepter | None = None, max_bytes: int = MAX_DOWNLOAD_BYTES) -> None:
        self.gateway = gateway
        self.ingest = ingest
        self.people = people
        self.email = email
        self.max_bytes = max_bytes

    async def take(self, message: dict[str, Any], *, channel: str, link: ChannelLink, account_key: str) -> None:
        """Take in every transcript and email post of `message`; raise when one failed (retryable or not)."""
        identity = await self.gateway.identity()
        if message.get("user") == identity.user_id:
            return
        failures: list[str] = []
        retry = False
        for shared in message.get("files") or []:
            file_id = shared.get("id") if isinstance(shared, dict) else None
            if not isinstance(file_id, str) or not (_kind_unknown(shared) or _wanted(shared)):
                continue
            try:
                await self._take_one(file_id, message, channel=channel, link=link, account_key=account_key)
            except FetchError as exc:
                log.warning("file %s in %s not taken in: %s", file_id, channel, exc.reason)
                failures.append(f"{file_id}: {exc.reason}")
                retry = retry or exc.retry
            except TranscriptError as exc:
                log.warning("file %s in %s is not a readable transcript: %s", file_id, channel, exc)
                failures.append(f"{file_id}: {exc}")
        if failures and retry:
            raise FetchError("; ".join(failures), retry=True)
        if failures:
            raise PermanentWorkError("; ".join(failures))

    async def _file_info(self, file_id: str) -> dict[str, Any]:
        try:
            reply = await self.gateway.client.files_info(file=file_id)
        except SlackApiError as exc:
            data = exc.response.data
            error = str(data.get("error")) if isinstance(data, dict) else f"HTTP {exc.response.status_code}"
            raise FetchError(f"files.info answered {error}", retry=error not in PERMANENT_API_ERRORS) from None
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise FetchError(f"files.info failed: {type(exc).__name__}", retry=True) from None
        return dict(reply["file"])

    async def _uploader(self, user_id: object) -> SlackUser | None:
        if not isinstance(user_id, str):
            return None
        try:
            return await self.people.get(user_id)
        except SlackApiError as exc:
            log.info("could not look up the uploader: %s", exc.response.get("error"))
            return None

    async def _take_one(self, file_id: str, message: dict[str, Any], *, channel: str, link: ChannelLink,
                        account_key: str) -> None:
        file = await self._file_info(file_id)
        if is_email_post(file):
            await self._take_email(file, message, account_key=account_key)
        elif is_transcript_file(file):
            await self._take_transcript(file, message, channel=channel, link=link, account_key=account_key)

    async def _take_email(self, file: dict[str, Any], message: dict[str, Any], *, account_key: str) -> None:
        if self.email is None:
            log.warning("email post %s skipped: no email intake is wired", file.get("id"))
            return
        uploader = await self._uploader(message.get("user") or file.get("user"))
        forwarded_by = uploader.name if uploader and not uploader.is_bot else None
        result = await asyncio.to_thread(self.email.accept, email_post_raw(file), via="slack",
                                         account_key=account_key, forwarded_by=forwarded_by)
        level = logging.WARNING if result.outcome == "dead_letter" else logging.INFO
        log.log(level, "email post %s in %s: %s", file.get("id"), account_key, result.outcome)

    async def _take_transcript(self, file: dict[str, Any], message: dict[str, Any], *, channel: str,
                               link: ChannelLink, account_key: str) -> None:
        user_id = message.get("user") or file.get("user")
        uploader = await self._uploader(user_id)
        if uploader is None or uploader.is_bot:
            return
        size = file.get("size")
        if isinstance(size, int) and size > self.max_bytes:
            raise FetchError(f"file larger than {self.max_bytes} bytes", retry=False)
        url = file.get("url_private_download") or file.get("url_private")
        token = self.gateway.client.token
        if not isinstance(url, str) or not token:
            raise FetchError("file has no private URL, or no bot token is set", retry=False)
        content = await download(url, token=token, api_url=self.gateway.client.base_url, max_bytes=self.max_bytes)
        name = str(file.get("name") or file.get("title") or "transcript.txt")
        record = transcript_record(
            content,
            name=name,
            record_id=f"transcript:{file['id']}",
            author=uploader.name,
            ts=_created(file, str(message.get("ts") or 0)),
            title=str(file.get("title") or name),
            author_email=uploader.email,
            side="customer" if uploader.is_external else "vendor",
            channel=channel,
            visibility="external" if link.is_external else "internal",
            tz=uploader.tz,
            permalink=file.get("permalink"),
        )
        result = await asyncio.to_thread(self.ingest.ingest, record, account_key=account_key,
                                         author_user_id=str(user_id))
        log.info("stored %s in %s: %s", record.id, account_key, result.outcome)
