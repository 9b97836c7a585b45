"""Linking a channel backfills its history: paced to Slack's tier, resumable, once per channel, with progress."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import pytest
from aiohttp import web

from bot.app import create_app, http_application
from bot.container import Container
from bot.settings import Settings
from bot.store.models import Item, Source, StagedRecord, SyncCursor
from handlers import backfill
from handlers.backfill import HISTORY, REPLIES, BackfillState, cursor_name
from handlers.history_slices import ts_to_micros
from tests.integration.harness import CUSTOMER, IM, SHARED, SIGNING_SECRET, TEAMMATE, Tandem, seed_workspace
from tests.slack_double import Call, SlackDouble, SlackSender
from tests.slack_double.web_write import chat_get_permalink

BOT_USER, BOT_ID = "U0TANDEMBOT", "B0TANDEMBOT"
DAY = 86400.0


@dataclass(frozen=True)
class Seeded:
    """What the channel holds: the ids every human message in the window must be stored under."""

    expected: set[str]
    thread_replies: dict[str, str]  # reply external id -> its root's external id
    skipped: set[str]  # bots, joins, and a message older than the window


def seed_history(slack: SlackDouble, *, top_level: int = 400, threads: int = 10, replies: int = 5) -> Seeded:
    """`top_level` human messages over the last 80 days, `threads` of them with `replies` each, plus noise."""
    authors = [IM, CUSTOMER, TEAMMATE]
    start = time.time() - 80 * DAY
    step = 80 * DAY / top_level
    expected: set[str] = set()
    thread_replies: dict[str, str] = {}
    roots: list[str] = []
    for n in range(top_level):
        ts = f"{start + n * step:.6f}"
        slack.add_message(SHARED, ts=ts, user=authors[n % 3], text=f"Update {n}: the sample import batch {n} is on track.")
        expected.add(f"{SHARED}:{ts}")
        if n % (top_level // threads) == 0 and len(roots) < threads:
            roots.append(ts)
    for root in roots:
        for r in range(replies):
            ts = f"{float(root) + 60 * (r + 1):.6f}"
            slack.add_message(SHARED, ts=ts, user=authors[r % 3], text=f"Reply {r} about the batch.", thread_ts=root)
            expected.add(f"{SHARED}:{ts}")
            thread_replies[f"{SHARED}:{ts}"] = f"{SHARED}:{root}"
    skipped = set()
    for n in range(5):
        bot = slack.add_message(SHARED, ts=f"{start + n * step + 1:.6f}", user=BOT_USER, text="Reminder", bot_id=BOT_ID,
                                subtype="bot_message")
        join = slack.add_message(SHARED, ts=f"{start + n * step + 2:.6f}", user=TEAMMATE,
                                 text="<@U0TEAMMATE> has joined the channel", subtype="channel_join")
        skipped |= {f"{SHARED}:{bot['ts']}", f"{SHARED}:{join['ts']}"}
    old = slack.add_message(SHARED, ts=f"{time.time() - 120 * DAY:.6f}", user=CUSTOMER, text="Long ago.")
    skipped.add(f"{SHARED}:{old['ts']}")
    return Seeded(expected, thread_replies, skipped)


@pytest.fixture
async def slack() -> AsyncIterator[SlackDouble]:
    """The seeded Slack double, shared by every app a test starts."""
    async with SlackDouble() as double:
        seed_workspace(double)
        yield double


@asynccontextmanager
async def tandem_on(slack: SlackDouble, settings: Settings, *, calls_per_minute: float) -> AsyncIterator[Tandem]:
    """The app in HTTP mode against `slack`; a second one on the same settings is a restart."""
    wired = settings.model_copy(update={"slack_api_url": slack.api_url, "tandem_worker_poll_seconds": 0.05,
                                        "backfill_calls_per_minute": calls_per_minute})
    container = Container(wired)
    container.migrate()
    runtime = create_app(container)
    runner = web.AppRunner(http_application(runtime, with_scheduler=False), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    app_url = f"http://127.0.0.1:{runner.addresses[0][1]}/slack/events"
    async with SlackSender(app_url, SIGNING_SECRET) as sender:
        try:
            yield Tandem(slack, sender, container, runtime, app_url)
        finally:
            await runner.cleanup()
            container.close()


async def _link(tandem: Tandem) -> str:
    """Link SHARED; returns the ephemeral answer's text."""
    before = len(tandem.slack.response_posts)
    await tandem.command("link acme")
    answers = await tandem.responses(before + 1)
    return answers[-1]["blocks"][0]["text"]["text"]


