"""Two app replicas in HTTP mode on one PostgreSQL and one Chroma server, behind no sticky load balancer:
a redelivery storm spread over both, edits, commands, and both schedulers firing at the same moment.
Every event is stored once, every piece of work runs once, every digest and nudge is posted once."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp import web
from sqlmodel import select

from bot.app import Runtime, create_app, http_application
from bot.clock import FixedClock
from bot.container import Container
from bot.outbox import SLACK_POST
from bot.settings import Settings
from bot.store.db import session_scope
from bot.store.models import DigestSent, Item, Nudge, ProcessedEvent, Source, WorkItem
from handlers.ids import DIGEST_EVENT_TYPE, NUDGE_EVENT_TYPE
from tests.integration.harness import (
    CUSTOMER,
    IM,
    INTERNAL,
    LEAD,
    SHARED,
    SIGNING_SECRET,
    TEAMMATE,
    seed_workspace,
)
from tests.slack_double import SlackDouble, SlackSender, slash_command
from tests.slack_double.events import event_callback, message, message_changed

MONDAY = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
THURSDAY_AFTERNOON = datetime(2026, 6, 4, 14, 0, tzinfo=UTC)  # every recipient is past 08:30 local; items stalled
MESSAGES = [  # (channel, author, text): the IM's customer channel and the teammate's internal one
    (SHARED, IM, "I'll send the revised field mapping by Wednesday."),
    (SHARED, CUSTOMER, "We are blocked on the SSO approval from our security team."),
    (SHARED, CUSTOMER, "We decided to go with CSV exports for the invoices."),
    (SHARED, IM, "Ben, can you confirm the go-live date by Friday?"),
    (INTERNAL, TEAMMATE, "I'll prepare the sandbox credentials by Tuesday."),
    (INTERNAL, TEAMMATE, "We are blocked until legal signs the data processing agreement."),
]
EDITS = {2: "We decided to go with CSV exports for the invoices and the credit notes.",
         4: "I'll prepare the sandbox credentials and the test users by Tuesday."}


@dataclass
class Replica:
    """One app instance: its own container, Bolt app, worker and HTTP server."""

    container: Container
    runtime: Runtime
    runner: web.AppRunner
    url: str

    def idle(self) -> bool:
        """Whether nothing is queued or running on the shared queue."""
        counts = self.container.queue.counts()
        return not counts.get("queued") and not counts.get("running")


@asynccontextmanager
async def running_replica(settings: Settings, clock: FixedClock, name: str) -> AsyncIterator[Replica]:
    """An app in HTTP mode on a free port, with its worker running (the scheduler is driven by the test)."""
    container = Container(settings, clock=clock)
    container.worker_id = f"replica-{name}"  # two hosts in production; one process here
    await asyncio.to_thread(container.migrate)
    runtime = create_app(container)
    runner = web.AppRunner(http_application(runtime, with_scheduler=False), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield Replica(container, runtime, runner, f"http://127.0.0.1:{runner.addresses[0][1]}/slack/events")
    finally:
        await runner.cleanup()
        container.close()


async def _settle(replicas: list[Replica], timeout: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not all(await asyncio.gather(*(asyncio.to_thread(r.idle) for r in replicas))):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"queue did not settle: {replicas[0].container.queue.counts()}")
        for replica in replicas:
            replica.runtime.worker.wake()
        await asyncio.sleep(0.05)


def _rows(replica: Replica, model: type) -> list[Any]:
    with session_scope(replica.container.engine) as session:
        return list(session.exec(select(model)).all())


async def _storm(sender: SlackSender, replicas: list[Replica], envelopes: list[dict[str, Any]]) -> None:
    """Each envelope to both replicas at once (the second as Slack's retry); every other one twice more."""
    deliveries = []
    for number, envelope in enumerate(envelopes):
        targets = [(0, None), (1, 1)] + ([(1, 2), (0, 3)] if number % 2 == 0 else [])
        deliveries += [sender.send_event(envelope, url=replicas[r].url, retry_num=retry) for r, retry in targets]
    replies = await asyncio.gather(*deliveries)
    assert [reply.status for reply in replies] == [200] * len(deliveries)


@pytest.fixture
async def two_replicas(settings: Settings, chroma_url: str) -> AsyncIterator[tuple[SlackDouble, list[Replica]]]:
    """The Slack double and two replicas on one PostgreSQL schema and one Chroma server."""
    if not settings.effective_database_url.startswith("postgresql"):
        pytest.skip("replicas share PostgreSQL (TANDEM_TEST_DATABASE_URL); SQLite is one process's")
    clock = FixedClock(MONDAY)
    async with SlackDouble() as slack:
        seed_workspace(slack)
        wired = settings.model_copy(update={"slack_api_url": slack.api_url, "chroma_url": chroma_url,
                                            "tandem_worker_poll_seconds": 0.05,
                                            "backfill_calls_per_minute": 60000.0})
        async with running_replica(wired, clock, "a") as first, running_replica(wired, clock, "b") as second:
            yield slack, [first, second]


async def test_two_replicas_process_everything_once(two_replicas) -> None:
    slack, replicas = two_replicas
    clock = replicas[0].container.clock
    assert isinstance(clock, FixedClock)
    async with SlackSender(replicas[0].url, SIGNING_SECRET) as sender:
        links = [(IM, SHARED, "link acme", 0), (TEAMMATE, INTERNAL, "link globex", 1)]
        for user, channel, text, replica in links:
            reply = await sender.send_command(slash_command(text, user_id=user, channel_id=channel,
                                                            response_url=slack.new_response_url()),
                                              url=replicas[replica].url)
            assert reply.status == 200
        await _settle(replicas)

        originals = []
        for number, (channel, user, text) in enumerate(MESSAGES):
            event = message(channel, user, text, ts=f"{MONDAY.timestamp() + number:.6f}")
            slack.add_message(channel, ts=event["ts"], user=user, text=text)
            originals.append(event)
        await _storm(sender, replicas, [event_callback(e, is_ext_shared_channel=e["channel"] == SHARED)
                                        for e in originals])
        await _settle(replicas)
        edits = [message_changed(originals[n]["channel"], {**originals[n], "text": text}, originals[n],
                                 ts=f"{MONDAY.timestamp() + 600 + n:.6f}") for n, text in EDITS.items()]
        await _storm(sender, replicas, [event_callback(e, is_ext_shared_channel=e["channel"] == SHARED)
                                        for e in edits])
        await _settle(replicas)

        commands = [(IM, SHARED, "blockers acme", 0), (IM, SHARED, "next", 1), (TEAMMATE, INTERNAL, "status", 0)]
        for user, channel, text, replica in commands:
            reply = await sender.send_command(slash_command(text, user_id=user, channel_id=channel,
                                                            response_url=slack.new_response_url()),
                                              url=replicas[replica].url)
            assert reply.status == 200

        clock.moment = THURSDAY_AFTERNOON  # both schedulers fire at the same moment
        digests_a, digests_b, nudges_a, nudges_b = await asyncio.gather(
            replicas[0].runtime.digest.run_once(), replicas[1].runtime.digest.run_once(),
            replicas[0].runtime.nudges.run_once(), replicas[1].runtime.nudges.run_once())
        await _settle(replicas)

    # every event's source stored once, with the edit applied
    sources = _rows(replicas[0], Source)
    assert sorted(s.external_id for s in sources) == sorted({s.external_id for s in sources})
    assert len(sources) == len(MESSAGES)
    texts = {s.text for s in sources}
    assert {EDITS[2], EDITS[4]} <= texts and MESSAGES[2][2] not in texts
    seen = _rows(replicas[0], ProcessedEvent)
    assert len([e for e in seen if e.kind != SLACK_POST]) == len(MESSAGES) + len(EDITS)
    assert len([e for e in seen if e.kind == SLACK_POST]) == len([w for w in _rows(replicas[0], WorkItem)
                                                                  if w.kind == SLACK_POST])

    # every piece of queued work ran once (a second claim would count a second attempt)
    work = _rows(replicas[0], WorkItem)
    assert work and all(w.status == "done" and w.attempts == 1 for w in work), \
        [(w.kind, w.status, w.attempts, w.last_error) for w in work if w.status != "done" or w.attempts != 1]

    # no duplicate items
    items = [(i.account_id, i.kind, i.summary) for i in _rows(replicas[0], Item) if i.status != "withdrawn"]
    assert len(items) == len(set(items)) and items

    # each digest and each nudge posted exactly once
    posts = slack.calls_to("chat.postMessage")
    digest_posts = Counter(p.params["channel"] for p in posts
                           if (p.params.get("metadata") or {}).get("event_type") == DIGEST_EVENT_TYPE)
    assert sorted(digests_a + digests_b) == sorted({IM, TEAMMATE, LEAD})
    assert digest_posts == Counter({f"D{IM}": 1, f"D{TEAMMATE}": 1, f"D{LEAD}": 1})
    assert [r.status for r in _rows(replicas[0], DigestSent)] == ["sent"] * 3
    nudged = nudges_a + nudges_b
    assert len(nudged) == len(set(nudged)) and {kind for kind, _ in nudged} >= {"nudge"}
    nudge_posts = [p for p in posts if (p.params.get("metadata") or {}).get("event_type") == NUDGE_EVENT_TYPE]
    nudge_rows = _rows(replicas[0], Nudge)
    assert len(nudge_posts) == len(nudge_rows) == len(nudged)
    assert all(r.status == "sent" for r in nudge_rows)
    assert {f"D{IM}", f"D{TEAMMATE}"} <= {p.params["channel"] for p in nudge_posts}

    # the shared Chroma server holds each account's sources, indexed by either replica
    vectors = replicas[1].container.retriever.search_index.vectors
    assert vectors.source_ids("acme") | vectors.source_ids("globex") == {s.external_id for s in sources}

    # no response_url got two answers
    hooks = Counter(post.hook_id for post in slack.response_posts)
    assert hooks and max(hooks.values()) == 1
