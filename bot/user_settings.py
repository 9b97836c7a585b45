"""An IM's own settings (digest time and days, nudge thresholds) and per-account switches: read, check, save."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time

from sqlmodel import Session

from bot.store.models import Account, UserPreference

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MIN_DAYS, MAX_DAYS = 1, 30
ACCOUNT_SWITCHES = ("channel_nudges", "customer_answers")


@dataclass(frozen=True)
class Preferences:
    """The values of a `UserPreference`, defaults included."""

    digest_time: time = time(8, 30)
    digest_weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    stall_days: int = 3
    snooze_days: int = 2
    escalate_days: int = 7


@dataclass(frozen=True)
class AccountSwitches:
    """One account's switches as the settings show them."""

    account_id: int
    key: str
    name: str
    channel_nudges: bool
    customer_answers: bool


def preferences_of(session: Session, user_id: str) -> Preferences:
    """The user's stored preferences, or the defaults."""
    row = session.get(UserPreference, user_id)
    if row is None:
        return Preferences()
    days = tuple(int(day) for day in row.digest_weekdays.split(",") if day.strip().isdigit())
    return Preferences(row.digest_time, days, row.stall_days, row.snooze_days, row.escalate_days)


def switches_of(accounts: Sequence[Account]) -> list[AccountSwitches]:
    """The switches of `accounts`."""
    return [AccountSwitches(a.id or 0, a.key, a.name, a.channel_nudges, a.customer_answers) for a in accounts]


def _days(raw: str | None, label: str, errors: dict[str, str], field: str) -> int:
    try:
        value = int(str(raw).strip())
    except ValueError:
        errors[field] = f"{label} must be a whole number of business days."
        return 0
    if not MIN_DAYS <= value <= MAX_DAYS:
        errors[field] = f"{label} must be between {MIN_DAYS} and {MAX_DAYS} business days."
    return value


def parse_preferences(
    *, digest_time: str | None, weekdays: Collection[str], stall_days: str | None, snooze_days: str | None,
    escalate_days: str | None,
) -> tuple[Preferences | None, dict[str, str]]:
    """Form values to preferences; on any problem, None and the problems by field name."""
    errors: dict[str, str] = {}
    try:
        hour, minute = (int(part) for part in str(digest_time).split(":"))
        parsed_time = time(hour, minute)
    except ValueError:
        errors["digest_time"] = "Pick a time of day, e.g. 08:30."
        parsed_time = time(8, 30)
    days: list[int] = []
    for day in weekdays:
        if not day.isdigit() or int(day) > 6:
            errors["digest_weekdays"] = "Pick days from the list."
        else:
            days.append(int(day))
    stall = _days(stall_days, "Stalled after", errors, "stall_days")
    snooze = _days(snooze_days, "Snooze for", errors, "snooze_days")
    escalate = _days(escalate_days, "Tell the lead after", errors, "escalate_days")
    if "stall_days" not in errors and "escalate_days" not in errors and escalate < stall:
        errors["escalate_days"] = "Tell the lead no sooner than an item counts as stalled."
    if errors:
        return None, errors
    return Preferences(parsed_time, tuple(sorted(set(days))), stall, snooze, escalate), {}


def save_settings(
    session: Session, *, user_id: str, preferences: Preferences, switches: Mapping[int, Collection[str]],
    allowed: Collection[int], at: datetime,
) -> list[str]:
    """Store the preferences and the switches of the `allowed` accounts; returns the accounts changed. No commit."""
    row = session.get(UserPreference, user_id) or UserPreference(user_id=user_id)
    row.digest_time = preferences.digest_time
    row.digest_weekdays = ",".join(str(day) for day in preferences.digest_weekdays)
    row.stall_days, row.snooze_days = preferences.stall_days, preferences.snooze_days
    row.escalate_days = preferences.escalate_days
    row.updated_at = at
    session.add(row)
    changed = []
    for account_id, selected in switches.items():
        account = session.get(Account, account_id) if account_id in allowed else None
        if account is None:
            continue
        wanted = {name: name in selected for name in ACCOUNT_SWITCHES}
        if any(getattr(account, name) != value for name, value in wanted.items()):
            for name, value in wanted.items():
                setattr(account, name, value)
            session.add(account)
            changed.append(account.key)
    return changed
