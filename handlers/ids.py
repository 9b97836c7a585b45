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

NUDGE_EVENT_TYPE = "tandem_nudge"
DIGEST_EVENT_TYPE = "tandem_digest"


def item_value(item_id: int, *, origin: str = "list", page: int = 0) -> str:
    """A button value naming an item, where the button was shown, and the page of the list."""
    return f"{item_id}:{origin}:{page}"


def parse_item_value(value: str) -> tuple[int, str, int]:
    """(item id, origin, page) from a button value; ValueError when malformed."""
    item_id, origin, page = value.split(":", 2)
    return int(item_id), origin, int(page)
