"""Nudges and reactions through the Slack double with a fixed clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.clock import FixedClock
from bot.records import SourceRecord
from bot.settings import Settings
from bot.store.db import session_scope
from bot.store.models import Account, ChannelLink, Item, Nudge
from handlers.ids import NUDGE_EVENT_TYPE
from tests.integration.harness import CUSTOMER, IM, LEAD, SHARED, Tandem, running_tandem
from tests.slack_double.events import reaction_added, reaction_removed

RAISED = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
async def stalled(settings: Settings) -> AsyncIterator[tuple[Tandem, FixedClock, int]]:
    """An account owned by the IM with one next step last touched on Monday 1 June."""
    clock = FixedClock(RAISED)
    async with running_tandem(settings, "http", clock) as tandem:
        with session_scope(tandem.container.engine) as session:
            account = Account(key="acme", name="Acme", owner_user_id=IM)
            session.add(account)
            session.flush()
            session.add(ChannelLink(channel_id=SHARED, account_id=account.id or 0, is_external=True))
        tandem.container.ingest.ingest(SourceRecord(
            id="n-1", kind="slack", ts=RAISED, author="Anna Example", side="vendor", tz="Europe/Berlin",
            text="I'll send the revised field mapping by Wednesday."), account_key="acme")
        [item] = [i for i in tandem.rows(Item) if i.kind == "next_step"]
        yield tandem, clock, item.id or 0


def _at(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 6, day, hour, 0, tzinfo=UTC)


async def _nudge(tandem: Tandem) -> list[tuple[str, int]]:
    """One pass of the nudge job, then the outbox sends what it queued."""
    queued = await tandem.runtime.nudges.run_once()
    await tandem.settle()
    return queued


def _nudge_posts(tandem: Tandem, channel: str = f"D{IM}") -> list:
    return [c for c in tandem.slack.calls_to("chat.postMessage") if c.params["channel"] == channel]


def _status(tandem: Tandem, item_id: int) -> str:
    return next(i.status for i in tandem.rows(Item) if i.id == item_id)


async def _react(tandem: Tandem, name: str, user: str, ts: str, *, removed: bool = False) -> None:
    build = reaction_removed if removed else reaction_added
    await tandem.event(build(user, name, f"D{IM}", ts))
    await tandem.settle()


async def test_nudge_after_three_business_days_once_a_day(stalled) -> None:
    tandem, clock, item_id = stalled
    clock.moment = _at(3)  # Wednesday: 2 business days
    assert await _nudge(tandem) == []
    clock.moment = _at(4)  # Thursday: 3 business days
    assert await _nudge(tandem) == [("nudge", item_id)]
    assert await _nudge(tandem) == []  # at most one a day
    [post] = _nudge_posts(tandem)
    assert "revised field mapping" in post.params["blocks"][0]["text"]["text"]
    assert post.params["metadata"]["event_type"] == NUDGE_EVENT_TYPE
    assert _nudge_posts(tandem, SHARED) == []  # nothing in the customer's channel by default


async def test_check_reaction_marks_done_once_and_removal_reopens(stalled) -> None:
    tandem, clock, item_id = stalled
    clock.moment = _at(4)
    await _nudge(tandem)
    [nudge] = tandem.rows(Nudge)
    await _react(tandem, "white_check_mark", IM, nudge.message_ts or "")
    assert _status(tandem, item_id) == "done"
    updates = tandem.slack.calls_to("chat.update")
    assert len(updates) == 1 and "Marked done by Anna Example" in updates[0].params["text"]
    await _react(tandem, "heavy_check_mark", IM, nudge.message_ts or "")  # a repeat is a no-op
    assert len(tandem.slack.calls_to("chat.update")) == 1
    await _react(tandem, "white_check_mark", IM, nudge.message_ts or "", removed=True)
    assert _status(tandem, item_id) == "open"


async def test_customer_reaction_and_reaction_elsewhere_change_nothing(stalled) -> None:
    tandem, clock, item_id = stalled
    clock.moment = _at(4)
    await _nudge(tandem)
    [nudge] = tandem.rows(Nudge)
    await _react(tandem, "white_check_mark", CUSTOMER, nudge.message_ts or "")
    tandem.slack.add_message(f"D{IM}", ts="1780000000.000100", user=IM, text="unrelated")
    await _react(tandem, "white_check_mark", IM, "1780000000.000100")
    assert _status(tandem, item_id) == "open"
    assert tandem.slack.calls_to("chat.update") == []


async def test_snooze_hides_the_item_and_the_nudge_returns_after(stalled) -> None:
    tandem, clock, item_id = stalled
    clock.moment = _at(4)  # Thursday
    await _nudge(tandem)
    [nudge] = tandem.rows(Nudge)
    await _react(tandem, "zzz", IM, nudge.message_ts or "")
    item = next(i for i in tandem.rows(Item) if i.id == item_id)
    assert (item.status, str(item.snoozed_until)) == ("snoozed", "2026-06-08")  # 2 business days: Monday
    clock.moment = _at(5)
    assert await _nudge(tandem) == []
    clock.moment = _at(8)
    assert await _nudge(tandem) == [("nudge", item_id)]
    assert _status(tandem, item_id) == "open"


async def test_escalation_to_the_lead_once(stalled) -> None:
    tandem, clock, item_id = stalled
    clock.moment = _at(10)  # Wednesday a week later: 7 business days
    sent = await _nudge(tandem)
    assert sorted(sent) == [("escalation", item_id), ("nudge", item_id)]
    [escalation] = _nudge_posts(tandem, f"D{LEAD}")
    assert "Escalation" in escalation.params["blocks"][0]["text"]["text"]
    clock.moment = _at(11)
    assert await _nudge(tandem) == [("nudge", item_id)]
    assert len(_nudge_posts(tandem, f"D{LEAD}")) == 1


async def test_channel_nudges_only_when_turned_on(stalled) -> None:
    tandem, clock, item_id = stalled
    with session_scope(tandem.container.engine) as session:
        account = session.get(Account, 1)
        assert account is not None
        account.channel_nudges = True
        session.add(account)
    clock.moment = _at(4)
    assert sorted(await _nudge(tandem)) == [("channel", item_id), ("nudge", item_id)]
    assert len(_nudge_posts(tandem, SHARED)) == 1
