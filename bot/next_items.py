"""What to move on next: the IM's open items from the store, ranked by `bot.ranking`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from bot.item_queries import OPEN, ItemView, list_items
from bot.localtime import local_now
from bot.ranking import RankedItem, RankInput, account_health, rank_items
from bot.store.models import Account, Source, UserPreference

DEFAULT_STALL_DAYS = 3


@dataclass(frozen=True)
class NextItem:
    """A ranked item with its stored view (evidence, permalinks)."""

    ranked: RankedItem
    view: ItemView

    def to_json(self) -> dict[str, object]:
        """The `next --json` shape: the state query plus rank, score and why."""
        return {**self.view.to_json(), "rank": self.ranked.rank, "score": round(self.ranked.score, 2),
                "why": self.ranked.why, "action": self.ranked.action}


def _sides(session: Session, account_ids: Sequence[int]) -> dict[tuple[int, str], str]:
    """Each author's side per account, from the distinct (account, author, side) triples, not one row per
    source; an author seen on two sides (their domain was reclassified) takes the side of their latest source."""
    triples = session.exec(
        select(Source.account_id, Source.author, Source.side).where(col(Source.account_id).in_(account_ids)).distinct()
    ).all()
    found: dict[tuple[int, str], set[str]] = {}
    for account_id, author, side in triples:
        found.setdefault((account_id, author), set()).add(side)
    return {key: _latest_side(session, *key) if len(sides) > 1 else next(iter(sides)) for key, sides in found.items()}


def _latest_side(session: Session, account_id: int, author: str) -> str:
    return session.exec(select(Source.side).where(Source.account_id == account_id, Source.author == author)
                        .order_by(col(Source.ts).desc(), col(Source.id).desc()).limit(1)).one()


def rank_inputs(session: Session, accounts: Sequence[Account], tz: str | None = None) -> list[tuple[RankInput, ItemView]]:
    """The open blockers and next steps of `accounts`, as ranking sees them, times in the IM's zone `tz`."""
    by_key = {a.key: a for a in accounts}
    sides = _sides(session, [a.id or 0 for a in accounts])
    pairs = []
    for kind in ("blocker", "next_step"):
        for view in list_items(session, accounts=accounts, kind=kind, statuses=OPEN):
            account = by_key[view.account]
            pairs.append((RankInput(
                item_id=view.id, account_key=view.account, account_name=view.account_name, kind=view.kind,
                summary=view.summary, owner=view.owner,
                owner_side=sides.get((account.id or 0, view.owner or "")), waiting_on=view.waiting_on,
                waiting_since=local_now(view.waiting_since, tz) if view.waiting_since else None,
                due=view.due, category=view.category,
                last_activity=local_now(view.last_activity, tz), golive=account.golive, status=view.status,
                snoozed_until=view.snoozed_until,
            ), view))
    return pairs


def stall_days_for(session: Session, user_id: str) -> int:
    """The IM's stall threshold in business days."""
    preference = session.get(UserPreference, user_id)
    return preference.stall_days if preference else DEFAULT_STALL_DAYS


def next_items(session: Session, *, accounts: Sequence[Account], today: date, stall_days: int,
               tz: str | None = None) -> list[NextItem]:
    """Every open item of `accounts`, best first, with why and a suggested action."""
    pairs = rank_inputs(session, accounts, tz)
    views = {rank_input.item_id: view for rank_input, view in pairs}
    ranked = rank_items([rank_input for rank_input, _ in pairs], today=today, stall_days=stall_days)
    return [NextItem(r, views[r.input.item_id]) for r in ranked]


def health_of(session: Session, *, account: Account, today: date, stall_days: int, tz: str | None = None) -> str:
    """on_track, at_risk or blocked, by the rule in `bot.ranking.account_health`."""
    inputs = [rank_input for rank_input, _ in rank_inputs(session, [account], tz)]
    return account_health(inputs, account.golive, today, stall_days=stall_days)
