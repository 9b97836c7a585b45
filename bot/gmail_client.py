"""A small Gmail API client: google-auth credentials, aiohttp calls, refresh on 401, backoff on 429/5xx."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import aiohttp
import google.auth.exceptions
import google.auth.transport.requests
import requests
from google.auth.credentials import Credentials
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account

from bot.settings import DEFAULT_GMAIL_API_URL, Settings, SettingsError

log = logging.getLogger(__name__)

GMAIL_READONLY_SCOPE = "https://www.googleapis.com/auth/gmail.readonly"
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
MAX_PAGE_SIZE = 500
INBOX = "INBOX"  # the label of mail delivered to the mailbox


class GmailError(Exception):
    """A Gmail API call failed; the message names the call and the status, never a token."""


class GmailNotFound(GmailError):
    """404: the message is gone, or a history id is too old to list history from."""


class GmailUnavailable(GmailError):
    """Rate limits, server errors or connection failures outlasted every try."""


class GmailAuthError(GmailError):
    """The credentials were refused, or the token could not be refreshed."""


@dataclass(frozen=True)
class GmailProfile:
    """The mailbox's address and its current history id."""

    email_address: str
    history_id: str


@dataclass(frozen=True)
class MessagePage:
    """One page of messages.list, newest first."""

    message_ids: tuple[str, ...]
    next_page_token: str | None


@dataclass(frozen=True)
class HistoryPage:
    """One page of history.list: the added message ids in order, and where this page ends."""

    message_ids: tuple[str, ...]
    last_record_id: str | None
    history_id: str
    next_page_token: str | None


@dataclass(frozen=True)
class _Answer:
    status: int | None
    body: dict[str, Any] | None
    retry_after: float | None
    detail: str


