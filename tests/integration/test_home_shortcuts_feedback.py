"""App Home, message shortcuts, `/tandem settings` and "Not right", through the Slack double in both modes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any, TypeVar

import pytest

from bot.corrections import labelled_examples
from bot.store.db import session_scope
from bot.store.models import (
    Account,
    Correction,
    Item,
    ItemEvent,
    ItemEvidence,
    Source,
    UserPreference,
)
from handlers import ids
from tests.integration.harness import CUSTOMER, IM, INTERNAL, SHARED, TEAMMATE, Tandem
from tests.slack_double.events import app_home_opened
from tests.slack_double.interactions import block_actions, message_shortcut, view_submission

T = TypeVar("T")


async def eventually(check: Callable[[], T], timeout: float = 5.0) -> T:
    """Poll `check` until it returns something truthy."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


def _texts(view: dict[str, Any]) -> str:
    out = []
    for block in view["blocks"]:
        if block.get("text"):
            out.append(block["text"]["text"])
        out.extend(e.get("text", "") for e in block.get("elements", []) if isinstance(e.get("text"), str))
    return "\n".join(out)


def _seed(tandem: Tandem) -> dict[str, int]:
    """Acme (IM's, a blocker untouched for two weeks), Globex (IM's, fresh), Initech (a teammate's)."""
    now = datetime.now(UTC)
    today = now.date()
    ids_by_name: dict[str, int] = {}
    with session_scope(tandem.container.engine) as session:
        acme = Account(key="acme", name="Acme <Corp>", owner_user_id=IM, stage="configuration",
                       golive=today + timedelta(days=20))
        globex = Account(key="globex", name="Globex", owner_user_id=IM, stage="scoping")
        initech = Account(key="initech", name="Initech", owner_user_id=TEAMMATE)
        session.add_all([acme, globex, initech])
        session.flush()
        rows = [
            (acme, "blocker", "SSO approval from Acme IT", now - timedelta(days=14)),
            (acme, "next_step", "Send the tax worksheet", now - timedelta(hours=2)),
            (globex, "next_step", "Share the sandbox credentials", now - timedelta(hours=1)),
            (initech, "blocker", "Initech secret blocker", now - timedelta(hours=1)),
        ]
        for n, (account, kind, summary, touched) in enumerate(rows):
            source = Source(account_id=account.id or 0, external_id=f"{SHARED}:1700000{n}.000100", kind="slack",
                            author="Priya Shah", side="customer", ts=touched, text=summary,
                            permalink=f"https://example.slack.com/archives/{SHARED}/p{n}")
            item = Item(account_id=account.id or 0, kind=kind, summary=summary, owner="Priya Shah",
                        waiting_on="customer", waiting_since=touched, first_seen=touched, last_activity=touched)
            session.add_all([source, item])
            session.flush()
            session.add(ItemEvidence(item_id=item.id or 0, source_id=source.id or 0, span=summary))
            ids_by_name[summary] = item.id or 0
    return ids_by_name


# ---------------------------------------------------------------- App Home

