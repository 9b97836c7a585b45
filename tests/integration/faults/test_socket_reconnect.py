"""Socket Mode after the connection goes: a goodbye from Slack ("disconnect") or a plain drop.

The app opens a new connection (apps.connections.open again) and the next event is taken in once."""

from __future__ import annotations

import asyncio

import pytest

from bot.settings import Settings
from bot.store.models import Source
from tests.integration.harness import CUSTOMER, SHARED, Tandem, running_tandem
from tests.slack_double.events import message


async def _reconnected(tandem: Tandem, opened_before: int, timeout: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while len(tandem.slack.calls_to("apps.connections.open")) <= opened_before:
        assert asyncio.get_running_loop().time() < deadline, "the app did not reconnect"
        await asyncio.sleep(0.05)
    await tandem.slack.wait_for_socket(timeout)


@pytest.mark.parametrize("how", ["goodbye", "drop"])
async def test_socket_mode_reconnects_and_keeps_taking_events(settings: Settings, how: str) -> None:
    async with running_tandem(settings, "socket") as tandem:
        await tandem.command("link acme")
        await tandem.responses(1)
        opened = len(tandem.slack.calls_to("apps.connections.open"))
        if how == "goodbye":
            await tandem.slack.socket_disconnect()
        else:
            assert await tandem.slack.socket_drop() == 1
        await _reconnected(tandem, opened)
        reply, _ = await tandem.event(message(SHARED, CUSTOMER, "The SSO metadata file arrives on Friday.",
                                              ts="1790000000.000100"))
        assert reply.status == 200
        await tandem.settle()
        assert [s.external_id for s in tandem.rows(Source) if s.channel_id == SHARED] == [f"{SHARED}:1790000000.000100"]
