"""The app driven as Slack drives it (signed HTTP requests, or Socket Mode envelopes); assertions on store and Web API calls."""

from __future__ import annotations

import time

import aiohttp
import pytest

from bot.store.models import Account, ChannelLink, ProcessedEvent, Source
from tests.integration.harness import CUSTOMER, IM, INTERNAL, SHARED, Tandem
from tests.slack_double.events import message, message_changed, message_deleted, thread_reply
from tests.write_lock import write_lock_held


async def _link(tandem: Tandem, channel: str = SHARED, account: str = "acme") -> None:
    reply = await tandem.command(f"link {account}", channel=channel)
    assert reply.status == 200
    await tandem.responses(1)
    tandem.slack.response_posts.clear()


async def test_healthz(http_tandem: Tandem) -> None:
    tandem = http_tandem
    async with aiohttp.ClientSession() as session:
        async with session.get(tandem.app_url.replace("/slack/events", "/healthz")) as reply:
            assert reply.status == 200 and (await reply.json()) == {"ok": True, "store": "ok", "index": "ok"}


async def test_link_binds_channel_records_external_and_answers_in_channel(tandem: Tandem) -> None:
    reply = await tandem.command("link Acme")
    assert reply.status == 200
    [answer] = await tandem.responses(1)
    assert answer["response_type"] == "ephemeral" and "Linked" in answer["blocks"][0]["text"]["text"]
    [link] = tandem.rows(ChannelLink)
    [account] = tandem.rows(Account)
    assert (link.channel_id, link.is_external, link.account_id) == (SHARED, True, account.id)
    assert (account.key, account.owner_user_id) == ("acme", IM)
    [post] = tandem.slack.calls_to("chat.postMessage")
    assert post.params["channel"] == SHARED and "linked to *Acme*" in post.params["text"]
    assert tandem.slack.calls_to("conversations.info")[0].params["channel"] == SHARED


async def test_internal_channel_link_is_not_external(tandem: Tandem) -> None:
    await _link(tandem, channel=INTERNAL)
    [link] = tandem.rows(ChannelLink)
    assert link.is_external is False


async def test_external_user_cannot_link(tandem: Tandem) -> None:
    await tandem.command("link acme", user=CUSTOMER)
    [answer] = await tandem.responses(1)
    assert "Only members of our team" in answer["blocks"][0]["text"]["text"]
    assert tandem.rows(ChannelLink) == [] and tandem.rows(Account) == []
    assert tandem.slack.calls_to("chat.postMessage") == []


async def test_unknown_subcommand_answers_usage_in_the_ack(tandem: Tandem) -> None:
    reply = await tandem.command("frobnicate")
    body = reply.json()
    assert body["response_type"] == "ephemeral"
    assert "I don't know `frobnicate`" in body["blocks"][0]["text"]["text"]
    assert "/tandem link <account>" in body["blocks"][0]["text"]["text"]
    assert tandem.slack.calls_to("chat.postMessage") == []


async def test_help_lists_every_subcommand(tandem: Tandem) -> None:
    body = (await tandem.command("help")).json()
    for subcommand in ("link", "accounts", "status", "help"):
        assert f"/tandem {subcommand}" in body["text"]


async def test_messages_thread_reply_edit_delete(tandem: Tandem) -> None:
    await _link(tandem)
    root = message(SHARED, CUSTOMER, "We are blocked until our IT approves the SSO app.", ts="1767225600.000100")
    reply = thread_reply(SHARED, IM, "I'll send the SSO setup pack by Friday.", thread_ts=root["ts"],
                         ts="1767225660.000200")
    for event in (root, reply):
        response, _ = await tandem.event(event)
        assert response.status == 200
    await tandem.settle()
    sources = {s.external_id: s for s in tandem.rows(Source)}
    assert set(sources) == {f"{SHARED}:1767225600.000100", f"{SHARED}:1767225660.000200"}
    root_source = sources[f"{SHARED}:1767225600.000100"]
    reply_source = sources[f"{SHARED}:1767225660.000200"]
    assert (root_source.side, root_source.visibility, root_source.author) == ("customer", "external", "Ben Customer")
    assert root_source.permalink and root_source.permalink.endswith("/p1767225600000100")
    assert reply_source.thread_external_id == root_source.external_id and reply_source.side == "vendor"

    edited = dict(root, text="We are blocked until our IT approves the SSO app (ticket raised).")
    await tandem.event(message_changed(SHARED, edited, root))
    await tandem.event(message_deleted(SHARED, reply))
    await tandem.settle()
    sources = {s.external_id: s for s in tandem.rows(Source)}
    assert sources[root_source.external_id].text.endswith("(ticket raised).")
    assert sources[reply_source.external_id].deleted is True


