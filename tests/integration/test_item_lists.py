"""`/tandem blockers` and `/tandem decisions` in Slack: extracted from messages, linked to sources, scoped by side."""

from __future__ import annotations

from bot.store.models import Item
from tests.integration.harness import CUSTOMER, IM, INTERNAL, SHARED, Tandem
from tests.slack_double.events import message, message_deleted


def _texts(answer: dict) -> str:
    return "\n".join(b["text"]["text"] for b in answer["blocks"] if b["type"] == "section")


async def _link_both(tandem: Tandem) -> None:
    await tandem.command("link acme", channel=SHARED)
    await tandem.command("link acme", channel=INTERNAL)
    await tandem.responses(2)
    tandem.slack.response_posts.clear()


async def test_blockers_list_links_sources_and_hides_internal_from_customers(tandem: Tandem) -> None:
    await _link_both(tandem)
    await tandem.event(message(SHARED, CUSTOMER, "We are blocked until our IT approves the SSO app.",
                               ts="1767225600.000100"))
    await tandem.event(message(INTERNAL, IM, "We are blocked on the connector bug fix from engineering.",
                               ts="1767225700.000100"))
    await tandem.settle()
    await tandem.command("blockers", user=IM, channel=SHARED)
    [internal_view] = await tandem.responses(1)
    text = _texts(internal_view)
    assert "IT approves the SSO app" in text and "connector bug fix" in text
    assert f"/archives/{SHARED}/p1767225600000100|source>" in text

    await tandem.command("blockers", user=CUSTOMER, channel=SHARED)
    [_, customer_view] = await tandem.responses(2)
    text = _texts(customer_view)
    assert "IT approves the SSO app" in text and "connector bug fix" not in text

    await tandem.command("blockers", user=CUSTOMER, channel=INTERNAL)
    [*_, refused] = await tandem.responses(3)
    assert "only answer that in your shared channel" in _texts(refused)


async def test_deleting_the_only_evidence_withdraws_the_item(tandem: Tandem) -> None:
    await _link_both(tandem)
    event = message(SHARED, CUSTOMER, "We are blocked until our IT approves the SSO app.")
    await tandem.event(event)
    await tandem.settle()
    assert [i.status for i in tandem.rows(Item) if i.kind == "blocker"] == ["open"]
    await tandem.event(message_deleted(SHARED, event))
    await tandem.settle()
    assert [i.status for i in tandem.rows(Item) if i.kind == "blocker"] == ["withdrawn"]
    assert not any("SSO" in i.summary for i in tandem.rows(Item))  # its words left with the message
    await tandem.command("blockers")
    [answer] = await tandem.responses(1)
    assert "No open blockers" in _texts(answer)


async def test_decisions_are_searchable_and_unknown_account_is_explained(tandem: Tandem) -> None:
    await _link_both(tandem)
    await tandem.event(message(SHARED, CUSTOMER, "We decided to go with CSV for the nightly exports."))
    await tandem.event(message(SHARED, IM, "Agreed: the base currency is EUR, approved by our CFO today."))
    await tandem.settle()
    await tandem.command("decisions acme csv")
    [answer] = await tandem.responses(1)
    text = _texts(answer)
    assert "CSV" in text and "EUR" not in text
    await tandem.command("blockers nosuchaccount")
    [_, unknown] = await tandem.responses(2)
    assert "I don't know an account called `nosuchaccount`" in _texts(unknown)


async def test_a_request_to_a_mentioned_user_is_theirs(tandem: Tandem) -> None:
    await _link_both(tandem)
    await tandem.event(message(SHARED, CUSTOMER, "<@U0TEAMMATE> could you send the import template by Friday?",
                               ts="1767225600.000100"))  # a Thursday
    await tandem.settle()
    [step] = [i for i in tandem.rows(Item) if i.kind == "next_step"]
    assert (step.owner, str(step.due)) == ("Tim Example", "2026-01-02")
