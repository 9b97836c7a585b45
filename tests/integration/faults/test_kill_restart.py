"""kill -9 of a real `tandem serve --http` mid-ingest, then a restart on the same store: every event ends
stored once and every reply posted once (work held by the dead worker returns when its lease runs out)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlmodel import select

from bot.outbox import SLACK_POST
from bot.settings import Settings
from bot.store.db import make_engine, session_scope
from bot.store.models import ProcessedEvent, Source, WorkItem
from tests.integration.faults.scenario import HAND_OFF, IM_DM
from tests.integration.harness import CUSTOMER, IM, SHARED, SIGNING_SECRET, seed_workspace
from tests.integration.serving import wait_until_healthy
from tests.slack_double import SlackDouble, SlackSender, slash_command
from tests.slack_double.events import app_mention, event_callback, message

BURST = 12  # customer messages sent before the kill
LEASE_SECONDS = 2  # TANDEM_WORK_LEASE_SECONDS for the test: work of the killed worker returns after it


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@asynccontextmanager
async def _serving(settings: Settings, slack: SlackDouble, port: int) -> AsyncIterator[asyncio.subprocess.Process]:
    """`tandem serve --http` on `port`, up once /healthz answers; killed (if still alive) on the way out."""
    env = {**os.environ, "SLACK_API_URL": slack.api_url, "SLACK_BOT_TOKEN": slack.bot_token,
           "SLACK_SIGNING_SECRET": SIGNING_SECRET, "DATABASE_URL": settings.effective_database_url,
           "TANDEM_DATA_DIR": str(settings.tandem_data_dir), "TANDEM_WORK_LEASE_SECONDS": str(LEASE_SECONDS),
           "TANDEM_WORKER_POLL_SECONDS": "0.1", "BACKFILL_CALLS_PER_MINUTE": "6000"}
    env.pop("SLACK_APP_TOKEN", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "serve", "--http", "--host", "127.0.0.1", "--port", str(port), env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    try:
        await wait_until_healthy(port, timeout=24)
        yield process
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
            await asyncio.wait_for(process.wait(), timeout=30)


def _rows(url: str, model: type) -> list[Any]:
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            return list(session.exec(select(model)).all())
    finally:
        engine.dispose()


async def _wait_until(condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(condition):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


async def test_kill_9_mid_ingest_then_restart_loses_and_doubles_nothing(settings: Settings) -> None:
    url = settings.effective_database_url
    async with SlackDouble() as slack:
        seed_workspace(slack)
        port = _free_port()
        app_url = f"http://127.0.0.1:{port}/slack/events"
        messages = [message(SHARED, CUSTOMER, f"Item {n}: please send the signed import sheet.",
                            ts=f"17672257{n:02d}.000100") for n in range(BURST)]
        mention = app_mention(SHARED, CUSTOMER, "<@U0TANDEMBOT> when is our go-live?", ts="1767225799.000100")
        envelopes = [event_callback(e, is_ext_shared_channel=True) for e in (*messages, mention)]
        for event in messages:
            slack.add_message(SHARED, ts=event["ts"], user=CUSTOMER, text=event["text"])

        async with _serving(settings, slack, port) as first, SlackSender(app_url, SIGNING_SECRET) as sender:
            linked = await sender.send_command(slash_command("link acme", user_id=IM, channel_id=SHARED,
                                                             response_url=slack.new_response_url()))
            assert linked.status == 200
            await slack.wait_for("response_url", timeout=30)
            slack.set_latency("chat.getPermalink", 0.4)  # each message's work now takes a while
            acks = await asyncio.gather(*(sender.send_event(e) for e in envelopes))
            assert [a.status for a in acks] == [200] * len(envelopes)
            await _wait_until(lambda: len(_rows(url, Source)) >= 2
                              and any(w.status == "running" for w in _rows(url, WorkItem)),
                              20, "the first sources, with work in hand")  # a loaded host has gaps between items
            first.send_signal(signal.SIGKILL)
            await first.wait()
        unfinished = [w for w in _rows(url, WorkItem) if w.status != "done"]
        assert any(w.status == "running" for w in unfinished), "the kill found no work in hand"
        assert len(_rows(url, Source)) < BURST
        slack.set_latency("chat.getPermalink", 0)

        async with _serving(settings, slack, port):
            await _wait_until(lambda: all(w.status == "done" for w in _rows(url, WorkItem))
                              and len(slack.posted(IM_DM)) >= 1, 40, "the queue to drain after the restart")
            await asyncio.sleep(0.5)  # a doubled post would show up now

    assert sorted(s.external_id for s in _rows(url, Source)) == sorted(f"{SHARED}:{m['ts']}" for m in messages)
    seen = _rows(url, ProcessedEvent)
    assert {e.event_id for e in seen if e.kind != SLACK_POST} == {e["event_id"] for e in envelopes}
    assert len([e for e in seen if e.kind == SLACK_POST]) == len([w for w in _rows(url, WorkItem)
                                                                  if w.kind == SLACK_POST])
    shared = [m["text"] for m in slack.posted(SHARED)]
    assert len(shared) == 2 and "linked to *Acme*" in shared[0] and HAND_OFF in shared[1], shared
    assert len(slack.posted(IM_DM)) == 1
