"""Read models of accounts: the status of one account and the list of accounts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session

from bot.store import repos
from bot.store.models import Account, Item

OPEN_STATUSES = ("open", "snoozed")


@dataclass(frozen=True)
class ItemLine:
    """One item as lists show it."""

    id: int
    kind: str
    summary: str
    owner: str | None
    due: date | None
    waiting_on: str | None
    visibility: str


@dataclass(frozen=True)
class AccountStatus:
    """What `status` shows for one account."""

    key: str
    name: str
    stage: str
    golive: date | None
    owner_user_id: str | None
    channels: list[str]
    sources: int
    last_activity: datetime | None
    open_blockers: list[ItemLine] = field(default_factory=list)
    open_next_steps: list[ItemLine] = field(default_factory=list)
    decisions: int = 0

    def to_json(self) -> dict[str, object]:
        """The JSON shape of `tandem status --json`."""
        return {
            "account": self.key,
            "name": self.name,
            "stage": self.stage,
            "golive": self.golive.isoformat() if self.golive else None,
            "owner": self.owner_user_id,
            "channels": self.channels,
            "sources": self.sources,
            "last_activity": self.last_activity.isoformat() if self.last_activity else None,
            "open_blockers": [_line_json(line) for line in self.open_blockers],
            "open_next_steps": [_line_json(line) for line in self.open_next_steps],
            "decisions": self.decisions,
        }


def _line_json(line: ItemLine) -> dict[str, object]:
    return {
        "id": line.id,
        "summary": line.summary,
        "owner": line.owner,
        "due": line.due.isoformat() if line.due else None,
        "waiting_on": line.waiting_on,
    }


def _line(item: Item) -> ItemLine:
    return ItemLine(item.id or 0, item.kind, item.summary, item.owner, item.due, item.waiting_on, item.visibility)


def account_status(session: Session, *, account: Account, external_only: bool = False) -> AccountStatus:
    """Stage, go-live, open items, decisions and last activity; `external_only` hides internal items."""
    account_id = account.id or 0
    open_items = repos.items_of(session, account_id=account_id, statuses=OPEN_STATUSES)
    decisions = repos.items_of(session, account_id=account_id, kind="decision", statuses=("open",))
    if external_only:
        open_items = [item for item in open_items if item.visibility == "external"]
        decisions = [item for item in decisions if item.visibility == "external"]
    return AccountStatus(
        key=account.key,
        name=account.name,
        stage=account.stage,
        golive=account.golive,
        owner_user_id=account.owner_user_id,
        channels=[link.channel_name or link.channel_id for link in repos.links_of(session, account_id=account_id)],
        sources=repos.count_sources(session, account_id=account_id),
        last_activity=repos.last_activity(session, account_id=account_id),
        open_blockers=[_line(item) for item in open_items if item.kind == "blocker"],
        open_next_steps=[_line(item) for item in open_items if item.kind == "next_step"],
        decisions=len(decisions),
    )
