"""The real app in HTTP mode on a free port, talking to the Slack double; helpers to drive and wait."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from sqlmodel import select

from bot.app import Runtime, SocketModeRunner, create_app, http_application
from bot.clock import Clock
from bot.container import Container
from bot.settings import Settings
from bot.store.db import session_scope
from tests.slack_double import SlackDouble, SlackSender, slash_command
from tests.slack_double.events import event_callback

SIGNING_SECRET = "test-signing-secret"
IM = "U0IMANNA01"
TEAMMATE = "U0TEAMMATE"
CUSTOMER = "U0CUSTBEN1"
SHARED = "C0SHARED01"
INTERNAL = "C0INTERNAL"
LEAD = "ULEAD"


@dataclass(frozen=True)
class SocketReply:
    """What the app acked over Socket Mode, shaped like an HTTP reply."""

    payload: dict[str, Any] | None
    status: int = 200

    def json(self) -> dict[str, Any]:
        """The ack's payload."""
        return self.payload or {}


@dataclass
class Tandem:
    """A running app, the Slack double it talks to, and a way to send what Slack sends (HTTP or Socket Mode)."""

    slack: SlackDouble
    sender: SlackSender
    container: Container
    runtime: Runtime
    app_url: str
    mode: str = "http"

    async def _socket(self, envelope_type: str, payload: dict[str, Any], **options: Any) -> SocketReply:
        envelope_id = await self.slack.socket_send(envelope_type, payload, **options)
        return SocketReply(await self.slack.wait_for_ack(envelope_id))

    async def command(self, text: str, *, user: str = IM, channel: str = SHARED, trigger_id: str | None = None,
                      **options: Any):
        """Send `/tandem <text>` with a response URL on the double (and `trigger_id`, when given)."""
        fields = slash_command(text, user_id=user, channel_id=channel, response_url=self.slack.new_response_url(),
                               trigger_id=trigger_id)
        if self.mode == "socket":
            return await self._socket("slash_commands", dict(fields))
        return await self.sender.send_command(fields, **options)

    async def event(self, event: dict[str, Any], **options: Any):
        """Send one Events API delivery (a new user message also lands in the double's history)."""
        if event.get("type") == "message" and not event.get("subtype") and event.get("channel") and event.get("ts"):
            fields = {k: event[k] for k in ("thread_ts",) if k in event}
            self.slack.add_message(event["channel"], ts=event["ts"], user=event.get("user"), text=event["text"], **fields)
        envelope = event_callback(event, is_ext_shared_channel=event.get("channel") == SHARED)
        if self.mode == "socket":
            retry = {"retry_attempt": options["retry_num"], "retry_reason": options.get("retry_reason")} \
                if "retry_num" in options else {}
            return await self._socket("events_api", envelope, **retry), envelope
        return await self.sender.send_event(envelope, **options), envelope

    async def redeliver(self, envelope: dict[str, Any]):
        """Send the same envelope again, as Slack's retry does."""
        if self.mode == "socket":
            return await self._socket("events_api", envelope, retry_attempt=1, retry_reason="timeout")
        return await self.sender.send_event(envelope, retry_num=1, retry_reason="http_timeout")

    async def interaction(self, payload: dict[str, Any], **options: Any):
        """Send an interactivity payload (block_actions, message_action, view_submission); returns the ack."""
        if self.mode == "socket":
            return await self._socket("interactive", payload)
        return await self.sender.send_interaction(payload, **options)

    async def settle(self, timeout: float = 10.0) -> None:
        """Wait until the worker has run every queued item that is due."""
        deadline = asyncio.get_running_loop().time() + timeout
        if self.runtime.intake is not None:
            await asyncio.wait_for(self.runtime.intake.settled(), timeout)
        while True:
            counts = await asyncio.to_thread(self.container.queue.counts, self.runtime.worker.kinds)
            if not counts.get("queued") and not counts.get("running"):
                return
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"queue did not settle: {counts}")
            self.runtime.worker.wake()
            await asyncio.sleep(0.05)

    async def responses(self, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Wait for `count` response_url posts and return their bodies."""
        deadline = asyncio.get_running_loop().time() + timeout
        while len(self.slack.response_posts) < count:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"only {len(self.slack.response_posts)} response_url posts")
            await asyncio.sleep(0.02)
        return [post.body for post in self.slack.response_posts]

    def rows(self, model: type) -> list[Any]:
        """Every row of a table."""
        with session_scope(self.container.engine) as session:
            return list(session.exec(select(model)).all())


def seed_workspace(slack: SlackDouble) -> None:
    """An IM, a teammate, a customer user, a shared and an internal channel."""
    slack.add_user(IM, "anna", "Anna Example", tz="Europe/Berlin", email="anna@vendor.example")
    slack.add_user(TEAMMATE, "tim", "Tim Example", tz="America/Chicago")
    slack.add_user(CUSTOMER, "ben", "Ben Customer", tz="America/New_York", is_external=True,
                   email="ben@customer.example")
    slack.add_user(LEAD, "lena", "Lena Lead", tz="Europe/London")
    slack.add_channel(SHARED, "ext-acme", is_ext_shared=True, members=[IM, CUSTOMER])
    slack.add_channel(INTERNAL, "int-acme", members=[IM, TEAMMATE])


@asynccontextmanager
async def running_tandem(settings: Settings, mode: str = "http", clock: Clock | None = None) -> AsyncIterator[Tandem]:
    """Start the double, then the app against it in HTTP or Socket Mode; stop both after."""
    async with SlackDouble() as slack:
        seed_workspace(slack)
        # backfills of linked channels unpaced (tests/integration/test_backfill.py tests the pacing)
        wired = settings.model_copy(update={"slack_api_url": slack.api_url, "tandem_worker_poll_seconds": 0.05,
                                            "backfill_calls_per_minute": 60000.0})
        container = Container(wired, clock=clock)
        container.migrate()
        runtime = create_app(container)
        runner = web.AppRunner(http_application(runtime, with_scheduler=False), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        app_url = f"http://127.0.0.1:{runner.addresses[0][1]}/slack/events"
        socket = SocketModeRunner(runtime, slack.app_token, with_scheduler=False) if mode == "socket" else None
        if socket is not None:
            await socket.start()
            await slack.wait_for_socket()
        async with SlackSender(app_url, SIGNING_SECRET) as sender:
            try:
                yield Tandem(slack, sender, container, runtime, app_url, mode)
            finally:
                if socket is not None:
                    await socket.stop()
                await runner.cleanup()
                container.close()
