"""``SlackDouble``: a Slack Web API + Socket Mode test double, an aiohttp server on 127.0.0.1.

Usage::

    async with SlackDouble() as slack:
        slack.add_user("U0ALICE", "alice", "Alice Liddell")
        slack.add_channel("C0ACME", "acme-onboarding", members=["U0ALICE"])
        client = AsyncWebClient(base_url=slack.api_url, token=slack.bot_token)
        await client.chat_postMessage(channel="C0ACME", text="hi")
        [call] = await slack.wait_for("chat.postMessage")
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .calls import Call, CallLog
from .file_downloads import file_urls, serve_file
from .params import SlackApiFailure, decode_json_args
from .rate_limits import SLACK_TIER_LIMITS, TierLimits
from .socket_mode import SocketHub, build_envelope
from .state import EXTERNAL_TEAM_ID, Channel, User, Workspace
from .web_read import (
    auth_test,
    conversations_history,
    conversations_info,
    conversations_members,
    conversations_replies,
    files_info,
    users_info,
    users_lookup_by_email,
)
from .web_write import (
    chat_get_permalink,
    chat_post_ephemeral,
    chat_post_message,
    chat_update,
    conversations_open,
    reactions_add,
    views_open,
    views_publish,
)

Handler = Callable[[Workspace, dict[str, Any]], dict[str, Any]]

#: the Web API methods the double implements (apps.connections.open is handled by the server itself)
METHODS: dict[str, Handler] = {
    "auth.test": auth_test,
    "users.info": users_info,
    "users.lookupByEmail": users_lookup_by_email,
    "conversations.info": conversations_info,
    "conversations.history": conversations_history,
    "conversations.replies": conversations_replies,
    "conversations.members": conversations_members,
    "conversations.open": conversations_open,
    "chat.postMessage": chat_post_message,
    "chat.postEphemeral": chat_post_ephemeral,
    "chat.update": chat_update,
    "chat.getPermalink": chat_get_permalink,
    "reactions.add": reactions_add,
    "views.publish": views_publish,
    "views.open": views_open,
    "files.info": files_info,
}
APP_TOKEN_METHODS = ("apps.connections.open",)
IMPLEMENTED_METHODS: tuple[str, ...] = (*METHODS, *APP_TOKEN_METHODS)


@dataclass(frozen=True)
class Failure:
    """An injected failure (see ``SlackDouble.fail_next``)."""

    error: str
    status: int
    retry_after: int | None


@dataclass(frozen=True)
class ResponseUrlPost:
    """A POST the app made to a ``response_url`` minted by ``SlackDouble.new_response_url``."""

    hook_id: str
    body: Any
    content_type: str


class SlackDouble:
    """Slack Web API + Socket Mode test double. Start it with ``async with`` (or ``start``/``stop``)."""

    def __init__(
        self,
        *,
        bot_token: str = "xoxb-test-token",
        app_token: str = "xapp-1-test-token",
        workspace: Workspace | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.bot_token = bot_token
        self.app_token = app_token
        self.workspace = workspace or Workspace()
        self.host = host
        self.port: int | None = None
        self.log = CallLog()
        self.socket = SocketHub(lambda: self.workspace.app_id)
        self.response_posts: list[ResponseUrlPost] = []
        self._failures: dict[str, deque[Failure]] = defaultdict(deque)
        self._latency: dict[str, float] = {}
        self.rate_limits = TierLimits()
        self._hooks = 0
        self._runner: web.AppRunner | None = None

    # ----------------------------------------------------------------- lifecycle

    async def start(self) -> SlackDouble:
        """Listen on a free port of ``host``."""
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_get("/link/", self.socket.handle)
        app.router.add_post("/response_url/{hook_id}", self._response_url)
        app.router.add_get("/files-pri/{team_file}/{rest:.*}", self._file_download)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        """Close Socket Mode connections and the server."""
        await self.socket.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SlackDouble:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/``."""
        if self.port is None:
            raise RuntimeError("SlackDouble is not started")
        return f"http://{self.host}:{self.port}/"

    @property
    def api_url(self) -> str:
        """The Web API base URL for ``AsyncWebClient(base_url=...)``: ``http://127.0.0.1:PORT/api/``."""
        return self.base_url + "api/"

    # ----------------------------------------------------------------- test setup

    def add_user(
        self,
        user_id: str,
        name: str | None = None,
        real_name: str | None = None,
        *,
        tz: str = "America/New_York",
        tz_offset: int | None = None,
        team_id: str | None = None,
        is_external: bool = False,
        email: str | None = None,
        is_bot: bool = False,
        display_name: str = "",
        deleted: bool = False,
        bot_id: str | None = None,
    ) -> User:
        """Add a user. ``is_external=True`` (or a ``team_id`` other than the workspace's) makes a Slack Connect user."""
        team = team_id or (EXTERNAL_TEAM_ID if is_external else self.workspace.team_id)
        name = name or user_id.lower()
        user = User(
            id=user_id,
            name=name,
            real_name=real_name if real_name is not None else name,
            team_id=team,
            tz=tz,
            tz_offset=tz_offset,
            email=email,
            is_bot=is_bot,
            display_name=display_name,
            deleted=deleted,
            bot_id=bot_id,
        )
        self.workspace.users[user_id] = user
        return user

    def add_channel(
        self,
        channel_id: str,
        name: str | None = None,
        *,
        is_private: bool = False,
        is_ext_shared: bool = False,
        is_im: bool = False,
        members: list[str] | tuple[str, ...] = (),
        bot_is_member: bool = True,
        is_archived: bool = False,
        topic: str = "",
        purpose: str = "",
        shared_team_ids: list[str] | None = None,
    ) -> Channel:
        """Add a conversation. The bot is a member unless ``bot_is_member=False`` (then history and posting fail with ``not_in_channel``).

        For ``is_im`` the first member is the DM's user. ``is_ext_shared`` channels are shared with
        ``shared_team_ids`` (default: the workspace and ``T0EXTERNAL1``).
        """
        member_list = list(members)
        if bot_is_member and self.workspace.bot_user_id not in member_list:
            member_list.append(self.workspace.bot_user_id)
        shared = shared_team_ids or ([self.workspace.team_id, EXTERNAL_TEAM_ID] if is_ext_shared else [])
        channel = Channel(
            id=channel_id,
            name=name or channel_id.lower(),
            is_private=is_private or is_im,
            is_im=is_im,
            is_ext_shared=is_ext_shared,
            is_archived=is_archived,
            members=member_list,
            im_user=member_list[0] if is_im and member_list else None,
            topic=topic,
            purpose=purpose,
            shared_team_ids=shared,
        )
        self.workspace.channels[channel_id] = channel
        return channel

    def add_dm(self, user_id: str) -> Channel:
        """The bot's DM with ``user_id`` (id ``"D" + user_id``), created if needed."""
        return self.workspace.ensure_dm(user_id)

    def add_message(
        self,
        channel: str,
        ts: str | None = None,
        user: str | None = None,
        text: str = "",
        thread_ts: str | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """Put a message in ``channel``'s history (a thread reply when ``thread_ts`` is set); returns it.

        Extra ``fields`` (``blocks``, ``metadata``, ``bot_id``, ``subtype``, ``files``, ``team``, ``edited``...)
        are stored as given. ``ts`` defaults to a fresh one.
        """
        target = self.workspace.find_channel(channel)
        if target is None:
            raise KeyError(f"unknown channel {channel!r}; add_channel() it first")
        if ts is None:
            ts = self.workspace.next_ts()
        else:
            self.workspace.note_ts(ts)
        message: dict[str, Any] = {"type": "message", "ts": ts, "text": text}
        if user is not None:
            message["user"] = user
            author = self.workspace.users.get(user)
            message["team"] = author.team_id if author else self.workspace.team_id
        if thread_ts is not None:
            message["thread_ts"] = thread_ts
            parent = target.messages.get(thread_ts)
            if parent is not None:
                parent.setdefault("thread_ts", parent["ts"])
                if thread_ts != ts:
                    message["parent_user_id"] = parent.get("user", "")
        message.update(fields)
        target.messages[ts] = message
        return message

    def add_file(self, file_id: str, **spec: Any) -> dict[str, Any]:
        """Add a file for files.info (``name``, ``title``, ``mimetype``, ``filetype``, ``user``, ``channels``, ``content``...).

        On a started double its ``url_private(_download)`` point at the double, which serves ``content`` there
        to the bot token only (``file_downloads.py``); pass either URL to point elsewhere.
        """
        name = spec.get("name", f"{file_id}.txt")
        urls = file_urls(self.base_url, self.workspace.team_id, file_id, name) if self.port is not None else {}
        self.workspace.files[file_id] = {**urls, **spec}
        return self.workspace.files[file_id]

    # ----------------------------------------------------------------- inspection

    @property
    def calls(self) -> list[Call]:
        """Every Web API call received, in order."""
        return self.log.calls

    def calls_to(self, method: str, where: Callable[[Call], bool] | None = None) -> list[Call]:
        """Calls to ``method``, optionally filtered by ``where``."""
        return self.log.to(method, where)

    async def wait_for(
        self, method: str, count: int = 1, timeout: float = 5.0, where: Callable[[Call], bool] | None = None
    ) -> list[Call]:
        """Wait for ``count`` calls to ``method`` (the app may post from a background worker)."""
        return await self.log.wait_for(method, count, timeout, where)

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """All stored messages of ``channel`` (thread replies included), oldest first."""
        target = self.workspace.find_channel(channel)
        if target is None:
            raise KeyError(channel)
        return sorted(target.messages.values(), key=lambda m: float(m["ts"]))

    def posted(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Messages the bot posted (in ``channel``, or anywhere), oldest first."""
        channels = (
            [self.workspace.find_channel(channel)] if channel else list(self.workspace.channels.values())
        )
        found = [
            m for c in channels if c for m in c.messages.values() if m.get("bot_id") == self.workspace.bot_id
        ]
        return sorted(found, key=lambda m: float(m["ts"]))

    @property
    def views(self) -> list[dict[str, Any]]:
        """Every view published or opened, in order."""
        return self.workspace.views

    @property
    def home_views(self) -> dict[str, dict[str, Any]]:
        """The current App Home view per user id."""
        return self.workspace.home_views

    @property
    def ephemerals(self) -> list[dict[str, Any]]:
        """Ephemeral messages posted (never part of history)."""
        return self.workspace.ephemerals

    # ----------------------------------------------------------------- fault injection

    def fail_next(
        self,
        method: str,
        error: str = "ratelimited",
        status: int | None = None,
        retry_after: int | None = 1,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` calls to ``method`` fail with ``error``.

        ``status`` defaults to 429 for ``ratelimited`` (with a ``Retry-After: retry_after`` header) and to
        200 otherwise, as Slack answers errors with HTTP 200.
        """
        code = status if status is not None else (429 if error == "ratelimited" else 200)
        for _ in range(times):
            self._failures[method].append(Failure(error, code, retry_after if code == 429 else None))

    def enforce_rate_limits(self, *, window: float = 60.0, tiers: Mapping[int, int] = SLACK_TIER_LIMITS) -> None:
        """Answer HTTP 429 ``ratelimited`` with ``Retry-After`` once a method is over its tier's calls per ``window``.

        ``tiers`` maps a tier to its calls per window (default Slack's per minute: 1, 20, 50, 100); scale it down
        for tests, e.g. ``window=1.0, tiers={3: 5}``; ``tiers={}`` turns limits off. Count the 429s with
        ``calls_to(method, where=lambda c: c.status == 429)``.
        """
        self.rate_limits.enforce(window=window, limits=tiers)

    def set_latency(self, method: str, seconds: float) -> None:
        """Delay every answer to ``method`` by ``seconds`` (0 to clear)."""
        self._latency[method] = seconds

    # ----------------------------------------------------------------- response_url

    def new_response_url(self) -> str:
        """A ``response_url`` served by the double; POSTs to it land in ``response_posts``."""
        self._hooks += 1
        return f"{self.base_url}response_url/{self._hooks:06d}"

    async def _file_download(self, request: web.Request) -> web.Response:
        return await serve_file(request, workspace=self.workspace, bot_token=self.bot_token, log=self.log)

    async def _response_url(self, request: web.Request) -> web.Response:
        text = await request.text()
        try:
            body: Any = json.loads(text)
        except ValueError:
            body = text
        self.response_posts.append(ResponseUrlPost(request.match_info["hook_id"], body, request.content_type))
        await self.log.record(
            Call(
                "response_url",
                body if isinstance(body, dict) else {"body": body},
                None,
                "POST",
                request.content_type,
                response={"ok": True},
            )
        )
        return web.json_response({"ok": True})

    # ----------------------------------------------------------------- Socket Mode

    async def socket_send(
        self,
        envelope_type: str,
        payload: dict[str, Any],
        *,
        envelope_id: str | None = None,
        accepts_response_payload: bool | None = None,
        retry_attempt: int | None = None,
        retry_reason: str | None = None,
        timeout: float = 5.0,
    ) -> str:
        """Push an ``events_api`` / ``slash_commands`` / ``interactive`` envelope to the connected app; returns its envelope id."""
        envelope = build_envelope(
            envelope_type,
            payload,
            envelope_id=envelope_id,
            accepts_response_payload=accepts_response_payload,
            retry_attempt=retry_attempt,
            retry_reason=retry_reason,
        )
        return await self.socket.send(envelope, timeout=timeout)

    async def wait_for_ack(self, envelope_id: str, timeout: float = 5.0) -> dict[str, Any] | None:
        """The payload of the app's ack of ``envelope_id`` (None if it acked without a payload)."""
        return await self.socket.wait_for_ack(envelope_id, timeout)

    async def wait_for_socket(self, timeout: float = 5.0) -> None:
        """Wait until the app has connected over Socket Mode."""
        await self.socket.wait_connected(timeout)

    async def socket_disconnect(self, reason: str = "refresh_requested") -> None:
        """Send ``{"type": "disconnect"}`` to connected apps."""
        await self.socket.disconnect(reason)

    async def socket_drop(self) -> int:
        """Drop the app's Socket Mode connections abruptly; returns how many were dropped."""
        return await self.socket.drop()

    @property
    def acks(self) -> dict[str, dict[str, Any]]:
        """Socket Mode acks received, by envelope id."""
        return self.socket.acks

    # ----------------------------------------------------------------- the Web API endpoint

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        content_type = request.headers.get("Content-Type", "")
        try:
            raw, body_token = await _read_args(request)
        except SlackApiFailure as failure:
            raw, body_token = dict(request.query), None
            return await self._finish(method, raw, None, request, {"ok": False, "error": failure.error}, 200)
        token = _bearer(request) or body_token
        if method in self._latency and self._latency[method] > 0:
            await asyncio.sleep(self._latency[method])
        status = 200
        headers: dict[str, str] = {}
        try:
            body = self._dispatch(method, raw, token)
            if (
                body.get("ok")
                and content_type.startswith("application/json")
                and "charset" not in content_type
            ):
                body["warning"] = "missing_charset"
                body.setdefault("response_metadata", {})["warnings"] = ["missing_charset"]
        except SlackApiFailure as failure:
            body = {"ok": False, "error": failure.error, **failure.extra}
            status = failure.status
            if status == 429:
                headers["Retry-After"] = str(failure.extra.get("_retry_after", 1))
                body.pop("_retry_after", None)
        return await self._finish(method, raw, token, request, body, status, headers)

    def _dispatch(self, method: str, raw: dict[str, Any], token: str | None) -> dict[str, Any]:
        if method not in METHODS and method not in APP_TOKEN_METHODS:
            raise SlackApiFailure("unknown_method", extra={"req_method": method})
        self._check_token(method, token)
        if self._failures[method]:
            failure = self._failures[method].popleft()
            extra = {"_retry_after": failure.retry_after} if failure.retry_after is not None else {}
            raise SlackApiFailure(failure.error, status=failure.status, extra=extra)
        retry_after = self.rate_limits.check(method)
        if retry_after is not None:
            raise SlackApiFailure("ratelimited", status=429, extra={"_retry_after": retry_after})
        if method == "apps.connections.open":
            ticket = self.socket.new_ticket()
            return {
                "ok": True,
                "url": f"ws://{self.host}:{self.port}/link/?ticket={ticket}&app_id={self.workspace.app_id}",
            }
        return METHODS[method](self.workspace, raw)

    def _check_token(self, method: str, token: str | None) -> None:
        if not token:
            raise SlackApiFailure("not_authed")
        expected = self.app_token if method in APP_TOKEN_METHODS else self.bot_token
        if token == expected:
            return
        if token in (self.app_token, self.bot_token):
            raise SlackApiFailure("not_allowed_token_type")
        raise SlackApiFailure("invalid_auth")

    async def _finish(
        self,
        method: str,
        raw: dict[str, Any],
        token: str | None,
        request: web.Request,
        body: dict[str, Any],
        status: int,
        headers: dict[str, str] | None = None,
    ) -> web.Response:
        call = Call(
            method=method,
            params=decode_json_args(raw),
            token=token,
            http_method=request.method,
            content_type=request.headers.get("Content-Type", ""),
            raw=raw,
            response=body,
            status=status,
        )
        await self.log.record(call)
        return web.json_response(body, status=status, headers=headers)


def _bearer(request: web.Request) -> str | None:
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip() or None
    return None


async def _read_args(request: web.Request) -> tuple[dict[str, Any], str | None]:
    """Query and body arguments merged, and a ``token`` argument if one was sent (form or query only)."""
    args: dict[str, Any] = dict(request.query)
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            try:
                data = json.loads(await request.text() or "{}")
            except ValueError:
                raise SlackApiFailure("invalid_json") from None
            if not isinstance(data, dict):
                raise SlackApiFailure("json_not_object")
            data.pop("token", None)  # Slack ignores a token in a JSON body
            args.update(data)
        else:
            form = await request.post()
            args.update({k: v for k, v in form.items() if isinstance(v, str)})
    token = args.pop("token", None)
    return args, token
