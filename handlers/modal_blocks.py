"""Block Kit for modals: the item form (shortcuts), "Not right", settings, a notice; and reading their state.

Limits followed: modal titles and button labels at most 24 characters, at most 100 blocks a view, at most
10 checkbox options, `private_metadata` at most 3,000 characters, times as HH:mm, dates as YYYY-MM-DD.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from bot.manual_items import SUMMARY_MAX, ItemDraft
from bot.records import CATEGORIES
from bot.user_settings import MAX_DAYS, MIN_DAYS, WEEKDAYS, AccountSwitches, Preferences
from handlers import blocks, ids

Block = dict[str, Any]
View = dict[str, Any]
MAX_VIEW_BLOCKS = 100
MAX_SETTINGS_ACCOUNTS = 40
KIND_LABELS = {"blocker": "Blocker", "next_step": "Next step", "decision": "Decision"}
SIDE_LABELS = {"vendor": "Us", "customer": "The customer", "third_party": "A third party"}
CATEGORY_LABELS = {
    "it_approval": "IT approval / SSO", "third_party": "Third-party vendor / data migration",
    "stakeholder_signoff": "Stakeholder sign-off", "scope_change": "Scope change", "technical": "Technical",
    "other": "Other",
}
PROBLEM_LABELS = {"kind": "Wrong kind", "owner": "Wrong owner", "not_an_item": "Not an item"}
SWITCH_LABELS = {"channel_nudges": "Post nudges in its channels",
                 "customer_answers": "Answer customers in the shared channel"}


def plain(text: str, limit: int = 150) -> Block:
    """A plain_text object cut to `limit` characters."""
    return {"type": "plain_text", "text": text if len(text) <= limit else text[: limit - 1] + "…"}


def option(value: str, label: str) -> Block:
    """One option of a select, radio buttons or checkboxes."""
    return {"text": plain(label, 75), "value": value}


def input_block(block_id: str, label: str, element: Block, *, optional: bool = False, hint: str | None = None) -> Block:
    """An input block whose element's action id is its block id."""
    block: Block = {"type": "input", "block_id": block_id, "label": plain(label, 2000),
                    "element": {**element, "action_id": block_id}, "optional": optional}
    if hint:
        block["hint"] = plain(hint, 2000)
    return block


def static_select(choices: dict[str, str], initial: str | None, placeholder: str) -> Block:
    """A static_select of `choices` (value → label), preselecting `initial`."""
    element: Block = {"type": "static_select", "placeholder": plain(placeholder),
                      "options": [option(value, label) for value, label in choices.items()]}
    if initial in choices:
        element["initial_option"] = option(initial, choices[initial])
    return element


def modal(callback_id: str, title: str, body: Sequence[Block], *, submit: str | None = "Save",
          metadata: str = "") -> View:
    """A modal view; `submit` None for a notice without inputs."""
    view: View = {"type": "modal", "callback_id": callback_id, "title": plain(title, 24),
                  "close": plain("Close" if submit is None else "Cancel", 24),
                  "blocks": list(body)[:MAX_VIEW_BLOCKS], "private_metadata": metadata[:3000]}
    if submit:
        view["submit"] = plain(submit, 24)
    return view


def notice_view(title: str, text: str) -> View:
    """A modal that only says something (a refusal, or what was saved)."""
    return modal("tandem_notice", title, [blocks.section(text)], submit=None)


def item_view(draft: ItemDraft, *, callback_id: str, metadata: str, where: str) -> View:
    """The shortcut form: summary, owner, and per kind a due date, a category, whom it waits on."""
    body: list[Block] = [
        blocks.context(f"From {where}"),
        input_block(ids.ITEM_SUMMARY, "Decision" if draft.kind == "decision" else "Summary", {
            "type": "plain_text_input", "multiline": True, "max_length": SUMMARY_MAX,
            "initial_value": draft.summary[:SUMMARY_MAX]}),
        input_block(ids.ITEM_OWNER, "Decided by" if draft.kind == "decision" else "Owner",
                    {"type": "plain_text_input", "max_length": 200, **(
                        {"initial_value": draft.owner} if draft.owner else {})}, optional=True),
    ]
    if draft.kind == "next_step":
        picker: Block = {"type": "datepicker"}
        if draft.due:
            picker["initial_date"] = draft.due.isoformat()
        body.append(input_block(ids.ITEM_DUE, "Due", picker, optional=True))
    if draft.kind == "blocker":
        body.append(input_block(ids.ITEM_CATEGORY, "Category", static_select(
            {c: CATEGORY_LABELS[c] for c in CATEGORIES}, draft.category or "other", "Choose a category")))
    if draft.kind != "decision":
        body.append(input_block(ids.ITEM_WAITING_ON, "Waiting on", static_select(
            SIDE_LABELS, draft.waiting_on, "Whose move is it?"), optional=True))
    title = {"blocker": "Mark as blocker", "next_step": "Track as next step", "decision": "Log as decision"}
    return modal(callback_id, title[draft.kind], body, metadata=metadata)


