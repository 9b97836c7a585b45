"""Claim rows: each unit of scheduled work (one IM's digest for one day, one nudge for one item and day)
is claimed in one transaction before it is sent, so two replicas or a misfire never send it twice."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.outbox import OutboundPost, enqueue_post
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


def claim_nudge(engine: Engine, *, item_id: int, user_id: str, local_date: date, kind: str, now: datetime,
                post: Callable[[Nudge], OutboundPost]) -> Nudge | None:
    """Claim (item, local date, kind) and queue its post, `post(claim)`, in one transaction (so a claim is
    never left without its post); None when it is already claimed or sent."""
    try:
        with session_scope(engine) as session:
            row = Nudge(item_id=item_id, user_id=user_id, local_date=local_date, kind=kind, claimed_at=now)
            session.add(row)
            session.flush()
            enqueue_post(session, post(row))
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


def mark_digest_failed(engine: Engine, *, claim_id: str) -> None:
    """A send failed: the next pass retries it (after checking the DM for it)."""
    with session_scope(engine) as session:
        session.exec(update(DigestSent).where(col(DigestSent.claim_id) == claim_id)  # type: ignore[call-overload]
                     .values(status="failed"))


def retryable_digests(engine: Engine, *, now: datetime) -> Sequence[DigestSent]:
    """Digests whose send failed, or whose sender died after claiming; this caller takes each over.

    A conditional UPDATE on the claim time makes sure only one replica takes each one.
    """
    taken: list[DigestSent] = []
    with session_scope(engine) as session:
        rows = session.exec(select(DigestSent).where(
            (col(DigestSent.status) == "failed")
            | ((col(DigestSent.status) == "claimed") & (col(DigestSent.claimed_at) < now - SEND_TIMEOUT)))).all()
        for row in rows:
            result = session.exec(update(DigestSent)  # type: ignore[call-overload]
                                  .where(col(DigestSent.id) == row.id, col(DigestSent.claimed_at) == row.claimed_at,
                                         col(DigestSent.status) == row.status)
                                  .values(claimed_at=now, status="claimed"))
            if result.rowcount == 1:
                row.claimed_at, row.status = now, "claimed"
                taken.append(row)
    return taken


def nudge_for_message(engine: Engine, *, channel_id: str, ts: str) -> Nudge | None:
    """The nudge the bot posted as message (channel, ts), if that message is one."""
    with session_scope(engine) as session:
        return session.exec(select(Nudge).where(Nudge.channel_id == channel_id, Nudge.message_ts == ts)).first()
