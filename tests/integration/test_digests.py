"""Daily digests through the Slack double with a fixed clock: local mornings, weekends, DST, claims."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.app import create_app
from bot.clock import FixedClock
from bot.container import Container
from bot.records import SourceRecord
from bot.settings import Settings
from bot.store.db import session_scope
from bot.store.models import Account, DigestSent
from handlers.ids import DIGEST_EVENT_TYPE
from tests.integration.harness import IM, Tandem, running_tandem

CHICAGO_IM = "U0IMCHI001"
TOKYO_IM = "U0IMTYO001"


@pytest.fixture
async def clocked(settings: Settings) -> AsyncIterator[tuple[Tandem, FixedClock]]:
    """The app with a clock the test moves, three IMs in three zones, each owning one account."""
    clock = FixedClock(datetime(2026, 10, 23, 0, 0, tzinfo=UTC))
    async with running_tandem(settings.model_copy(update={"tandem_admins": ()}), "http", clock) as tandem:
        tandem.slack.add_user(CHICAGO_IM, "carl", "Carl Chicago", tz="America/Chicago")
        tandem.slack.add_user(TOKYO_IM, "yui", "Yui Tokyo", tz="Asia/Tokyo")
        with session_scope(tandem.container.engine) as session:
            for key, owner in (("berlin-co", IM), ("chicago-co", CHICAGO_IM), ("tokyo-co", TOKYO_IM)):
                session.add(Account(key=key, name=key.title(), owner_user_id=owner, golive=date(2026, 11, 20)))
        yield tandem, clock


def _dm_recipients(tandem: Tandem) -> list[str]:
    return [c.params["channel"] for c in tandem.slack.calls_to("chat.postMessage")]


DIGEST_TIMELINE = [
    # (UTC time, IMs whose digest goes out at that pass)
    ("2026-10-23T06:29", {TOKYO_IM}),  # Fri: Tokyo 15:29; Berlin (CEST, +2) 08:29 — not yet
    ("2026-10-23T06:31", {IM}),  # Berlin 08:31
    ("2026-10-23T13:29", set()),  # Chicago (CDT, -5) 08:29
    ("2026-10-23T13:31", {CHICAGO_IM}),
    ("2026-10-23T23:00", set()),  # each once a day
    ("2026-10-24T12:00", set()),  # Saturday
    ("2026-10-25T12:00", set()),  # Sunday; Berlin leaves summer time this morning
    ("2026-10-26T06:31", {TOKYO_IM}),  # Mon: Berlin is now CET (+1): 07:31 — not yet
    ("2026-10-26T07:29", set()),
    ("2026-10-26T07:31", {IM}),  # Berlin 08:31 after the DST change
    ("2026-10-26T13:31", {CHICAGO_IM}),  # Chicago is still on CDT until 1 Nov
]


async def test_digests_go_out_at_each_ims_local_morning_on_weekdays_only(clocked) -> None:
    tandem, clock = clocked
    dm = {IM: f"D{IM}", CHICAGO_IM: f"D{CHICAGO_IM}", TOKYO_IM: f"D{TOKYO_IM}"}
    seen = 0
    for moment, expected in DIGEST_TIMELINE:
        clock.moment = datetime.fromisoformat(moment).replace(tzinfo=UTC)
        sent = await tandem.runtime.digest.run_once()
        assert set(sent) == expected, moment
        channels = _dm_recipients(tandem)[seen:]
        seen += len(channels)
        assert sorted(channels) == sorted(dm[user] for user in expected), moment
    rows = tandem.rows(DigestSent)
    assert {(r.user_id, r.local_date) for r in rows} == {
        (user, day) for user in dm for day in (date(2026, 10, 23), date(2026, 10, 26))}
    assert all(r.status == "sent" for r in rows)


async def test_digest_content_leads_with_what_waits_on_the_im_and_carries_the_claim_id(clocked) -> None:
    tandem, clock = clocked
    tandem.container.ingest.ingest(SourceRecord(
        id="b-1", kind="slack", ts=datetime(2026, 10, 22, 9, tzinfo=UTC), author="Anna Example", side="vendor",
        text="I'll send the data mapping workbook by Friday.", tz="Europe/Berlin"), account_key="berlin-co")
    clock.moment = datetime(2026, 10, 23, 6, 31, tzinfo=UTC)
    await tandem.runtime.digest.run_once()
    [post] = [c for c in tandem.slack.calls_to("chat.postMessage") if c.params["channel"] == f"D{IM}"]
    text = "\n".join(b["text"]["text"] for b in post.params["blocks"] if b["type"] == "section")
    assert text.index("Waiting on you") < text.index("Berlin-Co")
    assert "data mapping workbook" in text and "go-live in 28 days" in text
    assert post.params["metadata"]["event_type"] == DIGEST_EVENT_TYPE
    [row] = [r for r in tandem.rows(DigestSent) if r.user_id == IM]
    assert post.params["metadata"]["event_payload"]["claim_id"] == row.claim_id
    assert post.params.get("unfurl_links") in (False, "false", "0", 0)


async def test_nothing_changed_is_one_short_line(clocked) -> None:
    tandem, clock = clocked
    clock.moment = datetime(2026, 10, 23, 6, 31, tzinfo=UTC)
    await tandem.runtime.digest.run_once()
    [post] = [c for c in tandem.slack.calls_to("chat.postMessage") if c.params["channel"] == f"D{IM}"]
    assert len(post.params["blocks"]) == 1 and "Nothing changed" in post.params["text"]


async def test_two_instances_on_one_database_send_each_digest_once(clocked) -> None:
    tandem, clock = clocked
    clock.moment = datetime(2026, 10, 23, 14, 0, tzinfo=UTC)
    other = Container(tandem.container.settings, clock=clock)
    second = create_app(other)
    try:
        results = await asyncio.gather(tandem.runtime.digest.run_once(), second.digest.run_once(),
                                       tandem.runtime.digest.run_once())
    finally:
        other.close()
    assert sorted(user for sent in results for user in sent) == sorted([IM, CHICAGO_IM, TOKYO_IM])
    assert sorted(_dm_recipients(tandem)) == sorted(f"D{u}" for u in (IM, CHICAGO_IM, TOKYO_IM))


async def test_restart_after_claim_checks_the_dm_before_sending_again(clocked) -> None:
    tandem, clock = clocked
    clock.moment = datetime(2026, 10, 23, 14, 0, tzinfo=UTC)
    claimed_at = clock.moment - timedelta(minutes=30)
    with session_scope(tandem.container.engine) as session:
        # IM: the process died after posting, before recording the send
        session.add(DigestSent(user_id=IM, local_date=date(2026, 10, 23), claim_id="claim-posted",
                               claimed_at=claimed_at))
        # Chicago IM: it died right after claiming, before posting
        session.add(DigestSent(user_id=CHICAGO_IM, local_date=date(2026, 10, 23), claim_id="claim-lost",
                               claimed_at=claimed_at))
    tandem.slack.add_dm(IM)
    tandem.slack.add_message(f"D{IM}", ts=f"{claimed_at.timestamp() + 5:.6f}", user="U0TANDEMBOT",
                             text="digest", bot_id="B0TANDEMBOT",
                             metadata={"event_type": DIGEST_EVENT_TYPE, "event_payload": {"claim_id": "claim-posted"}})
    sent = await tandem.runtime.digest.run_once()
    assert sorted(sent) == sorted([CHICAGO_IM, TOKYO_IM])
    assert sorted(_dm_recipients(tandem)) == sorted([f"D{CHICAGO_IM}", f"D{TOKYO_IM}"])
    assert {r.user_id: r.status for r in tandem.rows(DigestSent)} == {IM: "sent", CHICAGO_IM: "sent", TOKYO_IM: "sent"}
    assert (await tandem.runtime.digest.run_once()) == []


async def test_a_failed_send_is_retried_on_the_next_pass(clocked) -> None:
    tandem, clock = clocked
    clock.moment = datetime(2026, 10, 23, 6, 31, tzinfo=UTC)
    tandem.slack.fail_next("chat.postMessage", error="fatal_error", times=2)
    assert await tandem.runtime.digest.run_once() == []
    assert {r.status for r in tandem.rows(DigestSent)} == {"failed"}
    assert sorted(await tandem.runtime.digest.run_once()) == sorted([IM, TOKYO_IM])
    assert {r.status for r in tandem.rows(DigestSent)} == {"sent"}
