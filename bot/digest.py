"""The daily digest's content: what waits on the IM, then per account what changed since the last one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, col, select

from bot.business_days import is_stalled
from bot.item_queries import OPEN, ItemView, list_items
from bot.localtime import local_date
from bot.next_items import NextItem, next_items
from bot.store.models import Account, DigestSent, ItemEvent

WAITING_ON_YOU = 5


@dataclass(frozen=True)
class AccountChanges:
    """One account's part of the digest."""

    key: str
    name: str
    days_to_golive: int | None
    new_blockers: list[ItemView] = field(default_factory=list)
    resolved_blockers: list[ItemView] = field(default_factory=list)
    decisions: list[ItemView] = field(default_factory=list)
    due_or_overdue: list[ItemView] = field(default_factory=list)
    stalled: list[ItemView] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether anything is worth a line."""
        return any((self.new_blockers, self.resolved_blockers, self.decisions, self.due_or_overdue, self.stalled))


@dataclass(frozen=True)
class Digest:
    """One IM's digest for one local date."""

    user_id: str
    local_date: date
    waiting_on_you: list[NextItem]
    accounts: list[AccountChanges]

    @property
    def nothing_changed(self) -> bool:
        """True when the digest is one short line."""
        return not self.waiting_on_you and not any(a.changed for a in self.accounts)


def last_digest_time(session: Session, *, user_id: str) -> datetime | None:
    """When the IM's last digest went out."""
    return session.exec(
        select(DigestSent.sent_at).where(DigestSent.user_id == user_id, DigestSent.status == "sent")
        .order_by(col(DigestSent.sent_at).desc())
    ).first()


def _resolved_since(session: Session, account: Account, since: datetime) -> list[ItemView]:
    resolved = list_items(session, accounts=[account], kind="blocker", statuses=("resolved",))
    if not resolved:
        return []
    changed = set(session.exec(select(ItemEvent.item_id).where(
        col(ItemEvent.item_id).in_([v.id for v in resolved]), ItemEvent.change == "resolved", ItemEvent.at > since)))
    return [v for v in resolved if v.id in changed]


def account_changes(session: Session, *, account: Account, since: datetime, today: date,
                    stall_days: int, tz: str | None) -> AccountChanges:
    """What changed in one account since `since`, and what is due or stalled today."""
    blockers = list_items(session, accounts=[account], kind="blocker", statuses=OPEN)
    steps = list_items(session, accounts=[account], kind="next_step", statuses=OPEN)
    decisions = list_items(session, accounts=[account], kind="decision", statuses=("open",))
    awake = [v for v in blockers + steps if not (v.snoozed_until and v.snoozed_until > today)]
    return AccountChanges(
        key=account.key,
        name=account.name,
        days_to_golive=(account.golive - today).days if account.golive else None,
        new_blockers=[v for v in blockers if v.first_seen > since],
        resolved_blockers=_resolved_since(session, account, since),
        decisions=[v for v in decisions if v.first_seen > since],
        due_or_overdue=[v for v in steps if v.due and v.due <= today and v in awake],
        stalled=[v for v in awake if is_stalled(local_date(v.last_activity, tz), today, stall_days)],
    )


def build_digest(session: Session, *, user_id: str, accounts: Sequence[Account], today: date, since: datetime,
                 stall_days: int, tz: str | None) -> Digest:
    """The digest of `accounts` for `user_id` on `today` (their local date in `tz`)."""
    ranked = next_items(session, accounts=accounts, today=today, stall_days=stall_days, tz=tz)
    ours = [entry for entry in ranked if entry.ranked.input.ball == "vendor"][:WAITING_ON_YOU]
    changes = [account_changes(session, account=a, since=since, today=today, stall_days=stall_days, tz=tz)
               for a in accounts]
    return Digest(user_id=user_id, local_date=today, waiting_on_you=ours, accounts=changes)