async def test_redelivered_event_changes_nothing(tandem: Tandem) -> None:
    await _link(tandem)
    event = message(SHARED, CUSTOMER, "Could you send the import template by Friday?")
    first, envelope = await tandem.event(event)
    again = await tandem.redeliver(envelope)
    assert (first.status, again.status) == (200, 200)
    await tandem.settle()
    assert len(tandem.rows(Source)) == 1
    assert [e.event_id for e in tandem.rows(ProcessedEvent)] == [envelope["event_id"]]


async def test_messages_in_unlinked_channels_and_from_the_bot_are_ignored(tandem: Tandem) -> None:
    _, unlinked = await tandem.event(message(INTERNAL, IM, "Not linked yet, we will decide tomorrow."))
    await _link(tandem)
    reply, _ = await tandem.event(message(SHARED, "U0TANDEMBOT", "Tandem here", bot_id="B0TANDEMBOT"))
    await tandem.settle()
    assert reply.status == 200 and tandem.rows(Source) == []
    # the bot's own message is acked without being queued (as Bolt skips self events), in either mode
    assert [e.event_id for e in tandem.rows(ProcessedEvent)] == [unlinked["event_id"]]


async def test_bad_signature_and_stale_timestamp_are_401(http_tandem: Tandem) -> None:
    tandem = http_tandem
    await _link(tandem)
    await tandem.settle()  # the link's backfill has read the (empty) history
    bad = await tandem.event(message(SHARED, CUSTOMER, "hello"), bad_signature=True)
    stale = await tandem.event(message(SHARED, CUSTOMER, "hello again"), stale=True)
    assert (bad[0].status, stale[0].status) == (401, 401)
    await tandem.settle()
    assert tandem.rows(Source) == [] and tandem.rows(ProcessedEvent) == []


async def test_status_and_accounts(tandem: Tandem) -> None:
    await _link(tandem)
    await tandem.event(message(SHARED, CUSTOMER, "We can't start the import until Finance approves the budget."))
    await tandem.settle()
    await tandem.command("status")
    [status] = await tandem.responses(1)
    text = " ".join(b.get("text", {}).get("text", "") for b in status["blocks"] if b["type"] == "section")
    assert "*Acme* (`acme`)" in text
    await tandem.command("accounts")
    [_, accounts] = await tandem.responses(2)
    assert "`acme`" in accounts["blocks"][1]["text"]["text"]
    await tandem.command("accounts", user=CUSTOMER)
    [*_, refused] = await tandem.responses(3)
    assert "for our team only" in refused["blocks"][0]["text"]["text"]


async def test_set_changes_account_settings_for_its_team_only(tandem: Tandem) -> None:
    await _link(tandem)
    await tandem.command("set acme golive 2026-03-16")
    await tandem.command("set acme customer-answers on")
    answers = await tandem.responses(2)
    assert {a["blocks"][0]["text"]["text"] for a in answers} == {
        "Acme: go-live set to Mon 16 Mar 2026.", "Acme: customer-answers on."}
    [account] = tandem.rows(Account)
    assert (str(account.golive), account.customer_answers) == ("2026-03-16", True)
    await tandem.command("set acme stage live", user=CUSTOMER)
    await tandem.command("set acme golive 16/03/2026")
    *_, refused, bad = await tandem.responses(4)
    texts = {refused["blocks"][0]["text"]["text"], bad["blocks"][0]["text"]["text"]}
    assert "Only members of our team can run setup commands." in texts
    assert "Give the go-live date as YYYY-MM-DD, e.g. `2026-03-16`." in texts
    [account] = tandem.rows(Account)
    assert account.stage == "scoping"


async def test_teammate_outside_the_account_cannot_change_it(tandem: Tandem) -> None:
    await _link(tandem)
    await tandem.command("set acme stage live", user="U0TEAMMATE", channel="C0OTHER01")
    [answer] = await tandem.responses(1)
    assert "Only Acme's IM, a lead or its channel members" in answer["blocks"][0]["text"]["text"]
    assert tandem.slack.calls_to("conversations.members")


async def test_an_event_is_acked_while_another_writer_holds_the_store(http_tandem: Tandem) -> None:
    tandem = http_tandem
    if tandem.container.engine.dialect.name != "sqlite":
        pytest.skip("the write lock is SQLite's; PostgreSQL locks rows")
    await _link(tandem)
    await tandem.settle()
    with write_lock_held(tandem.container.engine):  # a long write, as a CLI import of a mailbox makes
        started = time.monotonic()
        reply, _ = await tandem.event(message(SHARED, CUSTOMER, "We are blocked until our CAB approves SSO."))
        acked_in = time.monotonic() - started
    assert reply.status == 200 and acked_in < 2.0
    await tandem.settle()
    assert [s.text for s in tandem.rows(Source)] == ["We are blocked until our CAB approves SSO."]
