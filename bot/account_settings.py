"""`set <account> <field> <value>`: validate and apply one account setting."""

from __future__ import annotations

import re
from datetime import date

from bot.errors import UserFacingError
from bot.store.models import Account

STAGES = ("scoping", "configuration", "validation", "live")
SWITCHES = {"customer-answers": "customer_answers", "channel-nudges": "channel_nudges", "llm": "llm_allowed"}
FIELDS = ("golive", "owner", "stage", "name", *SWITCHES)
USAGE = f"`set <account> {'|'.join(FIELDS)} <value>`"
USER_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$|^([UW][A-Z0-9]+)$")


def _switch(value: str) -> bool:
    lowered = value.lower()
    if lowered in ("on", "yes", "true"):
        return True
    if lowered in ("off", "no", "false"):
        return False
    raise UserFacingError("Use `on` or `off`.")


def apply_setting(account: Account, field: str, value: str) -> str:
    """Change one setting of `account`; returns a sentence saying what changed."""
    field = field.lower()
    if field == "golive":
        if value.lower() in ("none", "-"):
            account.golive = None
            return f"{account.name}: go-live cleared."
        try:
            account.golive = date.fromisoformat(value)
        except ValueError:
            raise UserFacingError("Give the go-live date as YYYY-MM-DD, e.g. `2026-03-16`.") from None
        return f"{account.name}: go-live set to {account.golive:%a %d %b %Y}."
    if field == "owner":
        match = USER_MENTION.match(value)
        if not match:
            raise UserFacingError("Name the owner as a Slack mention, e.g. `@dana`.")
        account.owner_user_id = match.group(1) or match.group(2)
        return f"{account.name}: owner set to <@{account.owner_user_id}>."
    if field == "stage":
        if value.lower() not in STAGES:
            raise UserFacingError(f"Stage is one of {', '.join(STAGES)}.")
        account.stage = value.lower()
        return f"{account.name}: stage set to {account.stage}."
    if field == "name":
        if not value.strip() or len(value) > 200:
            raise UserFacingError("Give a name of 1 to 200 characters.")
        account.name = value.strip()
        return f"Account renamed to {account.name}."
    if field in SWITCHES:
        enabled = _switch(value)
        setattr(account, SWITCHES[field], enabled)
        return f"{account.name}: {field} {'on' if enabled else 'off'}."
    raise UserFacingError(f"Usage: {USAGE}")