def _backfill_state(tandem: Tandem) -> BackfillState | None:
    row = next((c for c in tandem.rows(SyncCursor) if c.name == cursor_name(SHARED)), None)
    return BackfillState.from_json(row.value) if row else None


async def _until_done(tandem: Tandem, timeout: float = 60.0) -> None:
    """Wait until the backfill has cleared its cursor and the queue has settled."""
    deadline = time.monotonic() + timeout
    while await asyncio.to_thread(_backfill_state, tandem) is not None:
        assert time.monotonic() < deadline, "the backfill did not finish"
        await asyncio.sleep(0.05)
    await tandem.settle(timeout=timeout)


def _stored(tandem: Tandem) -> list[Source]:
    return [s for s in tandem.rows(Source) if s.channel_id == SHARED]


def _pages(slack: SlackDouble, method: str) -> list[Call]:
    return [c for c in slack.calls_to(method) if c.status != 429]


def _page_key(call: Call) -> tuple[str | None, ...]:
    """Which page a history call asked for: its slice of the window and its cursor."""
    return tuple(call.params.get(name) for name in ("oldest", "latest", "cursor"))


def _limited(slack: SlackDouble) -> int:
    return sum(len(slack.calls_to(m, lambda c: c.status == 429)) for m in (HISTORY, REPLIES))


async def test_link_backfills_every_human_message_once_and_reports_the_count(
        slack: SlackDouble, settings: Settings) -> None:
    seeded = seed_history(slack)
    async with tandem_on(slack, settings, calls_per_minute=6000) as tandem:
        answer = await _link(tandem)
        assert "Reading its messages of the last 90 days" in answer
        await _until_done(tandem, timeout=120)
        stored = _stored(tandem)
        ids = [s.external_id for s in stored]
        assert len(ids) == len(set(ids)) == 450
        assert set(ids) == seeded.expected and not set(ids) & seeded.skipped
        by_id = {s.external_id: s for s in stored}
        for reply, root in seeded.thread_replies.items():
            assert by_id[reply].thread_external_id == root
        sample = next(s for s in stored if s.author_user_id == CUSTOMER and s.external_id not in seeded.thread_replies)
        assert (sample.side, sample.visibility, sample.author) == ("customer", "external", "Ben Customer")
        assert sample.permalink and sample.permalink.endswith("/p" + sample.external_id.split(":")[1].replace(".", ""))
        for source in stored:  # built without a call per message, in the form chat.getPermalink gives
            asked = {"channel": SHARED, "message_ts": source.external_id.split(":")[1]}
            assert source.permalink == chat_get_permalink(slack.workspace, asked)["permalink"]
        assert slack.calls_to("chat.getPermalink") == []
        assert next(s for s in stored if s.author_user_id == IM).side == "vendor"

    history = _pages(slack, HISTORY)
    assert all(c.params["limit"] == "200" and float(c.params["oldest"]) < time.time() - 89.9 * DAY for c in history)
    assert len(history) == 3 and len(_pages(slack, REPLIES)) == 10
    [announcement] = [c for c in slack.calls_to("chat.postMessage") if c.params["channel"] == SHARED]
    posted_ts = announcement.response["ts"]
    updates = slack.calls_to("chat.update")
    assert updates and all(u.params["ts"] == posted_ts for u in updates)
    final = next(m for m in slack.messages(SHARED) if m["ts"] == posted_ts)
    assert final["text"].endswith("Backfilled 450 messages from the last 90 days.")
    assert "linked to *Acme*" in final["text"]


