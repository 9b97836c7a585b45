"""Mail with no account waits in triage: the forwarder (or the leads) is asked, and the answer teaches the domain."""

from __future__ import annotations

from bot.email.intake import TRIAGE_NOTIFY
from bot.store.db import session_scope
from bot.store.models import Account, InboundEmail, Source
from bot.store.queue import enqueue
from bot.store.repos import get_account
from handlers import ids
from tests.integration.email.conftest import Webhook, mail
from tests.integration.harness import CUSTOMER, IM, LEAD, Tandem
from tests.slack_double.interactions import block_actions

FORWARD = (
    "Can you file this one?\n\n"
    "---------- Forwarded message ---------\n"
    "From: Kim Novak <kim@newco.example>\n"
    "Date: Tue, Mar 3, 2026 at 9:14 AM\n"
    "Subject: Data migration\n"
    "To: Anna Example <anna@vendor.example>\n\n"
    "We are blocked until our DBA exports the customer table. Kim will send it by Friday.\n"
)


def select_account(tandem: Tandem, inbound_id: int, key: str, *, user: str) -> dict:
    option = {"text": {"type": "plain_text", "text": key}, "value": ids.triage_value(inbound_id, key)}
    action = {"action_id": ids.TRIAGE_FILE, "block_id": f"triage_{inbound_id}", "type": "static_select",
              "selected_option": option, "action_ts": "1.0"}
    return block_actions(ids.TRIAGE_FILE, user_id=user, action=action, response_url=tandem.slack.new_response_url())


async def test_unrouted_mail_asks_the_forwarder_and_the_choice_files_it_and_learns_the_domain(
        mailroom: tuple[Tandem, Webhook]) -> None:
    tandem, webhook = mailroom
    status, body = await webhook.post(mail(sender="Anna Example <anna@vendor.example>", subject="Fwd: Data migration",
                                           body=FORWARD, message_id="<fw-1@vendor.example>"))
    assert (status, body["status"]) == (202, "triage")
    await tandem.settle()
    [question] = [p for p in tandem.slack.posted() if p.get("text") == "An email needs an account"]
    assert "Data migration" in str(question["blocks"])
    assert [c.params["users"] for c in tandem.slack.calls_to("conversations.open")] == [IM]
    [inbound] = tandem.rows(InboundEmail)
    assert inbound.status == "triage" and inbound.triage_notified_at is not None

    await tandem.interaction(select_account(tandem, inbound.id or 0, "globex", user=CUSTOMER))
    await tandem.settle()
    assert tandem.rows(InboundEmail)[0].status == "triage"  # an external user can't file mail

    await tandem.interaction(select_account(tandem, inbound.id or 0, "globex", user=IM))
    await tandem.responses(2)
    [filed] = tandem.rows(InboundEmail)
    assert (filed.status, filed.routed_by, filed.route_reason) == ("routed", IM, "chosen in triage")
    [source] = [s for s in tandem.rows(Source) if s.kind == "email"]
    assert (source.author, source.author_email, source.forwarded_by) == (
        "Kim Novak", "kim@newco.example", "Anna Example <anna@vendor.example>")
    with session_scope(tandem.container.engine) as session:
        globex = get_account(session, key="globex")
        assert globex is not None and "newco.example" in globex.email_domains.split(",")

    status, body = await webhook.post(mail(sender="Kim Novak <kim@newco.example>", message_id="<next@newco.example>"))
    assert (body["status"], body["account"]) == ("routed", "globex")


async def test_mail_from_an_unknown_forwarder_asks_the_leads_once(mailroom: tuple[Tandem, Webhook]) -> None:
    tandem, webhook = mailroom
    await webhook.post(mail(sender="someone@elsewhere.example", message_id="<lost@elsewhere.example>"))
    await tandem.settle()
    [inbound] = tandem.rows(InboundEmail)
    with session_scope(tandem.container.engine) as session:
        enqueue(session, kind=TRIAGE_NOTIFY, payload={"inbound_id": inbound.id})  # as a retry would
    await tandem.settle()
    opened = [c.params["users"] for c in tandem.slack.calls_to("conversations.open")]
    assert opened == [LEAD]
    assert len([p for p in tandem.slack.posted() if p.get("text") == "An email needs an account"]) == 1


async def test_dismissing_keeps_the_mail_but_files_nothing(mailroom: tuple[Tandem, Webhook]) -> None:
    tandem, webhook = mailroom
    await webhook.post(mail(sender="someone@elsewhere.example", message_id="<spam@elsewhere.example>"))
    await tandem.settle()
    [inbound] = tandem.rows(InboundEmail)
    await tandem.interaction(block_actions(ids.TRIAGE_DISMISS, ids.triage_value(inbound.id or 0), user_id=IM,
                                           response_url=tandem.slack.new_response_url()))
    await tandem.responses(1)
    [kept] = tandem.rows(InboundEmail)
    assert (kept.status, kept.routed_by) == ("dismissed", IM) and kept.raw
    assert [s for s in tandem.rows(Source) if s.kind == "email"] == []
    assert [a.key for a in tandem.rows(Account)] == ["acme", "globex"]


async def test_the_triage_command_lists_waiting_mail_for_our_team_only(mailroom: tuple[Tandem, Webhook]) -> None:
    tandem, webhook = mailroom
    await webhook.post(mail(sender="someone@elsewhere.example", subject="Kickoff notes",
                            message_id="<wait@elsewhere.example>"))
    await tandem.command("triage", user=IM)
    [mine] = await tandem.responses(1)
    await tandem.command("triage", user=CUSTOMER)
    theirs = (await tandem.responses(2))[1]
    assert "Kickoff notes" in str(mine["blocks"]) and ids.TRIAGE_FILE in str(mine["blocks"])
    assert "Only members of our team" in str(theirs)
