"""Claim rows: each unit of scheduled work (one IM's digest for one day, one nudge for one item and day)
is claimed in one transaction before it is sent, so two replicas or a misfire never send it twice."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.store.db import session_scope
from bot.store.models import DigestSent, Nudge

SEND_TIMEOUT = timedelta(minutes=10)


def claim_digest(engine: Engine, *, user_id: str, local_date: date, now: datetime) -> DigestSent | None:
    """Claim (user, local date); None when it is already claimed or sent."""
    try:
        with session_scope(engine) as session:
            row = DigestSent(user_id=user_id, local_date=local_date, claim_id=uuid.uuid4().hex, claimed_at=now)
            session.add(row)
            session.flush()
            return row
    except IntegrityError:
        return None


def claim_nudge(engine: Engine, *, item_id: int, user_id: str, local_date: date, kind: str,
                now: datetime) -> Nudge | None:
    """Claim (item, local date, kind); None when it is already claimed or sent."""
    try:
        with session_scope(engine) as session:
            row = Nudge(item_id=item_id, user_id=user_id, local_date=local_date, kind=kind, claimed_at=now)
            session.add(row)
            session.flush()
            return row
    except IntegrityError:
        return None


def mark_digest_sent(engine: Engine, *, claim_id: str, channel_id: str, ts: str, now: datetime) -> None:
    """Record where a claimed digest went."""
    with session_scope(engine) as session:
        session.exec(update(DigestSent).where(col(DigestSent.claim_id) == claim_id)  # type: ignore[call-overload]
                     .values(status="sent", channel_id=channel_id, message_ts=ts, sent_at=now))


def mark_nudge_sent(engine: Engine, *, nudge_id: int, channel_id: str, ts: str, now: datetime) -> None:
    """Record where a claimed nudge went."""
    with session_scope(engine) as session:
        session.exec(update(Nudge).where(col(Nudge.id) == nudge_id)  # type: ignore[call-overload]
                     .values(status="sent", channel_id=channel_id, message_ts=ts, sent_at=now))


def take_over_stale_digests(engine: Engine, *, now: datetime) -> Sequence[DigestSent]:
    """Claimed digests whose sender died before recording the send; this caller takes them over.

    A conditional UPDATE on the claim time makes sure only one replica takes each one.
    """
    taken: list[DigestSent] = []
    with session_scope(engine) as session:
        stale = session.exec(select(DigestSent).where(
            DigestSent.status == "claimed", col(DigestSent.claimed_at) < now - SEND_TIMEOUT)).all()
        for row in stale:
            result = session.exec(update(DigestSent)  # type: ignore[call-overload]
                                  .where(col(DigestSent.id) == row.id, col(DigestSent.claimed_at) == row.claimed_at)
                                  .values(claimed_at=now))
            if result.rowcount == 1:
                row.claimed_at = now
                taken.append(row)
    return taken
