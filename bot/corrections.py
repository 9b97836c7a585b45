"""'Not right' feedback: correct an item at once and keep the correction as a labelled example.

A correction is one of: wrong kind (the right kind is given), wrong owner (the right owner is given), or
not an item (the item is withdrawn). The item changes, an `ItemEvent` "corrected" records before and after,
and a `Correction` row keeps the example (with the source and span the item came from) for evaluation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlmodel import Session, col, select

from bot.errors import UserFacingError
from bot.extraction.fields import category_of
from bot.records import ITEM_KINDS
from bot.store import repos
from bot.store.models import Correction, Item, ItemEvent

Problem = Literal["kind", "owner", "not_an_item"]
PROBLEMS: tuple[str, ...] = ("kind", "owner", "not_an_item")
OWNER_MAX = 200


@dataclass(frozen=True)
class CorrectionRequest:
    """What a person says is wrong with an item, and what is right."""

    problem: str
    kind: str | None = None
    owner: str | None = None


def problems_with(request: CorrectionRequest, item: Item) -> dict[str, str]:
    """Why a request cannot be applied, by field ("problem", "kind", "owner"); empty when it can."""
    if request.problem not in PROBLEMS:
        return {"problem": "Say what is wrong."}
    if request.problem == "kind":
        if request.kind not in ITEM_KINDS:
            return {"kind": "Choose the right kind."}
        if request.kind == item.kind:
            return {"kind": f"It is already a {item.kind.replace('_', ' ')}: choose another kind."}
    if request.problem == "owner":
        owner = (request.owner or "").strip()
        if not owner:
            return {"owner": "Type the right owner."}
        if len(owner) > OWNER_MAX:
            return {"owner": f"Keep the owner under {OWNER_MAX} characters."}
    return {}


def _origin(session: Session, item: Item) -> tuple[str | None, str]:
    """The external id and quoted span of the source that raised the item."""
    rows = repos.evidence_of(session, item_id=item.id or 0)
    raised = [(e, s) for e, s in rows if e.role == "raised"] or list(rows)
    if not raised:
        return None, ""
    evidence, source = raised[0]
    return source.external_id, evidence.span or source.text


def _state(item: Item) -> dict[str, object]:
    return {"kind": item.kind, "owner": item.owner, "status": item.status, "category": item.category}


def apply_correction(
    session: Session, *, item: Item, request: CorrectionRequest, actor: str, at: datetime
) -> Correction:
    """Change the item as the request says, log it, and store the labelled example. The caller commits."""
    problems = problems_with(request, item)
    if problems:
        raise UserFacingError(" ".join(problems.values()))
    before = _state(item)
    kind_before, owner_before = item.kind, item.owner
    if request.problem == "kind" and request.kind:
        item.kind = request.kind
        item.category = category_of(item.summary) if item.kind == "blocker" else None
        if item.kind == "decision":
            item.waiting_on, item.waiting_since, item.due = None, None, None
    elif request.problem == "owner":
        item.owner = (request.owner or "").strip()
        item.owner_user_id = None
    else:
        item.status = "withdrawn"
        item.snoozed_until = None
    item.last_activity = max(item.last_activity, at)
    session.add(item)
    source_id, span = _origin(session, item)
    correction = Correction(
        item_id=item.id or 0, user_id=actor, kind_before=kind_before,
        kind_after=item.kind if request.problem == "kind" else None,
        owner_before=owner_before, owner_after=item.owner if request.problem == "owner" else None,
        not_an_item=request.problem == "not_an_item", source_external_id=source_id, span=span, created_at=at,
    )
    session.add(correction)
    session.add(ItemEvent(item_id=item.id or 0, at=at, actor=actor, change="corrected",
                          detail=json.dumps({"problem": request.problem, "before": before, "after": _state(item)},
                                            default=str)))
    return correction


def labelled_examples(session: Session) -> list[dict[str, object]]:
    """Every correction as a labelled example for the evaluation: source, span, and the right label."""
    rows = session.exec(select(Correction).order_by(col(Correction.id))).all()
    return [
        {
            "item_id": row.item_id, "source_id": row.source_external_id, "span": row.span,
            "kind_before": row.kind_before,
            "kind": None if row.not_an_item else (row.kind_after or row.kind_before),
            "owner_before": row.owner_before, "owner": row.owner_after or row.owner_before,
            "not_an_item": row.not_an_item, "by": row.user_id, "at": row.created_at.isoformat(),
        }
        for row in rows
    ]
