"""The IM's portfolio at a glance (App Home): per account stage, go-live, health, blockers, next step, activity.

Health is `bot.ranking.account_health` (see that module's docstring): *blocked* when an open blocker has
had no activity for `blocked_days` business days or go-live passed with a blocker open; *at risk* with
several open blockers close to go-live, an overdue item or a stalled item; *on track* otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from bot.next_items import health_of, next_items
from bot.store import repos
from bot.store.models import Account, Item

OPEN = ("open", "snoozed")


@dataclass(frozen=True)
class NextStepLine:
    """The account's top open next step."""

    item_id: int
    summary: str
    owner: str | None
    due: date | None
    permalink: str | None


@dataclass(frozen=True)
class AccountOverview:
    """One account as the App Home shows it."""

    key: str
    name: str
    stage: str
    golive: date | None
    health: str
    open_blockers: int
    open_next_steps: int
    top_next_step: NextStepLine | None
    last_activity: datetime | None


def _count(items: Sequence[Item], kind: str) -> int:
    return sum(1 for item in items if item.kind == kind)


def portfolio(
    session: Session, *, accounts: Sequence[Account], today: date, stall_days: int, tz: str | None = None
) -> list[AccountOverview]:
    """The overview of each account, in the order given; the next step is the best ranked one (times in `tz`)."""
    ranked = next_items(session, accounts=accounts, today=today, stall_days=stall_days, tz=tz)
    top: dict[str, NextStepLine] = {}
    for entry in ranked:
        view = entry.view
        if view.kind == "next_step" and view.account not in top:
            top[view.account] = NextStepLine(view.id, view.summary, view.owner, view.due, view.first_permalink)
    result = []
    for account in accounts:
        items = repos.items_of(session, account_id=account.id or 0, statuses=OPEN)
        result.append(AccountOverview(
            key=account.key, name=account.name, stage=account.stage, golive=account.golive,
            health=health_of(session, account=account, today=today, stall_days=stall_days, tz=tz),
            open_blockers=_count(items, "blocker"), open_next_steps=_count(items, "next_step"),
            top_next_step=top.get(account.key),
            last_activity=repos.last_activity(session, account_id=account.id or 0),
        ))
    return result
