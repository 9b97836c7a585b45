"""Block Kit builders of the App Home and of the modals (shortcut form, Not right, settings)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time

import pytest

from bot.manual_items import ItemDraft
from bot.portfolio_overview import AccountOverview, NextStepLine
from bot.user_settings import AccountSwitches, Preferences
from handlers import home_blocks, ids, modal_blocks

TODAY = date(2026, 6, 10)


def overview(name: str = "Acme", health: str = "on_track", **changes: object) -> AccountOverview:
    fields: dict[str, object] = dict(
        key=name.lower(), name=name, stage="configuration", golive=date(2026, 6, 20), health=health,
        open_blockers=2, open_next_steps=3,
        top_next_step=NextStepLine(7, "Send the <tax> worksheet", "Ana & Co", date(2026, 6, 12),
                                   "https://x.slack.com/archives/C1/p1"),
        last_activity=datetime(2026, 6, 9, 14, 30, tzinfo=UTC),
    )
    fields.update(changes)
    return AccountOverview(**fields)  # type: ignore[arg-type]


def text_of(blocks: list[dict]) -> str:
    parts = []
    for block in blocks:
        if "text" in block:
            parts.append(block["text"]["text"])
        parts.extend(e["text"] for e in block.get("elements", []) if isinstance(e.get("text"), str))
    return "\n".join(parts)


@pytest.mark.parametrize(("health", "label"), [
    ("on_track", ":large_green_circle: On track"),
    ("at_risk", ":large_yellow_circle: At risk"),
    ("blocked", ":red_circle: Blocked"),
])
def test_account_entry_shows_health(health: str, label: str) -> None:
    assert label in text_of(home_blocks.account_blocks(overview(health=health), today=TODAY))


@pytest.mark.parametrize(("golive", "expected"), [
    (date(2026, 6, 20), "go-live *Sat 20 Jun 2026* (in 10 days)"),
    (date(2026, 6, 10), "(today)"),
    (date(2026, 6, 7), "(3 days ago)"),
    (None, "go-live not set"),
])
def test_account_entry_says_when_go_live_is(golive: date | None, expected: str) -> None:
    assert expected in text_of(home_blocks.account_blocks(overview(golive=golive), today=TODAY))


def test_account_entry_escapes_and_links_the_next_step() -> None:
    text = text_of(home_blocks.account_blocks(overview(name="A<b>"), today=TODAY))
    assert "*A&lt;b&gt;*" in text
    assert "Next step: Send the &lt;tax&gt; worksheet · owner Ana &amp; Co · due Fri 12 Jun" in text
    assert "<https://x.slack.com/archives/C1/p1|source>" in text
    assert "Stage *configuration*" in text and "*2* open blockers" in text
    assert "<!date^1781015400^" in text and "09 Jun 2026 14:30 UTC>" in text


def test_account_without_next_step_or_activity() -> None:
    text = text_of(home_blocks.account_blocks(overview(top_next_step=None, last_activity=None, open_blockers=1),
                                              today=TODAY))
    assert "Next step: _none open_" in text and "last activity none yet" in text and "*1* open blocker ·" in text


def test_home_has_the_next_button_and_the_health_rule() -> None:
    body = home_blocks.home_blocks([overview(), overview("Globex")], today=TODAY)
    [actions] = [b for b in body if b["type"] == "actions"]
    assert actions["elements"][0]["action_id"] == ids.HOME_OPEN_NEXT
    assert "Acme" in text_of(body) and "Globex" in text_of(body)
    assert "*Health*: blocked" in text_of(body)
    view = home_blocks.home_view(body)
    assert view["type"] == "home" and view["blocks"] == body


def test_home_caps_the_accounts_within_block_kit_limits() -> None:
    many = [overview(f"Account{n}") for n in range(40)]
    body = home_blocks.home_blocks(many, today=TODAY)
    assert len(body) <= 50
    assert "…and 25 more accounts" in text_of(body)


def test_empty_portfolio_and_external_home() -> None:
    assert "You own no accounts yet" in text_of(home_blocks.home_blocks([], today=TODAY))
    external = text_of(home_blocks.external_home_blocks())
    assert "for our team only" in external


def test_item_form_per_kind() -> None:
    def block_ids(kind: str) -> set[str]:
        draft = ItemDraft(kind=kind, summary="x", owner="Ben", due=date(2026, 7, 1), category="technical",
                          waiting_on="customer")
        view = modal_blocks.item_view(draft, callback_id=ids.VIEW_SAVE_ITEM, metadata="{}", where="here")
        assert len(view["title"]["text"]) <= 24 and view["submit"]
        return {b["block_id"] for b in view["blocks"] if b["type"] == "input"}

    assert block_ids("next_step") == {ids.ITEM_SUMMARY, ids.ITEM_OWNER, ids.ITEM_DUE, ids.ITEM_WAITING_ON}
    assert block_ids("blocker") == {ids.ITEM_SUMMARY, ids.ITEM_OWNER, ids.ITEM_CATEGORY, ids.ITEM_WAITING_ON}
    assert block_ids("decision") == {ids.ITEM_SUMMARY, ids.ITEM_OWNER}


def test_item_form_is_prefilled() -> None:
    draft = ItemDraft(kind="next_step", summary="Send it", owner="Ben", due=date(2026, 7, 1), waiting_on="vendor")
    view = modal_blocks.item_view(draft, callback_id=ids.VIEW_SAVE_ITEM, metadata='{"k": 1}', where="here")
    by_id = {b.get("block_id"): b for b in view["blocks"]}
    assert by_id[ids.ITEM_SUMMARY]["element"]["initial_value"] == "Send it"
    assert by_id[ids.ITEM_SUMMARY]["element"]["action_id"] == ids.ITEM_SUMMARY
    assert by_id[ids.ITEM_OWNER]["element"]["initial_value"] == "Ben"
    assert by_id[ids.ITEM_DUE]["element"]["initial_date"] == "2026-07-01"
    assert by_id[ids.ITEM_WAITING_ON]["element"]["initial_option"]["value"] == "vendor"
    assert view["private_metadata"] == '{"k": 1}'


def test_not_right_form_offers_only_other_kinds_and_escapes() -> None:
    view = modal_blocks.not_right_view(summary="<!channel> SSO", kind="blocker", owner=None, metadata="5")
    by_id = {b.get("block_id"): b for b in view["blocks"]}
    kinds = [o["value"] for o in by_id[ids.NOT_RIGHT_KIND]["element"]["options"]]
    assert kinds == ["next_step", "decision"]
    problems = [o["value"] for o in by_id[ids.NOT_RIGHT_PROBLEM]["element"]["options"]]
    assert problems == ["kind", "owner", "not_an_item"]
    assert "&lt;!channel&gt; SSO" in view["blocks"][0]["text"]["text"]
    assert view["callback_id"] == ids.VIEW_NOT_RIGHT and view["private_metadata"] == "5"


def test_settings_form_shows_current_values_and_switches() -> None:
    preferences = Preferences(time(7, 5), (0, 4), 4, 1, 9)
    switches = [AccountSwitches(3, "acme", "Acme", channel_nudges=False, customer_answers=True)]
    view = modal_blocks.settings_view(preferences, switches, metadata=json.dumps([3]))
    by_id = {b.get("block_id"): b for b in view["blocks"]}
    assert by_id[ids.SETTINGS_DIGEST_TIME]["element"] == {
        "type": "timepicker", "initial_time": "07:05", "action_id": ids.SETTINGS_DIGEST_TIME}
    assert [o["value"] for o in by_id[ids.SETTINGS_WEEKDAYS]["element"]["initial_options"]] == ["0", "4"]
    assert by_id[ids.SETTINGS_STALL_DAYS]["element"]["initial_value"] == "4"
    assert by_id[ids.SETTINGS_ESCALATE_DAYS]["element"]["is_decimal_allowed"] is False
    toggles = by_id[ids.settings_account_block(3)]
    assert toggles["optional"] and [o["value"] for o in toggles["element"]["initial_options"]] == ["customer_answers"]
    assert len(view["title"]["text"]) <= 24


def test_settings_form_stays_under_100_blocks() -> None:
    switches = [AccountSwitches(n, f"a{n}", f"A{n}", False, False) for n in range(150)]
    view = modal_blocks.settings_view(Preferences(digest_weekdays=()), switches)
    assert len(view["blocks"]) <= 100
    assert "initial_options" not in {b.get("block_id"): b for b in view["blocks"]}[ids.SETTINGS_WEEKDAYS]["element"]
    assert "…and 110 more" in text_of(view["blocks"])


def test_reading_submitted_state() -> None:
    values = {
        "a": {"a": {"type": "plain_text_input", "value": "  hi  "}},
        "b": {"b": {"type": "static_select", "selected_option": {"value": "x"}}},
        "c": {"c": {"type": "checkboxes", "selected_options": [{"value": "1"}, {"value": "2"}]}},
        "d": {"d": {"type": "datepicker", "selected_date": "2026-07-01"}},
        "e": {"e": {"type": "plain_text_input", "value": None}},
    }
    assert modal_blocks.text_value(values, "a") == "hi"
    assert modal_blocks.text_value(values, "e") is None and modal_blocks.text_value(values, "zz") is None
    assert modal_blocks.selected_value(values, "b") == "x" and modal_blocks.selected_value(values, "a") is None
    assert modal_blocks.selected_values(values, "c") == ["1", "2"] and modal_blocks.selected_values(values, "b") == []
    assert modal_blocks.date_value(values, "d") == date(2026, 7, 1) and modal_blocks.date_value(values, "a") is None


def test_notice_has_no_submit() -> None:
    view = modal_blocks.notice_view("A title longer than twenty-four", "Done <b>")
    assert "submit" not in view and len(view["title"]["text"]) <= 24