async def test_home_shows_each_account_with_health_and_next_step(tandem: Tandem) -> None:
    _seed(tandem)
    await tandem.event(app_home_opened(IM))
    await tandem.settle()
    [call] = tandem.slack.calls_to("views.publish")
    assert call.params["user_id"] == IM
    view = tandem.slack.home_views[IM]
    text = _texts(view)
    assert "*Acme &lt;Corp&gt;* (`acme`)   :red_circle: Blocked" in text
    assert "Next step: Send the tax worksheet" in text
    assert "Stage *configuration*" in text and "*1* open blocker" in text
    assert "*Globex* (`globex`)   :large_green_circle: On track" in text
    assert "Share the sandbox credentials" in text
    assert "Initech" not in text
    [button] = [e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert button["action_id"] == ids.HOME_OPEN_NEXT


async def test_home_button_posts_the_next_list_in_the_dm(tandem: Tandem) -> None:
    _seed(tandem)
    await tandem.event(app_home_opened(IM))
    await tandem.settle()
    home = tandem.slack.home_views[IM]
    await tandem.interaction(block_actions(ids.HOME_OPEN_NEXT, "0", user_id=IM, view=home))
    [post] = await tandem.slack.wait_for("chat.postMessage", where=lambda c: c.params.get("channel") == IM)
    listed = "\n".join(b["text"]["text"] for b in post.params["blocks"] if b["type"] == "section")
    assert "What to move on next" in listed and "SSO approval from Acme IT" in listed
    assert "Initech" not in listed


async def test_external_user_gets_a_short_home(tandem: Tandem) -> None:
    _seed(tandem)
    await tandem.event(app_home_opened(CUSTOMER))
    await tandem.settle()
    text = _texts(tandem.slack.home_views[CUSTOMER])
    assert "for our team only" in text
    assert "Acme" not in text and "SSO" not in text


# ---------------------------------------------------------------- message shortcuts

SHORTCUT_CASES = [
    (ids.SHORTCUT_BLOCKER, "blocker", "We can't go on until our IT approves the SSO app.",
     {ids.ITEM_CATEGORY: {"type": "static_select", "selected_option": {"value": "it_approval"}},
      ids.ITEM_WAITING_ON: {"type": "static_select", "selected_option": {"value": "customer"}}}),
    (ids.SHORTCUT_NEXT_STEP, "next_step", "Ben, could you send the tax worksheet?",
     {ids.ITEM_DUE: {"type": "datepicker", "selected_date": "2026-07-01"}}),
    (ids.SHORTCUT_DECISION, "decision", "Let's go with CSV for the nightly exports.", {}),
]


async def _link(tandem: Tandem, channel: str = SHARED) -> None:
    await tandem.command("link acme", channel=channel)
    await tandem.responses(1)
    tandem.slack.response_posts.clear()


@pytest.mark.parametrize(("callback_id", "kind", "text", "extra"), SHORTCUT_CASES)
async def test_shortcut_saves_an_item_with_the_message_as_evidence(
    tandem: Tandem, callback_id: str, kind: str, text: str, extra: dict[str, Any]
) -> None:
    await _link(tandem)
    ts = "1767225600.000100"
    tandem.slack.add_message(SHARED, ts=ts, user=CUSTOMER, text=text)  # older than the link: never stored
    message = {"type": "message", "user": CUSTOMER, "ts": ts, "text": text}
    await tandem.interaction(message_shortcut(callback_id, message, user_id=IM, channel_id=SHARED))
    [opened] = await tandem.slack.wait_for("views.open")
    view = opened.params["view"]
    assert view["callback_id"] == ids.VIEW_SAVE_ITEM
    summary_block = next(b for b in view["blocks"] if b.get("block_id") == ids.ITEM_SUMMARY)
    assert summary_block["element"]["initial_value"] == text
    source = await eventually(lambda: [s for s in tandem.rows(Source) if s.external_id == f"{SHARED}:{ts}"])

    values = {ids.ITEM_SUMMARY: {ids.ITEM_SUMMARY: {"type": "plain_text_input", "value": f"Tracked: {text}"}},
              ids.ITEM_OWNER: {ids.ITEM_OWNER: {"type": "plain_text_input", "value": "Ben Customer"}}}
    values.update({block: {block: state} for block, state in extra.items()})
    reply = await tandem.interaction(view_submission(ids.VIEW_SAVE_ITEM, values, user_id=IM,
                                                     private_metadata=view["private_metadata"]))
    assert reply.json()["response_action"] == "update"

    [item] = [i for i in tandem.rows(Item) if i.summary == f"Tracked: {text}"]
    assert (item.kind, item.owner, item.status) == (kind, "Ben Customer", "open")
    if kind == "blocker":
        assert (item.category, item.waiting_on) == ("it_approval", "customer")
    if kind == "next_step":
        assert item.due is not None and item.due.isoformat() == "2026-07-01"
    [evidence] = [e for e in tandem.rows(ItemEvidence) if e.item_id == item.id]
    assert evidence.source_id == source[0].id and evidence.role == "raised"
    assert [e.change for e in tandem.rows(ItemEvent) if e.item_id == item.id and e.actor == IM] in (
        ["created"], ["edited"])


async def test_shortcut_in_an_unlinked_channel_is_refused(tandem: Tandem) -> None:
    message = {"type": "message", "user": TEAMMATE, "ts": "1767225600.000200", "text": "We are blocked on SSO."}
    await tandem.interaction(message_shortcut(ids.SHORTCUT_BLOCKER, message, user_id=IM, channel_id=INTERNAL))
    [opened] = await tandem.slack.wait_for("views.open")
    assert "not linked" in _texts(opened.params["view"])
    assert "submit" not in opened.params["view"]
    assert tandem.rows(Item) == [] and tandem.rows(Source) == []


async def test_shortcut_by_a_customer_is_refused(tandem: Tandem) -> None:
    await _link(tandem)
    message = {"type": "message", "user": CUSTOMER, "ts": "1767225600.000300", "text": "We are blocked on SSO."}
    await tandem.interaction(message_shortcut(ids.SHORTCUT_BLOCKER, message, user_id=CUSTOMER, channel_id=SHARED))
    [opened] = await tandem.slack.wait_for("views.open")
    assert "our team only" in _texts(opened.params["view"])
    assert tandem.rows(Item) == []


async def test_empty_summary_is_rejected_on_the_form(tandem: Tandem) -> None:
    await _link(tandem)
    metadata = json.dumps({"k": "decision", "c": SHARED, "ts": "1767225600.000400", "a": "acme"})
    values = {ids.ITEM_SUMMARY: {ids.ITEM_SUMMARY: {"type": "plain_text_input", "value": "  "}}}
    reply = await tandem.interaction(view_submission(ids.VIEW_SAVE_ITEM, values, user_id=IM,
                                                     private_metadata=metadata))
    assert reply.json()["response_action"] == "errors"
    assert set(reply.json()["errors"]) == {ids.ITEM_SUMMARY}
    assert tandem.rows(Item) == []


# ---------------------------------------------------------------- settings

def _settings_values(*, stall: str, switches: dict[int, list[str]]) -> dict[str, Any]:
    values: dict[str, Any] = {
        ids.SETTINGS_DIGEST_TIME: {ids.SETTINGS_DIGEST_TIME: {"type": "timepicker", "selected_time": "07:45"}},
        ids.SETTINGS_WEEKDAYS: {ids.SETTINGS_WEEKDAYS: {"type": "checkboxes", "selected_options": [
            {"value": "0"}, {"value": "2"}, {"value": "4"}]}},
        ids.SETTINGS_STALL_DAYS: {ids.SETTINGS_STALL_DAYS: {"type": "number_input", "value": stall}},
        ids.SETTINGS_SNOOZE_DAYS: {ids.SETTINGS_SNOOZE_DAYS: {"type": "number_input", "value": "1"}},
        ids.SETTINGS_ESCALATE_DAYS: {ids.SETTINGS_ESCALATE_DAYS: {"type": "number_input", "value": "9"}},
    }
    for account_id, ticked in switches.items():
        block = ids.settings_account_block(account_id)
        values[block] = {block: {"type": "checkboxes", "selected_options": [{"value": v} for v in ticked]}}
    return values


async def test_settings_modal_opens_and_saves_preferences_and_switches(tandem: Tandem) -> None:
    _seed(tandem)
    accounts = {a.key: a.id or 0 for a in tandem.rows(Account)}
    trigger = "12345.67890.settings"
    await tandem.command("settings", user=IM, channel=SHARED, trigger_id=trigger)
    [opened] = await tandem.slack.wait_for("views.open")
    assert opened.params["trigger_id"] == trigger
    view = opened.params["view"]
    assert view["callback_id"] == ids.VIEW_SETTINGS
    blocks_by_id = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks_by_id[ids.SETTINGS_DIGEST_TIME]["element"]["initial_time"] == "08:30"
    assert ids.settings_account_block(accounts["acme"]) in blocks_by_id
    assert ids.settings_account_block(accounts["initech"]) not in blocks_by_id

    bad = _settings_values(stall="0", switches={})
    reply = await tandem.interaction(view_submission(ids.VIEW_SETTINGS, bad, user_id=IM,
                                                     private_metadata=view["private_metadata"]))
    assert reply.json()["response_action"] == "errors"
    assert set(reply.json()["errors"]) == {ids.SETTINGS_STALL_DAYS}
    assert tandem.rows(UserPreference) == []

    good = _settings_values(stall="4", switches={
        accounts["acme"]: ["customer_answers"], accounts["initech"]: ["channel_nudges", "customer_answers"]})
    reply = await tandem.interaction(view_submission(ids.VIEW_SETTINGS, good, user_id=IM,
                                                     private_metadata=view["private_metadata"]))
    assert reply.json()["response_action"] == "update"
    [preference] = tandem.rows(UserPreference)
    assert (preference.user_id, preference.digest_time, preference.digest_weekdays) == (IM, time(7, 45), "0,2,4")
    assert (preference.stall_days, preference.snooze_days, preference.escalate_days) == (4, 1, 9)
    saved = {a.key: (a.customer_answers, a.channel_nudges) for a in tandem.rows(Account)}
    assert saved["acme"] == (True, False)
    assert saved["initech"] == (False, False)  # not the IM's: a forged block changes nothing


async def test_settings_are_for_our_team_only(tandem: Tandem) -> None:
    await tandem.command("settings", user=CUSTOMER, channel=SHARED)
    [answer] = await tandem.responses(1)
    assert "for our team only" in answer["blocks"][0]["text"]["text"]
    assert tandem.slack.calls_to("views.open") == []


# ---------------------------------------------------------------- Not right

async def _open_not_right(tandem: Tandem, item_id: int, user: str = IM) -> dict[str, Any]:
    await tandem.interaction(block_actions(ids.ITEM_NOT_RIGHT, ids.item_value(item_id, origin="next"), user_id=user,
                                           channel_id=SHARED, response_url=tandem.slack.new_response_url()))
    [opened] = await tandem.slack.wait_for("views.open")
    return opened.params["view"]


def _not_right(problem: str, kind: str | None = None) -> dict[str, Any]:
    values: dict[str, Any] = {ids.NOT_RIGHT_PROBLEM: {ids.NOT_RIGHT_PROBLEM: {
        "type": "radio_buttons", "selected_option": {"value": problem}}}}
    if kind:
        values[ids.NOT_RIGHT_KIND] = {ids.NOT_RIGHT_KIND: {"type": "static_select", "selected_option": {"value": kind}}}
    return values


async def test_wrong_kind_changes_the_kind_and_is_kept_as_a_correction(tandem: Tandem) -> None:
    item_id = _seed(tandem)["SSO approval from Acme IT"]
    view = await _open_not_right(tandem, item_id)
    assert view["callback_id"] == ids.VIEW_NOT_RIGHT and view["private_metadata"] == str(item_id)

    reply = await tandem.interaction(view_submission(ids.VIEW_NOT_RIGHT, _not_right("kind"), user_id=IM,
                                                     private_metadata=view["private_metadata"]))
    assert reply.json()["response_action"] == "errors" and ids.NOT_RIGHT_KIND in reply.json()["errors"]

    reply = await tandem.interaction(view_submission(ids.VIEW_NOT_RIGHT, _not_right("kind", "next_step"),
                                                     user_id=IM, private_metadata=view["private_metadata"]))
    assert reply.json()["response_action"] == "update"
    [item] = [i for i in tandem.rows(Item) if i.id == item_id]
    assert (item.kind, item.category) == ("next_step", None)
    [correction] = tandem.rows(Correction)
    assert (correction.item_id, correction.user_id, correction.kind_before, correction.kind_after) == (
        item_id, IM, "blocker", "next_step")
    assert correction.source_external_id == f"{SHARED}:17000000.000100"
    assert correction.span == "SSO approval from Acme IT" and not correction.not_an_item
    assert [e.change for e in tandem.rows(ItemEvent) if e.item_id == item_id] == ["corrected"]
    with session_scope(tandem.container.engine) as session:
        [example] = labelled_examples(session)
    assert (example["source_id"], example["kind"], example["kind_before"]) == (
        f"{SHARED}:17000000.000100", "next_step", "blocker")


async def test_not_an_item_withdraws_it(tandem: Tandem) -> None:
    item_id = _seed(tandem)["Send the tax worksheet"]
    view = await _open_not_right(tandem, item_id)
    reply = await tandem.interaction(view_submission(ids.VIEW_NOT_RIGHT, _not_right("not_an_item"), user_id=IM,
                                                     private_metadata=view["private_metadata"]))
    assert reply.json()["response_action"] == "update"
    [item] = [i for i in tandem.rows(Item) if i.id == item_id]
    assert item.status == "withdrawn"
    [correction] = tandem.rows(Correction)
    assert correction.not_an_item and correction.kind_after is None


async def test_a_customer_clicking_not_right_changes_nothing(tandem: Tandem) -> None:
    item_id = _seed(tandem)["SSO approval from Acme IT"]
    await tandem.interaction(block_actions(ids.ITEM_NOT_RIGHT, ids.item_value(item_id), user_id=CUSTOMER,
                                           channel_id=SHARED, response_url=tandem.slack.new_response_url()))
    [refusal] = await tandem.responses(1)
    assert "Only our team" in refusal["text"]
    assert tandem.slack.calls_to("views.open") == []

    reply = await tandem.interaction(view_submission(ids.VIEW_NOT_RIGHT, _not_right("not_an_item"),
                                                     user_id=CUSTOMER, private_metadata=str(item_id)))
    assert reply.json()["response_action"] == "errors"
    [item] = [i for i in tandem.rows(Item) if i.id == item_id]
    assert (item.kind, item.status) == ("blocker", "open")
    assert tandem.rows(Correction) == []
