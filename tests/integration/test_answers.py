"""Who sees what: answers to mentions, DMs and `/tandem ask`, through the Slack double with the real index."""

from __future__ import annotations

from tests.integration.harness import CUSTOMER, IM, INTERNAL, SHARED, TEAMMATE, Tandem
from tests.slack_double.events import app_mention, message, message_deleted

BOT = "<@U0TANDEMBOT>"
OTHER = "C0GLOBEX01"


async def _setup(tandem: Tandem, *, customer_answers: bool = False) -> dict[str, dict]:
    tandem.slack.add_channel(OTHER, "ext-globex", is_ext_shared=True, members=[IM])
    for channel, account in ((SHARED, "acme"), (INTERNAL, "acme"), (OTHER, "globex")):
        await tandem.command(f"link {account}", channel=channel)
    await tandem.responses(3)
    if customer_answers:
        await tandem.command("set acme customer-answers on")
        assert "customer-answers on" in (await tandem.responses(4))[-1]["blocks"][0]["text"]["text"]
    said = {
        "currency": message(SHARED, CUSTOMER, "Decision: our base currency is EUR, approved by our CFO on Monday."),
        "discount": message(INTERNAL, IM, "Internal only: we gave Acme a 15 percent discount on the licence."),
        "globex": message(OTHER, IM, "Globex confirmed their base currency is GBP for all entities."),
    }
    for event in said.values():
        await tandem.event(event)
    await tandem.settle(timeout=60)
    tandem.slack.response_posts.clear()
    return said


def _text(call) -> str:
    blocks = call.params.get("blocks") or []
    return "\n".join(b.get("text", {}).get("text", "") for b in blocks if b["type"] == "section") or call.params["text"]


def _links(call) -> str:
    return "\n".join(e["text"] for b in call.params.get("blocks") or [] if b["type"] == "context" for e in b["elements"])


async def _mention(tandem: Tandem, channel: str, user: str, question: str) -> None:
    await tandem.event(app_mention(channel, user, f"{BOT} {question}"))
    await tandem.settle(timeout=60)


async def test_internal_asker_gets_an_ephemeral_answer_from_all_content(tandem: Tandem) -> None:
    said = await _setup(tandem)
    await _mention(tandem, SHARED, IM, "what is the discount on the licence?")
    [answer] = tandem.slack.calls_to("chat.postEphemeral")
    assert answer.params["user"] == IM and "15 percent discount" in _text(answer)
    assert f"p{said['discount']['ts'].replace('.', '')}" in _links(answer)
    assert tandem.slack.calls_to("chat.postMessage", lambda c: c.params.get("thread_ts")) == []


async def test_customer_without_customer_answers_gets_a_hand_off_and_the_im_is_told(tandem: Tandem) -> None:
    await _setup(tandem)
    await _mention(tandem, SHARED, CUSTOMER, "what is our base currency?")
    [reply] = [c for c in tandem.slack.calls_to("chat.postMessage") if c.params["channel"] == SHARED
               and c.params.get("thread_ts")]
    assert "team will follow up" in _text(reply) and "EUR" not in _text(reply)
    [told] = [c for c in tandem.slack.calls_to("chat.postMessage") if c.params["channel"] == f"D{IM}"]
    assert "Ben Customer asked" in _text(told)


async def test_customer_with_customer_answers_gets_a_thread_answer_from_external_content_only(tandem: Tandem) -> None:
    await _setup(tandem, customer_answers=True)
    await _mention(tandem, SHARED, CUSTOMER, "what is our base currency?")
    await _mention(tandem, SHARED, CUSTOMER, "what is the discount on the licence?")
    replies = [c for c in tandem.slack.calls_to("chat.postMessage") if c.params.get("thread_ts")]
    assert len(replies) == 2
    assert "EUR" in _text(replies[0]) and "GBP" not in _text(replies[0])
    assert "15 percent" not in _text(replies[1]) and "nothing" in _text(replies[1]).lower()
    assert all(r.params.get("unfurl_links") in (False, "false", "0", 0) for r in replies)


async def test_dm_answers_from_the_owners_accounts_and_not_for_others(tandem: Tandem) -> None:
    await _setup(tandem)
    for user in (IM, TEAMMATE, CUSTOMER):
        tandem.slack.add_dm(user)
    await tandem.event(message(f"D{IM}", IM, "what is globex's base currency?", channel_type="im"))
    await tandem.event(message(f"D{TEAMMATE}", TEAMMATE, "what is acme's base currency?", channel_type="im"))
    await tandem.event(message(f"D{CUSTOMER}", CUSTOMER, "what is the base currency?", channel_type="im"))
    await tandem.settle(timeout=60)
    by_channel = {c.params["channel"]: _text(c) for c in tandem.slack.calls_to("chat.postMessage")
                  if c.params["channel"].startswith("D")}
    assert "GBP" in by_channel[f"D{IM}"] and "EUR" not in by_channel[f"D{IM}"]
    assert "own no accounts" in by_channel[f"D{TEAMMATE}"]
    assert "only answer questions in your shared channel" in by_channel[f"D{CUSTOMER}"]


async def test_deleted_message_no_longer_answers(tandem: Tandem) -> None:
    said = await _setup(tandem)
    await tandem.command("ask what is the base currency?", channel=SHARED)
    [before] = await tandem.responses(1)
    assert "EUR" in before["blocks"][0]["text"]["text"]
    await tandem.event(message_deleted(SHARED, said["currency"]))
    await tandem.settle(timeout=60)
    await tandem.command("ask what is the base currency?", channel=SHARED)
    [_, after] = await tandem.responses(2)
    assert "EUR" not in after["blocks"][0]["text"]["text"]
    assert "GBP" not in after["blocks"][0]["text"]["text"]
