"""Changes people make to items: done, snooze, reopen, and "not right" corrections."""

from __future__ import annotations

import json
from datetime import date, datetime

from sqlmodel import Session

from bot.errors import UserFacingError
from bot.store.models import Account, Item, ItemEvent

CLOSED_BY_DONE = {"blocker": "resolved", "next_step": "done", "decision": "open"}


def _event(session: Session, item: Item, *, actor: str, change: str, at: datetime, **detail: object) -> None:
    session.add(ItemEvent(item_id=item.id or 0, at=at, actor=actor, change=change,
                          detail=json.dumps(detail, default=str)))


def item_with_account(session: Session, item_id: int) -> tuple[Item, Account]:
    """The item and its account, or a user-facing error when it is gone."""
    item = session.get(Item, item_id)
    account = session.get(Account, item.account_id) if item else None
    if item is None or account is None:
        raise UserFacingError("That item no longer exists.")
    return item, account


def mark_done(session: Session, *, item: Item, actor: str, at: datetime) -> bool:
    """Close an open item by hand; False when it was already closed (a repeated click or reaction)."""
    if item.status not in ("open", "snoozed"):
        return False
    item.status = CLOSED_BY_DONE.get(item.kind, "done")
    item.snoozed_until = None
    item.last_activity = max(item.last_activity, at)
    session.add(item)
    _event(session, item, actor=actor, change=item.status, at=at, by="user")
    return True


def reopen(session: Session, *, item: Item, actor: str, at: datetime) -> bool:
    """Undo a manual done (✅ reaction removed); False when the item was not closed."""
    if item.status not in ("done", "resolved"):
        return False
    item.status = "open"
    item.last_activity = max(item.last_activity, at)
    session.add(item)
    _event(session, item, actor=actor, change="reopened", at=at)
    return True


def snooze(session: Session, *, item: Item, until: date, actor: str, at: datetime) -> bool:
    """Hide an open item from nudges and `next` until `until`; False when already snoozed that long."""
    if item.status not in ("open", "snoozed"):
        return False
    if item.status == "snoozed" and item.snoozed_until and item.snoozed_until >= until:
        return False
    item.status = "snoozed"
    item.snoozed_until = until
    session.add(item)
    _event(session, item, actor=actor, change="snoozed", at=at, until=until.isoformat())
    return True


def wake_snoozed(session: Session, *, item: Item, today: date) -> bool:
    """Bring a snoozed item back once its snooze has run out."""
    if item.status == "snoozed" and item.snoozed_until and item.snoozed_until <= today:
        item.status = "open"
        item.snoozed_until = None
        session.add(item)
        return True
    return False
