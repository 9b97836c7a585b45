"""`set <account> <field> <value>`: validate and apply one account setting."""

from __future__ import annotations

import re
from datetime import date

from bot.errors import UserFacingError
from bot.store.models import Account

STAGES = ("scoping", "configuration", "validation", "live")
SWITCHES = {"customer-answers": "customer_answers", "channel-nudges": "channel_nudges", "llm": "llm_allowed"}
DOMAIN_FIELDS = {"domains": "email_domains", "third-party-domains": "third_party_domains"}
FIELDS = ("golive", "owner", "stage", "name", *SWITCHES, *DOMAIN_FIELDS, "email-visibility")
USAGE = f"`set <account> {'|'.join(FIELDS)} <value>`"
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
USER_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$|^([UW][A-Z0-9]+)$")


def _switch(value: str) -> bool:
    lowered = value.lower()
    if lowered in ("on", "yes", "true"):
        return True
    if lowered in ("off", "no", "false"):
        return False
    raise UserFacingError("Use `on` or `off`.")


def _domains(value: str) -> str:
    if value.lower() in ("none", "-"):
        return ""
    domains = [part.strip().lower().lstrip("@") for part in value.split(",") if part.strip()]
    bad = [domain for domain in domains if not DOMAIN.match(domain)]
    if bad or not domains:
        raise UserFacingError(f"Give domains separated by commas, e.g. `acme.example,acme-foods.example` "
                              f"(not {', '.join(bad) or 'nothing'}).")
    joined = ",".join(dict.fromkeys(domains))
    if len(joined) > 500:
        raise UserFacingError("That is too many domains (500 characters at most).")
    return joined


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
    if field in DOMAIN_FIELDS:
        setattr(account, DOMAIN_FIELDS[field], _domains(value))
        shown = getattr(account, DOMAIN_FIELDS[field]) or "none"
        return f"{account.name}: {field} set to {shown}."
    if field == "email-visibility":
        if value.lower() not in ("internal", "external"):
            raise UserFacingError("Email visibility is `internal` (our team only) or `external` (customers too).")
        account.emails_external = value.lower() == "external"
        return f"{account.name}: new emails are {value.lower()}."
    raise UserFacingError(f"Usage: {USAGE}")