def not_right_view(*, summary: str, kind: str, owner: str | None, metadata: str) -> View:
    """What is wrong with an item: the kind (and the right one), the owner (and the right one), or not an item."""
    current = f"*{blocks.escape(summary)}*\n{KIND_LABELS.get(kind, kind)}" + (
        f" · owner {blocks.escape(owner)}" if owner else "")
    body = [
        blocks.section(current),
        input_block(ids.NOT_RIGHT_PROBLEM, "What is wrong?", {
            "type": "radio_buttons", "options": [option(v, label) for v, label in PROBLEM_LABELS.items()]}),
        input_block(ids.NOT_RIGHT_KIND, "The right kind", static_select(
            {k: v for k, v in KIND_LABELS.items() if k != kind}, None, "Choose a kind"), optional=True,
            hint="For a wrong kind."),
        input_block(ids.NOT_RIGHT_OWNER, "The right owner", {"type": "plain_text_input", "max_length": 200},
                    optional=True, hint="For a wrong owner: a name, e.g. Ana at Acme IT."),
    ]
    return modal(ids.VIEW_NOT_RIGHT, "Not right", body, submit="Correct", metadata=metadata)


def _days_input(block_id: str, label: str, value: int, hint: str) -> Block:
    return input_block(block_id, label, {
        "type": "number_input", "is_decimal_allowed": False, "min_value": str(MIN_DAYS),
        "max_value": str(MAX_DAYS), "initial_value": str(value)}, hint=hint)


def settings_view(preferences: Preferences, accounts: Sequence[AccountSwitches], *, metadata: str = "") -> View:
    """`/tandem settings`: digest time and days, nudge thresholds, then per account its two switches."""
    day_options = [option(str(i), name) for i, name in enumerate(WEEKDAYS)]
    weekdays: Block = {"type": "checkboxes", "options": day_options}
    chosen = [day_options[d] for d in preferences.digest_weekdays if 0 <= d < len(day_options)]
    if chosen:
        weekdays["initial_options"] = chosen
    body: list[Block] = [
        input_block(ids.SETTINGS_DIGEST_TIME, "Daily digest at", {
            "type": "timepicker", "initial_time": f"{preferences.digest_time:%H:%M}"},
            hint="Your local time, as Slack knows your time zone."),
        input_block(ids.SETTINGS_WEEKDAYS, "Digest on", weekdays, optional=True, hint="No day: no digest."),
        _days_input(ids.SETTINGS_STALL_DAYS, "Stalled after (business days)", preferences.stall_days,
                    "An open item with no activity this long is nudged."),
        _days_input(ids.SETTINGS_SNOOZE_DAYS, "Snooze for (business days)", preferences.snooze_days,
                    "What 💤 and Snooze do."),
        _days_input(ids.SETTINGS_ESCALATE_DAYS, "Tell the lead after (business days)", preferences.escalate_days,
                    "Still stalled this long: the lead is told."),
    ]
    shown = list(accounts)[:MAX_SETTINGS_ACCOUNTS]
    if shown:
        body.append({"type": "divider"})
        body.append(blocks.section("*Accounts*"))
    for account in shown:
        options = [option(name, label) for name, label in SWITCH_LABELS.items()]
        element: Block = {"type": "checkboxes", "options": options}
        initial = [o for o in options if getattr(account, o["value"])]
        if initial:
            element["initial_options"] = initial
        body.append(input_block(ids.settings_account_block(account.account_id), f"{account.name} ({account.key})",
                                element, optional=True))
    if len(accounts) > len(shown):
        body.append(blocks.context(f"…and {len(accounts) - len(shown)} more: use `/tandem set <account> …`."))
    return modal(ids.VIEW_SETTINGS, "Tandem settings", body, metadata=metadata)


def state_value(values: dict[str, Any], block_id: str) -> dict[str, Any]:
    """The state of the input `block_id` (whose action id is the same), or {}."""
    return (values.get(block_id) or {}).get(block_id) or {}


def text_value(values: dict[str, Any], block_id: str) -> str | None:
    """A text or number input's value, stripped; None when empty."""
    value = state_value(values, block_id).get("value")
    return value.strip() or None if isinstance(value, str) else None


def selected_value(values: dict[str, Any], block_id: str) -> str | None:
    """The value chosen in a select or radio buttons."""
    chosen = state_value(values, block_id).get("selected_option") or {}
    return chosen.get("value")


def selected_values(values: dict[str, Any], block_id: str) -> list[str]:
    """The values ticked in checkboxes."""
    return [str(o.get("value")) for o in state_value(values, block_id).get("selected_options") or []]


def date_value(values: dict[str, Any], block_id: str) -> date | None:
    """The date chosen in a datepicker; ValueError when malformed."""
    raw = state_value(values, block_id).get("selected_date")
    return date.fromisoformat(raw) if raw else None
