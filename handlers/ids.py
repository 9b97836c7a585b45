"""Every Slack action id, callback id and block id, with the encoding of button values."""

from __future__ import annotations

ITEM_DONE = "tandem_item_done"
ITEM_SNOOZE = "tandem_item_snooze"
ITEM_OPEN_SOURCE = "tandem_item_open_source"
ITEM_NOT_RIGHT = "tandem_item_not_right"
NEXT_SHOW_MORE = "tandem_next_show_more"
HOME_OPEN_NEXT = "tandem_home_open_next"

SHORTCUT_NEXT_STEP = "track_next_step"
SHORTCUT_DECISION = "log_decision"
SHORTCUT_BLOCKER = "mark_blocker"
SHORTCUT_KINDS = {SHORTCUT_NEXT_STEP: "next_step", SHORTCUT_DECISION: "decision", SHORTCUT_BLOCKER: "blocker"}
VIEW_SAVE_ITEM = "tandem_save_item"
VIEW_SETTINGS = "tandem_settings"
VIEW_NOT_RIGHT = "tandem_not_right"

# Block ids of modal inputs; each input's action id is the same string.
ITEM_SUMMARY = "tandem_item_summary"
ITEM_OWNER = "tandem_item_owner"
ITEM_DUE = "tandem_item_due"
ITEM_CATEGORY = "tandem_item_category"
ITEM_WAITING_ON = "tandem_item_waiting_on"
SETTINGS_DIGEST_TIME = "tandem_settings_digest_time"
SETTINGS_WEEKDAYS = "tandem_settings_weekdays"
SETTINGS_STALL_DAYS = "tandem_settings_stall_days"
SETTINGS_SNOOZE_DAYS = "tandem_settings_snooze_days"
SETTINGS_ESCALATE_DAYS = "tandem_settings_escalate_days"
SETTINGS_ACCOUNT_PREFIX = "tandem_settings_account_"
NOT_RIGHT_PROBLEM = "tandem_not_right_problem"
NOT_RIGHT_KIND = "tandem_not_right_kind"
NOT_RIGHT_OWNER = "tandem_not_right_owner"

NUDGE_EVENT_TYPE = "tandem_nudge"
DIGEST_EVENT_TYPE = "tandem_digest"


def item_value(item_id: int, *, origin: str = "list", page: int = 0) -> str:
    """A button value naming an item, where the button was shown, and the page of the list."""
    return f"{item_id}:{origin}:{page}"


def parse_item_value(value: str) -> tuple[int, str, int]:
    """(item id, origin, page) from a button value; ValueError when malformed."""
    item_id, origin, page = value.split(":", 2)
    return int(item_id), origin, int(page)


def settings_account_block(account_id: int) -> str:
    """The block id of one account's toggles in the settings modal."""
    return f"{SETTINGS_ACCOUNT_PREFIX}{account_id}"


def parse_settings_account_block(block_id: str) -> int | None:
    """The account id of a settings toggles block, or None for any other block."""
    if not block_id.startswith(SETTINGS_ACCOUNT_PREFIX):
        return None
    rest = block_id[len(SETTINGS_ACCOUNT_PREFIX):]
    return int(rest) if rest.isdigit() else None


TRIAGE_FILE = "tandem_triage_file"
TRIAGE_DISMISS = "tandem_triage_dismiss"


def triage_value(inbound_id: int, account_key: str = "") -> str:
    """The value of a triage choice: which mail, and (for a select option) which account."""
    return f"{inbound_id}:{account_key}"


def parse_triage_value(value: str) -> tuple[int, str]:
    """(inbound mail id, account key or "") from a triage choice; ValueError when malformed."""
    inbound_id, _, account_key = value.partition(":")
    return int(inbound_id), account_key
