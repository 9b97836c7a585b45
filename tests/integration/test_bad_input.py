"""Bad input gets a clear answer and loses nothing: malformed payloads, huge and empty messages."""

from __future__ import annotations

import aiohttp

from bot.store.models import Item, Source, WorkItem
from tests.integration.harness import CUSTOMER, SHARED, Tandem
from tests.slack_double.events import message


async def _link(tandem: Tandem) -> None:
    await tandem.command("link acme")
    await tandem.responses(1)


async def test_huge_and_empty_messages(tandem: Tandem) -> None:
    await _link(tandem)
    huge = "We are blocked until security approves the SSO app. " + "Filler words about the rollout plan. " * 800
    await tandem.event(message(SHARED, CUSTOMER, huge))
    await tandem.event(message(SHARED, CUSTOMER, "   "))
    await tandem.settle(timeout=120)
    [source] = tandem.rows(Source)
    assert len(source.text) == len(huge)
    assert [i.kind for i in tandem.rows(Item) if i.kind == "blocker"] == ["blocker"]
    await tandem.command("blockers")
    [_, answer] = await tandem.responses(2)
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in answer["blocks"])
    assert {w.status for w in tandem.rows(WorkItem)} == {"done"}


async def test_malformed_event_is_acked_and_dropped_without_a_trace_of_failure(tandem: Tandem) -> None:
    await _link(tandem)
    broken = {"type": "message", "channel": SHARED, "text": "no user and no ts"}
    reply, _ = await tandem.event(broken)
    assert reply.status == 200
    await tandem.settle()
    assert tandem.rows(Source) == []
    assert {w.status for w in tandem.rows(WorkItem)} == {"done"}


async def test_garbage_body_is_rejected_without_crashing(http_tandem: Tandem) -> None:
    reply = await http_tandem.sender.post(b"{not json", "application/json")
    assert reply.status in (400, 401, 404)
    async with aiohttp.ClientSession() as session:
        async with session.get(http_tandem.app_url.replace("/slack/events", "/healthz")) as health:
            assert health.status == 200