class GmailClient:
    """Reads one mailbox ("me" for the credentials' user) through the Gmail REST API."""

    def __init__(
        self,
        credentials: Credentials,
        *,
        api_url: str = DEFAULT_GMAIL_API_URL,
        max_tries: int = 5,
        base_delay: float = 1.0,
        max_delay: float = 60.0,
        timeout: float = 30.0,
    ) -> None:
        self.credentials = credentials
        self.api_url = api_url if api_url.endswith("/") else api_url + "/"
        self.max_tries = max_tries
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._token_session = requests.Session()
        self._token_transport = google.auth.transport.requests.Request(session=self._token_session)
        self._refresh_lock = asyncio.Lock()
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        """Close the HTTP sessions."""
        if self._session is not None:
            await self._session.close()
            self._session = None
        self._token_session.close()

    async def __aenter__(self) -> GmailClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ------------------------------------------------------------------ API methods

    async def profile(self) -> GmailProfile:
        """users.getProfile: the address and the current history id."""
        body = await self._get("users.getProfile", "profile", {})
        return GmailProfile(email_address=str(body["emailAddress"]), history_id=str(body["historyId"]))

    async def list_messages(self, *, page_token: str | None = None, max_results: int = 100) -> MessagePage:
        """users.messages.list: one page of the inbox's message ids, newest first (drafts, sent mail, spam
        and trash are not mail sent to Tandem)."""
        params = {"maxResults": str(min(max_results, MAX_PAGE_SIZE)), "labelIds": INBOX}
        if page_token:
            params["pageToken"] = page_token
        body = await self._get("users.messages.list", "messages", params)
        ids = tuple(str(message["id"]) for message in body.get("messages", []))
        return MessagePage(message_ids=ids, next_page_token=body.get("nextPageToken"))

    async def get_raw(self, message_id: str) -> bytes:
        """users.messages.get with format=raw: the RFC 822 bytes of one message."""
        body = await self._get("users.messages.get", f"messages/{message_id}", {"format": "raw"})
        raw = str(body["raw"])
        return base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))

    async def list_history(self, *, start_history_id: str, page_token: str | None = None) -> HistoryPage:
        """users.history.list of messages added to the inbox after `start_history_id` (GmailNotFound when it
        expired); drafts saved and mail sent from the mailbox are not mail sent to Tandem."""
        params = {"startHistoryId": start_history_id, "historyTypes": "messageAdded", "labelId": INBOX,
                  "maxResults": str(MAX_PAGE_SIZE)}
        if page_token:
            params["pageToken"] = page_token
        body = await self._get("users.history.list", "history", params)
        records = body.get("history", [])
        ids = tuple(str(added["message"]["id"]) for record in records for added in record.get("messagesAdded", []))
        return HistoryPage(
            message_ids=ids,
            last_record_id=str(records[-1]["id"]) if records else None,
            history_id=str(body["historyId"]),
            next_page_token=body.get("nextPageToken"),
        )

    # ------------------------------------------------------------------ transport

    async def _get(self, call: str, path: str, params: dict[str, str]) -> dict[str, Any]:
        """GET one API path: refresh once on 401, back off on 429/5xx/connection errors, then give up."""
        url = f"{self.api_url}gmail/v1/users/me/{path}"
        failures = 0
        refreshed = False
        while True:
            token = await self._access_token()
            answer = await self._send(url, params, token)
            if answer.status == 200 and answer.body is not None:
                return answer.body
            if answer.status == 401 and not refreshed:
                refreshed = True
                await self._refresh(stale_token=token)
                continue
            if answer.status == 401:
                raise GmailAuthError(f"{call}: Gmail refused the credentials after a token refresh")
            if answer.status == 404:
                raise GmailNotFound(f"{call}: not found (404)")
            if answer.status is not None and answer.status != 429 and answer.status < 500:
                raise GmailError(f"{call}: HTTP {answer.status} {answer.detail}".rstrip())
            failures += 1
            if failures >= self.max_tries:
                raise GmailUnavailable(f"{call}: gave up after {failures} tries ({answer.detail})")
            delay = answer.retry_after
            if delay is None:
                delay = min(self.max_delay, self.base_delay * 2 ** (failures - 1))
            elif delay > self.max_delay:
                raise GmailUnavailable(f"{call}: Gmail asks to retry after {delay:.0f} s, over {self.max_delay:.0f} s")
            log.warning("%s: %s; retry %d of %d in %.2f s", call, answer.detail, failures, self.max_tries - 1, delay)
            await asyncio.sleep(delay)

    async def _send(self, url: str, params: dict[str, str], token: str) -> _Answer:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        try:
            async with self._session.get(url, params=params, headers={"Authorization": f"Bearer {token}"}) as response:
                if response.status == 200:
                    return _Answer(200, await response.json(), None, "ok")
                detail = f"HTTP {response.status} {await _error_status(response)}".rstrip()
                return _Answer(response.status, None, parse_retry_after(response.headers.get("Retry-After")), detail)
        except (aiohttp.ClientError, TimeoutError) as exc:
            return _Answer(None, None, None, f"connection failed: {type(exc).__name__}")

    async def _access_token(self) -> str:
        if not self.credentials.valid:
            await self._refresh(stale_token=self.credentials.token)
        return str(self.credentials.token)

    async def _refresh(self, *, stale_token: str | None) -> None:
        """Refresh the access token in a thread, once for all callers that saw `stale_token`."""
        async with self._refresh_lock:
            if self.credentials.token != stale_token and self.credentials.valid:
                return
            try:
                await asyncio.to_thread(self.credentials.refresh, self._token_transport)
            except google.auth.exceptions.RefreshError as exc:
                reason = exc.args[0] if exc.args else type(exc).__name__
                raise GmailAuthError(f"Gmail token refresh was refused: {reason}") from None
            except google.auth.exceptions.TransportError as exc:
                raise GmailUnavailable(f"Gmail token endpoint unreachable: {type(exc).__name__}") from None


