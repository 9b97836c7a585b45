"""Item read models: the blocker list, the decision log, in the `--json` shape of DATA_FORMATS.md."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, col, select

from bot.store.models import Account, Item, ItemEvidence, Source

OPEN = ("open", "snoozed")
MARKED = "marked"  # evidence a person attached by hand (a message shortcut)
SUPPORTING_ROLES = ("raised", "restated", MARKED)


@dataclass(frozen=True)
class EvidenceRef:
    """A source supporting or closing an item."""

    source_id: str
    permalink: str | None
    role: str
    span: str
    visibility: str
    ts: datetime


@dataclass(frozen=True)
class ItemView:
    """One item with its evidence, as lists and `--json` show it."""

    id: int
    account: str
    account_name: str
    kind: str
    summary: str
    status: str
    owner: str | None
    waiting_on: str | None
    waiting_since: datetime | None
    due: date | None
    category: str | None
    visibility: str
    first_seen: datetime
    last_activity: datetime
    evidence: list[EvidenceRef] = field(default_factory=list)
    superseded_by: int | None = None
    snoozed_until: date | None = None

    @property
    def supporting(self) -> list[EvidenceRef]:
        """The sources that raised or restated the item."""
        return [e for e in self.evidence if e.role in SUPPORTING_ROLES]

    @property
    def first_permalink(self) -> str | None:
        """The permalink of the first supporting Slack source."""
        return next((e.permalink for e in self.supporting if e.permalink), None)

    def to_json(self) -> dict[str, object]:
        """The state-query shape of DATA_FORMATS.md."""
        supporting = self.supporting
        return {
            "id": self.id,
            "account": self.account,
            "kind": self.kind,
            "summary": self.summary,
            "status": self.status,
            "owner": self.owner,
            "waiting_on": self.waiting_on,
            "waiting_since": self.waiting_since.isoformat() if self.waiting_since else None,
            "due": self.due.isoformat() if self.due else None,
            "category": self.category,
            "visibility": self.visibility,
            "first_seen": self.first_seen.isoformat(),
            "last_activity": self.last_activity.isoformat(),
            "evidence": [e.source_id for e in supporting],
            "permalinks": [e.permalink for e in supporting if e.permalink],
            "resolved_by": [e.source_id for e in self.evidence if e.role == "resolved"],
            "superseded_by": self.superseded_by,
        }


def _evidence(session: Session, item_ids: Sequence[int]) -> dict[int, list[EvidenceRef]]:
    refs: dict[int, list[EvidenceRef]] = {item_id: [] for item_id in item_ids}
    if not item_ids:
        return refs
    rows = session.exec(
        select(ItemEvidence.item_id, Source.external_id, Source.permalink, ItemEvidence.role, ItemEvidence.span,
               Source.visibility, Source.ts)
        .join(Source, col(Source.id) == ItemEvidence.source_id)
        .where(col(ItemEvidence.item_id).in_(item_ids), ~col(Source.deleted))
        .order_by(Source.ts, ItemEvidence.id)
    ).all()
    for item_id, *ref in rows:  # the columns only: whole Source rows would carry every message's text
        refs[item_id].append(EvidenceRef(*ref))
    return refs


def _matches(item: Item, refs: list[EvidenceRef], words: Sequence[str]) -> bool:
    haystack = " ".join([item.summary, *(r.span for r in refs)]).lower()
    return all(re.search(r"\b" + re.escape(word.lower()), haystack) for word in words)


def list_items(
    session: Session,
    *,
    accounts: Sequence[Account],
    kind: str,
    statuses: Sequence[str] | None = OPEN,
    words: Sequence[str] = (),
    external_only: bool = False,
    newest_first: bool = False,
) -> list[ItemView]:
    """Items of one kind across `accounts`; `external_only` drops internal items (for customer askers)."""
    by_id = {a.id: a for a in accounts}
    if not by_id:
        return []
    query = select(Item).where(col(Item.account_id).in_(list(by_id)), Item.kind == kind)
    if statuses:
        query = query.where(col(Item.status).in_(statuses))
    if external_only:
        query = query.where(Item.visibility == "external")
    order = (col(Item.first_seen).desc(), col(Item.id).desc()) if newest_first else (Item.first_seen, Item.id)
    items = session.exec(query.order_by(*order)).all()
    refs = _evidence(session, [i.id or 0 for i in items])
    views = []
    for item in items:
        evidence = refs[item.id or 0]
        if words and not _matches(item, evidence, words):
            continue
        views.append(_view(item, by_id[item.account_id], evidence))
    return views


def _view(item: Item, account: Account, evidence: list[EvidenceRef]) -> ItemView:
    return ItemView(
        id=item.id or 0, account=account.key, account_name=account.name, kind=item.kind, summary=item.summary,
        status=item.status, owner=item.owner, waiting_on=item.waiting_on, waiting_since=item.waiting_since,
        due=item.due, category=item.category, visibility=item.visibility, first_seen=item.first_seen,
        last_activity=item.last_activity, evidence=evidence, superseded_by=item.superseded_by_id,
        snoozed_until=item.snoozed_until,
    )


def item_view(session: Session, *, item: Item, account: Account) -> ItemView:
    """One item with its evidence."""
    return _view(item, account, _evidence(session, [item.id or 0])[item.id or 0])
