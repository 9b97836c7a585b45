"""The Gmail poll job against the Gmail double: first sync, history, expiry, restarts; cursor on SQLite/PostgreSQL."""

from __future__ import annotations

import pytest

from bot.container import Container
from bot.settings import Settings
from jobs.gmail import build_gmail_poller
from tests.gmail_double import GmailDouble
from tests.integration.gmail.helpers import PollerFactory, RecordingSink, sample_mail, stored_cursor


def note_ids(*numbers: int) -> list[str]:
    return [f"<note-{n}@acme-widgets.example>" for n in numbers]


async def test_first_poll_reads_the_history_id_then_syncs_every_mail_and_stores_the_cursor(
        gmail: GmailDouble, make_poller: PollerFactory, sink: RecordingSink, container: Container) -> None:
    for n in (1, 2, 3):
        gmail.add_mail(sample_mail(n))
    history_id = gmail.history_id

    result = await make_poller().poll_once()

    assert sink.message_ids == note_ids(1, 2, 3)  # oldest first
    assert {via for _raw, via in sink.accepted} == {"gmail"}
    assert sink.accepted[0][0] == sample_mail(1)
    assert "MainThread" not in sink.threads  # the synchronous sink runs off the event loop
    assert (result.fetched, result.accepted, result.duplicates, result.full_sync) == (3, 3, 0, True)
    assert stored_cursor(container) == str(history_id) == result.history_id
    assert [call.endpoint for call in gmail.calls] == [
        "token", "profile", "messages.list", "messages.get", "messages.get", "messages.get"]


async def test_a_later_poll_hands_over_only_mail_added_since_the_cursor(
        gmail: GmailDouble, make_poller: PollerFactory, sink: RecordingSink, container: Container) -> None:
    gmail.add_mail(sample_mail(1))
    poller = make_poller()
    await poller.poll_once()
    cursor = stored_cursor(container)
    gmail.calls.clear()
    gmail.add_mail(sample_mail(2))
    gmail.add_mail(sample_mail(3))

    result = await poller.poll_once()

    assert sink.message_ids == note_ids(1, 2, 3)
    assert (result.fetched, result.accepted, result.full_sync) == (2, 2, False)
    [history_call] = gmail.calls_to("history.list")
    assert history_call.params["startHistoryId"] == cursor
    assert history_call.params["historyTypes"] == "messageAdded"
    assert gmail.calls_to("messages.list") == []
    assert stored_cursor(container) == str(gmail.history_id)

    quiet = await poller.poll_once()
    assert (quiet.fetched, quiet.accepted) == (0, 0)
    assert len(sink.accepted) == 3


async def test_the_first_full_sync_is_bounded_to_the_newest_mails_across_pages(
        gmail: GmailDouble, make_poller: PollerFactory, sink: RecordingSink) -> None:
    gmail.max_page_size = 2
    for n in range(1, 8):
        gmail.add_mail(sample_mail(n))

    result = await make_poller(full_sync_max=3).poll_once()

    assert sink.message_ids == note_ids(5, 6, 7)
    assert result.accepted == 3
    assert [call.params["maxResults"] for call in gmail.calls_to("messages.list")] == ["3", "1"]


async def test_an_expired_history_id_falls_back_to_a_bounded_full_sync_with_a_new_cursor(
        gmail: GmailDouble, make_poller: PollerFactory, sink: RecordingSink, container: Container) -> None:
    gmail.add_mail(sample_mail(1))
    poller = make_poller(full_sync_max=3)
    await poller.poll_once()
    old_cursor = stored_cursor(container)
    for n in range(2, 8):
        gmail.add_mail(sample_mail(n))
    gmail.drop_history_before(gmail.history_id)

    result = await poller.poll_once()

    assert [call.status for call in gmail.calls_to("history.list")] == [404]
    assert result.full_sync is True
    assert sink.message_ids == note_ids(1, 5, 6, 7)  # mails 2-4 fell outside the bound
    new_cursor = stored_cursor(container)
    assert new_cursor == str(gmail.history_id) and new_cursor != old_cursor

    gmail.add_mail(sample_mail(8))
    after = await poller.poll_once()
    assert after.full_sync is False and sink.message_ids[-1] == note_ids(8)[0]