async def _error_status(response: aiohttp.ClientResponse) -> str:
    """The Google error status (e.g. RESOURCE_EXHAUSTED) of an error answer, if it has one."""
    try:
        body = await response.json(content_type=None)
    except (ValueError, aiohttp.ClientError):
        return ""
    error = body.get("error") if isinstance(body, dict) else None
    return str(error.get("status", "")) if isinstance(error, dict) else ""


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta seconds or an HTTP date); None when absent."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


# ---------------------------------------------------------------------- building from settings


def build_gmail_client(settings: Settings) -> GmailClient:
    """The client for the configured mailbox; SettingsError (one line) when Gmail is half-configured."""
    return GmailClient(load_gmail_credentials(settings), api_url=settings.gmail_api_url)


def load_gmail_credentials(settings: Settings) -> Credentials:
    """Service-account (domain-wide delegation) or authorized-user credentials, read-only Gmail scope."""
    key_file, user, token_file = (settings.gmail_service_account_file, settings.gmail_delegated_user,
                                  settings.gmail_token_file)
    if not settings.gmail_enabled:
        raise SettingsError("Gmail is not configured: set GMAIL_SERVICE_ACCOUNT_FILE and GMAIL_DELEGATED_USER, "
                            "or GMAIL_TOKEN_FILE")
    if key_file and token_file:
        raise SettingsError("GMAIL_SERVICE_ACCOUNT_FILE and GMAIL_TOKEN_FILE are both set; set only one")
    if key_file and not user:
        raise SettingsError("GMAIL_DELEGATED_USER is required with GMAIL_SERVICE_ACCOUNT_FILE (the mailbox to read)")
    if user and not key_file:
        raise SettingsError("GMAIL_DELEGATED_USER needs GMAIL_SERVICE_ACCOUNT_FILE (a service account key)")
    if key_file:
        return _service_account_credentials(key_file, str(user))
    assert token_file is not None
    return _user_credentials(token_file)


def _service_account_credentials(path: Path, subject: str) -> Credentials:
    info = _read_json_file(path, "GMAIL_SERVICE_ACCOUNT_FILE", "service_account",
                           ("client_email", "private_key", "token_uri"))
    try:
        return service_account.Credentials.from_service_account_info(
            info, scopes=[GMAIL_READONLY_SCOPE], subject=subject)
    except (ValueError, TypeError):
        raise SettingsError(f"GMAIL_SERVICE_ACCOUNT_FILE has an unreadable private key: {path}") from None


def _user_credentials(path: Path) -> Credentials:
    info = _read_json_file(path, "GMAIL_TOKEN_FILE", "authorized_user",
                           ("refresh_token", "client_id", "client_secret"))
    try:
        loaded = user_credentials.Credentials.from_authorized_user_info(info, scopes=[GMAIL_READONLY_SCOPE])
    except (ValueError, TypeError):
        raise SettingsError(f"GMAIL_TOKEN_FILE is not an authorized-user token file: {path}") from None
    # from_authorized_user_info always uses Google's token URI; the file's own one wins here
    return loaded.with_token_uri(str(info.get("token_uri") or GOOGLE_TOKEN_URI))


def _read_json_file(path: Path, variable: str, kind: str, required: tuple[str, ...]) -> dict[str, Any]:
    """A credential file's JSON object, checked for its type and required fields (values never shown)."""
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SettingsError(f"{variable} cannot be read: {path} ({exc.strerror or type(exc).__name__})") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise SettingsError(f"{variable} is not a JSON file: {path}") from None
    if not isinstance(info, dict):
        raise SettingsError(f"{variable} is not a JSON object: {path}")
    if info.get("type", kind) != kind:
        raise SettingsError(f"{variable} is a {info.get('type')!r} credential file, expected {kind!r}: {path}")
    missing = [name for name in required if not info.get(name)]
    if missing:
        raise SettingsError(f"{variable} lacks {', '.join(missing)}: {path}")
    return info
