"""The Socket Mode end of the double: the WebSocket an app reaches through apps.connections.open.

Protocol (Slack docs, "Using Socket Mode"): on connect Slack sends ``{"type": "hello", ...}``; it then
pushes envelopes ``{"envelope_id", "type": "events_api" | "slash_commands" | "interactive", "payload",
"accepts_response_payload"[, "retry_attempt", "retry_reason"]}``; the app acknowledges each with
``{"envelope_id": ..., "payload": {...}?}``. ``{"type": "disconnect", "reason": ...}`` asks it to reconnect.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

ENVELOPE_TYPES = ("events_api", "slash_commands", "interactive")


def build_envelope(
    envelope_type: str,
    payload: dict[str, Any],
    *,
    envelope_id: str | None = None,
    accepts_response_payload: bool | None = None,
    retry_attempt: int | None = None,
    retry_reason: str | None = None,
) -> dict[str, Any]:
    """A Socket Mode envelope around ``payload`` (an Events API envelope, a slash command, an interaction).

    ``events_api`` envelopes carry ``retry_attempt``/``retry_reason`` (0 and "" on first delivery) and do
    not accept a response payload; ``slash_commands`` and ``interactive`` ones do.
    """
    if envelope_type not in ENVELOPE_TYPES:
        raise ValueError(
            f"unknown Socket Mode envelope type {envelope_type!r}; expected one of {ENVELOPE_TYPES}"
        )
    envelope: dict[str, Any] = {
        "envelope_id": envelope_id or str(uuid.uuid4()),
        "payload": payload,
        "type": envelope_type,
        "accepts_response_payload": (
            accepts_response_payload
            if accepts_response_payload is not None
            else envelope_type != "events_api"
        ),
    }
    if envelope_type == "events_api":
        envelope["retry_attempt"] = retry_attempt or 0
        envelope["retry_reason"] = retry_reason or ""
    return envelope


class SocketHub:
    """Open Socket Mode connections, the tickets that allow them, and the acks received."""

    def __init__(self, app_id_source: Callable[[], str]) -> None:
        self._app_id = app_id_source
        self.tickets: set[str] = set()
        self.connections: list[web.WebSocketResponse] = []
        #: ack messages by envelope id, as the app sent them
        self.acks: dict[str, dict[str, Any]] = {}
        #: everything else the app sent over the socket (parsed JSON, or the raw text)
        self.other_messages: list[Any] = []
        self.sent: list[dict[str, Any]] = []
        self._changed: asyncio.Condition | None = None

    def _condition(self) -> asyncio.Condition:
        if self._changed is None:
            self._changed = asyncio.Condition()
        return self._changed

    async def _notify(self) -> None:
        async with self._condition():
            self._condition().notify_all()

    async def _wait(self, predicate: Callable[[], bool], timeout: float) -> bool:
        cond = self._condition()
        async with cond:
            try:
                await asyncio.wait_for(cond.wait_for(predicate), timeout)
            except TimeoutError:
                return False
        return True

    def new_ticket(self) -> str:
        """Issue a one-connection ticket for the WebSocket URL."""
        ticket = uuid.uuid4().hex
        self.tickets.add(ticket)
        return ticket

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """The ``/link/?ticket=...`` WebSocket endpoint."""
        ticket = request.query.get("ticket", "")
        if ticket not in self.tickets:
            return web.Response(status=401, text="invalid ticket")
        self.tickets.discard(ticket)
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.connections.append(ws)
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": len(self.connections),
                "debug_info": {
                    "host": "applink-tandem-double",
                    "build_number": 1,
                    "approximate_connection_time": 18060,
                },
                "connection_info": {"app_id": self._app_id()},
            }
        )
        await self._notify()
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    await self._received(msg.data)
        finally:
            if ws in self.connections:
                self.connections.remove(ws)
            await self._notify()
        return ws

    async def _received(self, text: str) -> None:
        try:
            data = json.loads(text)
        except ValueError:
            data = text
        if isinstance(data, dict) and "envelope_id" in data:
            self.acks[str(data["envelope_id"])] = data
        else:
            self.other_messages.append(data)
        await self._notify()

    async def wait_connected(self, timeout: float = 5.0) -> None:
        """Wait until an app is connected; AssertionError on timeout."""
        if not await self._wait(lambda: bool(self.connections), timeout):
            raise AssertionError(f"no Socket Mode connection within {timeout}s")

    async def send(self, envelope: dict[str, Any], *, timeout: float = 5.0) -> str:
        """Send ``envelope`` on the newest connection (waiting for one); returns its envelope id."""
        await self.wait_connected(timeout)
        await self.connections[-1].send_json(envelope)
        self.sent.append(envelope)
        return str(envelope["envelope_id"])

    async def wait_for_ack(self, envelope_id: str, timeout: float = 5.0) -> dict[str, Any] | None:
        """The ``payload`` of the app's ack of ``envelope_id`` (None when it acked without one)."""
        if not await self._wait(lambda: envelope_id in self.acks, timeout):
            raise AssertionError(
                f"envelope {envelope_id} not acknowledged within {timeout}s; acks: {sorted(self.acks)}"
            )
        return self.acks[envelope_id].get("payload")

    async def disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask connected apps to reconnect, as Slack does before refreshing a connection."""
        for ws in list(self.connections):
            await ws.send_json(
                {"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-tandem-double"}}
            )

    async def drop(self) -> int:
        """Drop every connection without a goodbye (a network failure): the app must notice and reconnect."""
        dropped = list(self.connections)
        for ws in dropped:
            await ws.close(code=WSCloseCode.ABNORMAL_CLOSURE, message=b"dropped")
        return len(dropped)

    async def close_all(self) -> None:
        """Close every connection (server shutdown)."""
        for ws in list(self.connections):
            await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")