async def test_the_cursor_advances_page_by_page_so_a_crash_rereads_rather_than_loses(
        gmail: GmailDouble, make_poller: PollerFactory, sink: RecordingSink, container: Container) -> None:
    gmail.max_page_size = 2
    poller = make_poller()
    await poller.poll_once()  # empty mailbox: cursor at the start
    ids = [gmail.add_mail(sample_mail(n)) for n in range(1, 6)]
    first_page_end = str(gmail.mailbox.messages[ids[1]].history_id)
    sink.fail_on = note_ids(4)[0]

    with pytest.raises(RuntimeError, match="intake database unavailable"):
        await poller.poll_once()

    assert sink.message_ids == note_ids(1, 2, 3)
    assert stored_cursor(container) == first_page_end
    sink.fail_on = None
    result = await poller.poll_once()
    # mail 3 is read again (the intake drops it by Message-ID); nothing is lost
    assert sink.message_ids == note_ids(1, 2, 3, 3, 4, 5)
    assert result.accepted == 3
    assert stored_cursor(container) == str(gmail.history_id)


async def test_mail_handed_over_before_history_expires_mid_poll_is_not_handed_again(
        gmail: GmailDouble, make_poller: PollerFactory, sink: RecordingSink) -> None:
    gmail.max_page_size = 2
    poller = make_poller()
    await poller.poll_once()
    for n in range(1, 5):
        gmail.add_mail(sample_mail(n))
    sink.on_accept = lambda count: gmail.drop_history_before(gmail.history_id) if count == 1 else None

    result = await poller.poll_once()

    assert [call.status for call in gmail.calls_to("history.list")] == [200, 404]
    assert result.full_sync is True
    assert sink.message_ids == note_ids(1, 2, 3, 4)
    assert (result.accepted, result.duplicates) == (4, 2)


async def test_a_message_deleted_before_it_is_fetched_is_skipped(
        gmail: GmailDouble, make_poller: PollerFactory, sink: RecordingSink, container: Container) -> None:
    poller = make_poller()
    await poller.poll_once()
    gone = gmail.add_mail(sample_mail(1))
    gmail.add_mail(sample_mail(2))
    gmail.delete_mail(gone)

    result = await poller.poll_once()

    assert sink.message_ids == note_ids(2)
    assert (result.gone, result.accepted) == (1, 1)
    assert stored_cursor(container) == str(gmail.history_id)


async def test_a_restarted_poller_resumes_from_the_stored_cursor_and_hands_over_nothing_twice(
        gmail: GmailDouble, sa_settings: Settings, sink: RecordingSink, container: Container) -> None:
    for n in (1, 2):
        gmail.add_mail(sample_mail(n))
    first = build_gmail_poller(sa_settings, sink=sink, engine=container.engine)
    await first.poll_once()
    await first.client.close()
    gmail.add_mail(sample_mail(3))
    gmail.calls.clear()

    restarted = build_gmail_poller(sa_settings, sink=sink, engine=container.engine)
    result = await restarted.poll_once()
    await restarted.client.close()

    assert result.full_sync is False
    assert sink.message_ids == note_ids(1, 2, 3)
    assert gmail.calls_to("messages.list") == []
    assert stored_cursor(container) == str(gmail.history_id)


async def test_the_user_token_path_names_the_cursor_after_the_profile_address(
        gmail: GmailDouble, token_settings: Settings, sink: RecordingSink, container: Container) -> None:
    gmail.add_mail(sample_mail(1))
    poller = build_gmail_poller(token_settings, sink=sink, engine=container.engine)

    await poller.poll_once()
    await poller.client.close()

    assert poller.cursor_name == "gmail:intake@brightloom.example"
    assert stored_cursor(container) == str(gmail.history_id)
    assert [call.params["grant_type"] for call in gmail.calls_to("token")] == ["refresh_token"]
    assert sink.message_ids == note_ids(1)


async def test_only_mail_delivered_to_the_inbox_is_taken_in_not_drafts_or_sent_mail(
        gmail: GmailDouble, make_poller: PollerFactory, sink: RecordingSink) -> None:
    gmail.add_mail(sample_mail(1), labels=("INBOX", "UNREAD"))
    gmail.add_mail(sample_mail(2), labels=("SENT",))
    gmail.add_mail(sample_mail(3), labels=("DRAFT",))
    poller = make_poller()

    first = await poller.poll_once()  # full sync
    assert first.full_sync and sink.message_ids == note_ids(1)
    assert gmail.calls_to("messages.list")[0].params["labelIds"] == "INBOX"

    gmail.add_mail(sample_mail(4), labels=("DRAFT",))
    gmail.add_mail(sample_mail(5), labels=("SENT", "IMPORTANT"))
    gmail.add_mail(sample_mail(6))
    later = await poller.poll_once()  # history since the cursor
    assert not later.full_sync and sink.message_ids == note_ids(1, 6)
    assert (later.fetched, later.accepted) == (1, 1)
    assert gmail.calls_to("history.list")[0].params["labelId"] == "INBOX"
