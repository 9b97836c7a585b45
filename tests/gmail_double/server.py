"""``GmailDouble``: the Gmail API endpoints Tandem reads and Google's token endpoint, on 127.0.0.1.

Usage::

    async with GmailDouble() as gmail:
        gmail.add_mail(b"From: ...\\r\\n\\r\\nbody")
        key_file = gmail.write_service_account_file(tmp_path / "sa.json")   # token_uri -> the double
        ...                                                                # GMAIL_API_URL = gmail.api_url
        gmail.fail_next(2, status=429, retry_after=1)
        assert [c.endpoint for c in gmail.calls] == [...]
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from .keys import UserClient, new_service_account_key
from .mailbox import Mailbox
from .oauth import GrantRefused, IssuedToken, TokenIssuer

ERROR_STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
                429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}
Endpoint = Callable[[web.Request], Awaitable[web.Response]]


@dataclass(frozen=True)
class GmailCall:
    """One request the double answered: which endpoint, its query or form (secrets left out), the status."""

    endpoint: str
    params: dict[str, str]
    status: int
    at: float  # time.monotonic() when it arrived
    subject: str | None = None  # whose token it carried


@dataclass(frozen=True)
class Fault:
    """An injected failure for the next Gmail API request."""

    status: int
    retry_after: int | None
    endpoint: str | None  # None: whichever Gmail endpoint is called next


def google_error(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    """An error in Google's JSON shape."""
    body = {"error": {"code": status, "message": message, "status": ERROR_STATUS.get(status, "UNKNOWN")}}
    return web.json_response(body, status=status, headers=headers)


