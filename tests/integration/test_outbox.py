"""The outbox of Slack posts through the double: pacing per channel, retries, no double post, failed for good."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import update
from sqlmodel import col

from bot.cli import build_parser
from bot.clock import utcnow
from bot.outbox import SLACK_POST
from bot.settings import Settings
from bot.store.db import session_scope
from bot.store.models import WorkItem
from bot.store.queue import MAX_ATTEMPTS
from handlers.outbox import KEY_FIELD, SlackOutbox
from tests.integration.harness import CUSTOMER, IM, SHARED, Tandem, running_tandem
from tests.slack_double.events import app_mention, message

DM = f"D{IM}"
QUESTION = "what are we waiting on?"


@pytest.fixture
async def tandem(settings: Settings) -> AsyncIterator[Tandem]:
    """The app in HTTP mode (the outbox does not depend on how events arrive)."""
    async with running_tandem(settings, "http") as running:
        running.slack.add_dm(IM)
        yield running


def _outbox(tandem: Tandem) -> SlackOutbox:
    outbox = tandem.runtime.worker.handlers[SLACK_POST]
    assert isinstance(outbox, SlackOutbox)
    return outbox


def _bot_messages(tandem: Tandem, channel: str) -> list[dict]:
    return [m for m in tandem.slack.messages(channel) if m.get("bot_id")]


def _posts(tandem: Tandem) -> list[WorkItem]:
    return [w for w in tandem.rows(WorkItem) if w.kind == SLACK_POST]


async def _ask_in_dm(tandem: Tandem) -> None:
    await tandem.event(message(DM, IM, QUESTION, channel_type="im"))


def _retry_now(tandem: Tandem) -> None:
    """Skip the back-off: queued posts are due now."""
    with session_scope(tandem.container.engine) as session:
        session.exec(update(WorkItem).where(col(WorkItem.kind) == SLACK_POST, col(WorkItem.status) == "queued")
                     .values(run_after=utcnow()))  # type: ignore[call-overload]


async def _until_post_is(tandem: Tandem, status: str, timeout: float = 20.0) -> WorkItem:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        posts = _posts(tandem)
        if posts and all(p.status == status for p in posts):
            [post] = posts
            return post
        assert asyncio.get_running_loop().time() < deadline, [(p.status, p.attempts) for p in posts]
        _retry_now(tandem)
        tandem.runtime.worker.wake()
        await asyncio.sleep(0.05)


async def test_a_burst_of_answers_to_one_channel_posts_at_most_one_a_second(tandem: Tandem) -> None:
    for _ in range(10):  # customers asking in a channel not linked yet: each gets a thread reply
        await tandem.event(app_mention(SHARED, CUSTOMER, f"<@U0TANDEMBOT> {QUESTION}"))
    await tandem.settle(timeout=30)
    replies = _bot_messages(tandem, SHARED)
    assert len(replies) == 10 and len({r["thread_ts"] for r in replies}) == 10
    stamps = sorted(float(r["ts"]) for r in replies)  # the double stamps each post when it takes it
    gaps = [later - earlier for earlier, later in zip(stamps, stamps[1:], strict=False)]
    assert min(gaps) >= 1.0, gaps


@pytest.mark.parametrize(("error", "status"), [("ratelimited", 429), ("internal_error", 500)])
async def test_a_transient_failure_is_retried_and_lands_once(tandem: Tandem, error: str, status: int) -> None:
    tandem.slack.fail_next("chat.postMessage", error=error, status=status)
    await _ask_in_dm(tandem)
    post = await _until_post_is(tandem, "done")
    [answer] = _bot_messages(tandem, DM)
    assert "own no accounts" in answer["text"]
    assert [c.status for c in tandem.slack.calls_to("chat.postMessage")] == [status, 200]
    assert post.attempts == (1 if status == 429 else 2)  # a 429 posted nothing: the client retried at once
    looked = tandem.slack.calls_to("conversations.history", lambda c: c.flag("include_all_metadata"))
    assert len(looked) == post.attempts - 1  # a resend first looks for the message


async def test_a_post_that_landed_after_the_client_gave_up_is_not_posted_again(tandem: Tandem) -> None:
    _outbox(tandem).gateway.client.timeout = 1  # type: ignore[assignment]
    tandem.slack.set_latency("chat.postMessage", 1.5)  # Slack posts it, but after the client timed out
    await _ask_in_dm(tandem)
    deadline = asyncio.get_running_loop().time() + 10
    while not _bot_messages(tandem, DM):
        assert asyncio.get_running_loop().time() < deadline, "the slow post never landed"
        await asyncio.sleep(0.05)
    tandem.slack.set_latency("chat.postMessage", 0)
    post = await _until_post_is(tandem, "done")
    assert post.attempts == 2
    [answer] = _bot_messages(tandem, DM)
    assert answer["metadata"]["event_payload"][KEY_FIELD].startswith(f"answer:{DM}:")
    assert len(tandem.slack.calls_to("chat.postMessage")) == 1
    assert tandem.slack.calls_to("conversations.history", lambda c: c.params.get("channel") == DM)


async def test_a_post_that_keeps_failing_ends_failed_and_status_shows_why(tandem: Tandem, capsys) -> None:
    tandem.slack.fail_next("chat.postMessage", error="internal_error", status=500, times=MAX_ATTEMPTS)
    await _ask_in_dm(tandem)
    post = await _until_post_is(tandem, "failed")
    assert post.attempts == MAX_ATTEMPTS and "internal_error" in (post.last_error or "")
    assert _bot_messages(tandem, DM) == []
    args = build_parser().parse_args(["status"])
    assert args.func(args, tandem.container.settings) == 0
    shown = capsys.readouterr().out
    assert "Failed Slack posts: 1" in shown
    assert f"answer to {DM}: PostFailed: Slack: internal_error (HTTP 500)" in shown
    assert "own no accounts" not in shown  # never the message text


async def test_a_post_slack_refuses_for_good_fails_at_once(tandem: Tandem) -> None:
    tandem.slack.fail_next("chat.postMessage", error="is_archived")
    await _ask_in_dm(tandem)
    post = await _until_post_is(tandem, "failed")
    assert (post.attempts, post.last_error) == (1, "Slack: is_archived")
