"""Items people save by hand (message shortcuts): a draft prefilled from the message, then the saved item.

The message must already be a stored source: the item is created with it as "raised" evidence and an
`ItemEvent` "created" whose actor is the person. Marking a message as the kind the extractor already found
in it updates that item instead of adding a twin.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from bot.errors import UserFacingError
from bot.extraction.dates import resolve_due
from bot.extraction.fields import category_of
from bot.item_queries import MARKED
from bot.records import CATEGORIES, ITEM_KINDS, SIDES
from bot.store import repos
from bot.store.models import Item, ItemEvent, ItemEvidence, Source

SUMMARY_MAX = 500
OWNER_MAX = 200


@dataclass(frozen=True)
class ItemDraft:
    """What a person is about to save: the modal's fields."""

    kind: str
    summary: str
    owner: str | None = None
    due: date | None = None
    category: str | None = None
    waiting_on: str | None = None


def trimmed(text: str, limit: int = SUMMARY_MAX) -> str:
    """Whitespace collapsed and cut to `limit` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def prefill(kind: str, *, text: str, author: str, side: str | None, ts: datetime, tz: str | None) -> ItemDraft:
    """A draft from a message: its text as the summary, its author as owner, a stated due date, a category."""
    return ItemDraft(
        kind=kind,
        summary=trimmed(text),
        owner=author or None,
        due=resolve_due(text, ts, tz) if kind == "next_step" else None,
        category=category_of(text) if kind == "blocker" else None,
        waiting_on=(side or "vendor") if kind != "decision" else None,
    )


def validate(draft: ItemDraft) -> dict[str, str]:
    """Problems with a draft, by field name (empty when it can be saved)."""
    problems: dict[str, str] = {}
    if draft.kind not in ITEM_KINDS:
        problems["kind"] = "Choose blocker, next step or decision."
    if not draft.summary.strip():
        problems["summary"] = "Say what it is in a few words."
    elif len(draft.summary) > SUMMARY_MAX:
        problems["summary"] = f"Keep it under {SUMMARY_MAX} characters."
    if draft.owner and len(draft.owner) > OWNER_MAX:
        problems["owner"] = f"Keep the owner under {OWNER_MAX} characters."
    if draft.category is not None and draft.category not in CATEGORIES:
        problems["category"] = "Choose a category from the list."
    if draft.waiting_on is not None and draft.waiting_on not in SIDES:
        problems["waiting_on"] = "Choose us, the customer or a third party."
    return problems


def _twin(session: Session, source: Source, kind: str) -> Item | None:
    """An open item of `kind` that this source raised already."""
    return session.exec(
        select(Item)
        .join(ItemEvidence, col(ItemEvidence.item_id) == Item.id)
        .where(ItemEvidence.source_id == source.id, ItemEvidence.role == "raised", Item.kind == kind,
               col(Item.status).in_(("open", "snoozed")))
    ).first()


def save_manual_item(
    session: Session, *, account_id: int, source_external_id: str, draft: ItemDraft, actor: str, at: datetime
) -> tuple[Item, bool]:
    """Save a draft with the stored source as evidence; returns (item, created). The caller commits."""
    problems = validate(draft)
    if problems:
        raise UserFacingError(" ".join(problems.values()))
    source = repos.get_source(session, account_id=account_id, external_id=source_external_id)
    if source is None or source.deleted:
        raise UserFacingError("That message is not stored (yet). Try again in a moment.")
    summary = " ".join(draft.summary.split())
    fields = {
        "summary": summary, "owner": (draft.owner or "").strip() or None, "due": draft.due,
        "category": draft.category if draft.kind == "blocker" else None,
        "waiting_on": draft.waiting_on if draft.kind != "decision" else None,
    }
    item = _twin(session, source, draft.kind)
    created = item is None
    if item is None:
        item = Item(account_id=account_id, kind=draft.kind, visibility=source.visibility, confidence=1.0,
                    first_seen=source.ts, last_activity=max(source.ts, at), summary=summary)
    for name, value in fields.items():
        setattr(item, name, value)
    item.waiting_since = source.ts if item.waiting_on else None
    item.last_activity = max(item.last_activity, at)
    session.add(item)
    session.flush()
    if created:
        session.add(ItemEvidence(item_id=item.id or 0, source_id=source.id or 0, role=MARKED, span=source.text))
    session.add(ItemEvent(item_id=item.id or 0, at=at, actor=actor, change="created" if created else "edited",
                          detail=json.dumps({"by": "shortcut", "source": source.external_id, **fields}, default=str)))
    return item, created