class GmailDouble:
    """Gmail API + OAuth token endpoint test double for one mailbox. Start it with ``async with``."""

    def __init__(
        self,
        *,
        mailbox: str = "intake@brightloom.example",
        service_account_email: str = "tandem-poller@brightloom-test.iam.example",
        token_lifetime: int = 3600,
        max_page_size: int = 500,
        host: str = "127.0.0.1",
    ) -> None:
        self.mailbox = Mailbox(mailbox)
        self.service_account = new_service_account_key(service_account_email)
        self.user_client = UserClient("brightloom-tandem.apps.example", "test-client-secret",
                                      "1//test-refresh-token", mailbox)
        self.issuer = TokenIssuer(service_account=self.service_account, delegated_users={mailbox},
                                  user_client=self.user_client, lifetime=token_lifetime)
        self.max_page_size = max_page_size
        self.host = host
        self.port: int | None = None
        self.calls: list[GmailCall] = []
        self._faults: list[Fault] = []
        self._runner: web.AppRunner | None = None

    # ----------------------------------------------------------------- lifecycle

    async def start(self) -> GmailDouble:
        """Listen on a free port of ``host``."""
        app = web.Application()
        app.router.add_post("/token", self._token)
        prefix = "/gmail/v1/users/{user}"
        app.router.add_get(prefix + "/profile", self._api("profile", self._profile))
        app.router.add_get(prefix + "/messages", self._api("messages.list", self._messages_list))
        app.router.add_get(prefix + "/messages/{id}", self._api("messages.get", self._messages_get))
        app.router.add_get(prefix + "/history", self._api("history.list", self._history_list))
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, 0).start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        """Close the server."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> GmailDouble:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def api_url(self) -> str:
        """The API base URL (``GMAIL_API_URL``): ``http://127.0.0.1:PORT/``."""
        if self.port is None:
            raise RuntimeError("GmailDouble is not started")
        return f"http://{self.host}:{self.port}/"

    @property
    def token_url(self) -> str:
        """The token endpoint, for credential files' ``token_uri``."""
        return self.api_url + "token"

    # ----------------------------------------------------------------- test setup

    def write_service_account_file(self, path: Path) -> Path:
        """Write the service-account key file (token URI pointing here) to ``path``."""
        path.write_text(json.dumps(self.service_account.info(self.token_url)), encoding="utf-8")
        return path

    def write_token_file(self, path: Path) -> Path:
        """Write the authorized-user token file (token URI pointing here) to ``path``."""
        path.write_text(json.dumps(self.user_client.info(self.token_url)), encoding="utf-8")
        return path

    def add_mail(self, raw: bytes, labels: tuple[str, ...] = ("INBOX",)) -> str:
        """Deliver a message (bumps the history id); returns its Gmail id."""
        return self.mailbox.add(raw, labels)

    def delete_mail(self, message_id: str) -> None:
        """Delete a message; its messageAdded record stays in the history."""
        self.mailbox.delete(message_id)

    def drop_history_before(self, history_id: int) -> None:
        """Forget history before ``history_id``: history.list from an older id answers 404."""
        self.mailbox.drop_history_before(history_id)

    @property
    def history_id(self) -> int:
        """The mailbox's current history id."""
        return self.mailbox.history_id

    def expire_all_tokens(self) -> None:
        """Every access token issued so far is refused from now on (401)."""
        self.issuer.expire_all()

    def fail_next(self, times: int, *, status: int = 429, retry_after: int | None = 1,
                  endpoint: str | None = None) -> None:
        """The next ``times`` Gmail API requests (to ``endpoint``, or any) answer ``status``.

        ``Retry-After: retry_after`` is sent when ``retry_after`` is not None.
        """
        self._faults.extend(Fault(status, retry_after, endpoint) for _ in range(times))

    # ----------------------------------------------------------------- inspection

    def calls_to(self, endpoint: str) -> list[GmailCall]:
        """Calls to ``endpoint`` ("token", "profile", "messages.list", "messages.get", "history.list")."""
        return [call for call in self.calls if call.endpoint == endpoint]

    # ----------------------------------------------------------------- endpoints

    async def _token(self, request: web.Request) -> web.Response:
        form = {key: str(value) for key, value in (await request.post()).items()}
        kept = {"grant_type": form.get("grant_type", "")}
        try:
            body = self.issuer.grant(form)
        except GrantRefused as refused:
            self.calls.append(GmailCall("token", kept, refused.status, time.monotonic()))
            return web.json_response(refused.body, status=refused.status)
        self.calls.append(GmailCall("token", kept, 200, time.monotonic(),
                                    self.issuer.tokens[str(body["access_token"])].subject))
        return web.json_response(body)

    def _api(self, endpoint: str, handler: Callable[[web.Request, IssuedToken], web.Response]) -> Endpoint:
        async def serve(request: web.Request) -> web.Response:
            arrived = time.monotonic()
            issued = self.issuer.check(request.headers.get("Authorization"))
            response = self._answer(request, endpoint, issued, handler)
            self.calls.append(GmailCall(endpoint, dict(request.query), response.status, arrived,
                                        issued.subject if issued else None))
            return response

        return serve

    def _answer(self, request: web.Request, endpoint: str, issued: IssuedToken | None,
                handler: Callable[[web.Request, IssuedToken], web.Response]) -> web.Response:
        fault = next((fault for fault in self._faults if fault.endpoint in (None, endpoint)), None)
        if fault is not None:
            self._faults.remove(fault)
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else None
            return google_error(fault.status, "Injected failure", headers)
        if issued is None:
            return google_error(401, "Request had invalid authentication credentials.")
        if request.match_info["user"] not in ("me", issued.subject) or issued.subject != self.mailbox.email_address:
            return google_error(403, "Delegation denied")
        try:
            return handler(request, issued)
        except ValueError as exc:
            return google_error(400, f"Invalid argument: {exc}")

    def _profile(self, _request: web.Request, _issued: IssuedToken) -> web.Response:
        box = self.mailbox
        return web.json_response({"emailAddress": box.email_address, "messagesTotal": len(box.messages),
                                  "threadsTotal": len(box.messages), "historyId": str(box.history_id)})

    def _messages_list(self, request: web.Request, _issued: IssuedToken) -> web.Response:
        labels = set(request.query.getall("labelIds", []))
        messages = [m for m in self.mailbox.newest_first() if labels <= set(m.label_ids)]
        page, next_token = self._page(request, messages)
        body: dict[str, Any] = {"resultSizeEstimate": len(messages)}
        if page:
            body["messages"] = [{"id": message.id, "threadId": message.thread_id} for message in page]
        if next_token:
            body["nextPageToken"] = next_token
        return web.json_response(body)

    def _messages_get(self, request: web.Request, _issued: IssuedToken) -> web.Response:
        if request.query.get("format") != "raw":
            raise ValueError("the double serves format=raw only")
        message = self.mailbox.messages.get(request.match_info["id"])
        if message is None:
            return google_error(404, "Requested entity was not found.")
        return web.json_response(message.resource())

    def _history_list(self, request: web.Request, _issued: IssuedToken) -> web.Response:
        start = int(request.query["startHistoryId"]) if "startHistoryId" in request.query else None
        if start is None:
            raise ValueError("startHistoryId is required")
        kinds = set(request.query.getall("historyTypes", [])) or None
        records = self.mailbox.records_after(start, kinds)
        if records is None:
            return google_error(404, "Requested entity was not found.")
        if "labelId" in request.query:
            records = [r for r in records if request.query["labelId"] in r.label_ids]
        page, next_token = self._page(request, records)
        body: dict[str, Any] = {"historyId": str(self.mailbox.history_id)}
        if page:
            body["history"] = [record.resource() for record in page]
        if next_token:
            body["nextPageToken"] = next_token
        return web.json_response(body)

    def _page(self, request: web.Request, items: list[Any]) -> tuple[list[Any], str | None]:
        """A page by ``maxResults`` (capped by ``max_page_size``) and an offset ``pageToken``."""
        size = min(int(request.query.get("maxResults", "100")), 500, self.max_page_size)
        offset = int(request.query.get("pageToken", "0"))
        end = offset + size
        return items[offset:end], (str(end) if end < len(items) else None)