async def test_with_tier_limits_on_the_backfill_is_paced_and_loses_no_page(
        slack: SlackDouble, settings: Settings) -> None:
    seeded = seed_history(slack, top_level=600, threads=30, replies=2)  # many small replies pages: easy to burst
    slack.enforce_rate_limits(window=1.0, tiers={3: 5})  # Tier 3 scaled: 5 calls a second per method
    async with tandem_on(slack, settings, calls_per_minute=300) as tandem:
        started = time.monotonic()
        await _link(tandem)
        await _until_done(tandem, timeout=120)
        elapsed = time.monotonic() - started
        assert {s.external_id for s in _stored(tandem)} == seeded.expected
        assert len(_stored(tandem)) == len(seeded.expected)
    assert len(_pages(slack, HISTORY)) == 4 and len(_pages(slack, REPLIES)) == 30
    assert elapsed >= (30 - 1) * 0.2  # thirty replies pages cannot go faster than the tier
    assert _limited(slack) <= 1  # the pacer keeps to the tier (unpaced, this run gets about five 429s)


async def test_a_429_is_honoured_and_the_page_is_fetched_again(slack: SlackDouble, settings: Settings) -> None:
    seeded = seed_history(slack, top_level=300, threads=2, replies=2)
    slack.fail_next(HISTORY, error="ratelimited", retry_after=1, times=5)  # beyond the client's three retries
    async with tandem_on(slack, settings, calls_per_minute=6000) as tandem:
        await _link(tandem)
        await _until_done(tandem, timeout=60)
        assert {s.external_id for s in _stored(tandem)} == seeded.expected
    history = slack.calls_to(HISTORY)
    assert [c.status for c in history[:6]] == [429] * 5 + [200]
    assert len({_page_key(c) for c in history[:6]}) == 1  # the limited page asked for again, not skipped
    pages = [_page_key(c) for c in _pages(slack, HISTORY)]
    assert len(pages) == len(set(pages)) == 2


async def test_a_restart_continues_from_the_stored_cursor(slack: SlackDouble, settings: Settings) -> None:
    seeded = seed_history(slack, top_level=600, threads=4, replies=2)
    async with tandem_on(slack, settings, calls_per_minute=120) as first:
        await _link(first)
        await slack.wait_for(HISTORY, 2, timeout=30)
        slack.fail_next(HISTORY, error="internal_error")  # the third page fails in flight...
        await slack.wait_for(HISTORY, 3, timeout=30)
        await asyncio.sleep(0.3)
    # ...and the app stops before the worker retries it
    done_before = len(_pages(slack, REPLIES))
    async with tandem_on(slack, settings, calls_per_minute=120) as second:
        state = await asyncio.to_thread(_backfill_state, second)
        assert state is not None and state.pages == 2 + done_before and state.count > 0
        await _until_done(second, timeout=120)
        stored = [s.external_id for s in _stored(second)]
        assert len(stored) == len(set(stored)) and set(stored) == seeded.expected
    pages = [_page_key(c) for c in slack.calls_to(HISTORY)]
    assert len(pages) == 4 + 1  # four pages, and the one in flight asked for again
    assert pages[2] == pages[3] and len(set(pages)) == 4
    threads = [c.params["ts"] for c in _pages(slack, REPLIES)]
    assert len(threads) == len(set(threads)) == 4
    assert next(m for m in slack.messages(SHARED) if m.get("bot_id") == BOT_ID and "linked" in m["text"])[
        "text"].endswith("Backfilled 608 messages from the last 90 days.")


async def test_relinking_while_it_runs_starts_no_second_backfill(slack: SlackDouble, settings: Settings) -> None:
    seeded = seed_history(slack, top_level=400, threads=8, replies=2)
    async with tandem_on(slack, settings, calls_per_minute=120) as tandem:
        await _link(tandem)
        again = await _link(tandem)
        assert "already being read" in again
        await _until_done(tandem, timeout=60)
        assert len(_stored(tandem)) == len(seeded.expected)
    first_pages = [c for c in slack.calls_to(HISTORY) if not c.params.get("cursor") and not c.params.get("latest")]
    assert len(first_pages) == 1
    assert len(_pages(slack, HISTORY)) == 3 and len(_pages(slack, REPLIES)) == 8


async def test_history_is_ingested_oldest_first_so_a_later_resolution_closes_its_blocker(
        slack: SlackDouble, settings: Settings) -> None:
    start = time.time() - 30 * DAY
    slack.add_message(SHARED, ts=f"{start:.6f}", user=CUSTOMER,
                      text="We are blocked: our IT still has to approve the SSO app before we can test.")
    for n in range(250):  # the blocker and its resolution land on different history pages
        slack.add_message(SHARED, ts=f"{start + 600 + n * 600:.6f}", user=IM, text=f"Note {n} on the sample import.")
    slack.add_message(SHARED, ts=f"{start + 3 * DAY:.6f}", user=CUSTOMER,
                      text="Good news: IT approved the SSO app this morning, so you're unblocked.")
    async with tandem_on(slack, settings, calls_per_minute=6000) as tandem:
        await _link(tandem)
        await _until_done(tandem, timeout=120)
        blockers = [i for i in tandem.rows(Item) if i.kind == "blocker"]
        assert blockers and {b.status for b in blockers} == {"resolved"}
        assert tandem.rows(StagedRecord) == []


async def test_a_long_history_is_read_oldest_slice_first_and_filed_while_it_is_read(
        slack: SlackDouble, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backfill, "PAGE_SIZE", 20)  # 300 messages make 16 pages: enough to slice
    seeded = seed_history(slack, top_level=300, threads=6, replies=2)
    start = time.time() - 78 * DAY
    blocker = slack.add_message(SHARED, ts=f"{start:.6f}", user=CUSTOMER,
                                text="We are blocked: our IT still has to approve the SSO app before we can test.")
    late_reply = slack.add_message(SHARED, ts=f"{start + 70 * DAY:.6f}", user=CUSTOMER, thread_ts=blocker["ts"],
                                   text="Good news: IT approved the SSO app this morning, so you're unblocked.")
    expected = seeded.expected | {f"{SHARED}:{blocker['ts']}", f"{SHARED}:{late_reply['ts']}"}
    filed_while_reading = False
    async with tandem_on(slack, settings, calls_per_minute=200) as tandem:  # a page every 0.3 s: room to file
        await _link(tandem)
        deadline = time.monotonic() + 120
        while (state := await asyncio.to_thread(_backfill_state, tandem)) is not None:
            if not state.history_done and await asyncio.to_thread(_stored, tandem):
                filed_while_reading = True
            assert time.monotonic() < deadline, "the backfill did not finish"
            await asyncio.sleep(0.05)
        await tandem.settle(timeout=60)
        stored = sorted(_stored(tandem), key=lambda s: s.id or 0)
        assert [s.external_id for s in stored if s.external_id in expected] == [s.external_id for s in stored]
        assert len(stored) == len(expected) and {s.external_id for s in stored} == expected
        assert [s.ts for s in stored] == sorted(s.ts for s in stored)  # filed in the order they were said
        blockers = [i for i in tandem.rows(Item) if i.kind == "blocker"]
        assert blockers and {b.status for b in blockers} == {"resolved"}
        assert tandem.rows(StagedRecord) == []
    assert filed_while_reading, "nothing was filed before the last history page"
    history = _pages(slack, HISTORY)
    newest, sliced = history[0], history[1:]
    assert "latest" not in newest.params and all(c.params["inclusive"] == "1" for c in sliced)
    slices = list(dict.fromkeys((c.params["oldest"], c.params["latest"]) for c in sliced))  # in the order read
    assert len(slices) >= 2
    assert ts_to_micros(slices[0][0]) == ts_to_micros(newest.params["oldest"]) + 1
    for (_, end), (begin, _) in zip(slices, slices[1:], strict=False):
        assert ts_to_micros(begin) == ts_to_micros(end) + 1  # oldest slice first, no gap, no overlap
    oldest_of_newest_page = min(ts_to_micros(m["ts"]) for m in newest.response["messages"])
    assert ts_to_micros(slices[-1][1]) == oldest_of_newest_page - 1
