"""The outbox of Slack posts: a post is queued work (`slack.post`), so it survives a crash, is retried with
back-off and, after the last try, stays `failed` with Slack's reason for `tandem status` and `/metrics`.

Slack has no idempotency key, so each post carries one in its message metadata, and a mark in the store
(a sync cursor named after the key) records the first try: a later try first looks for the message.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from bot.clock import utcnow
from bot.store import repos
from bot.store.cursors import clear_cursor, get_cursor, set_cursor
from bot.store.db import session_scope
from bot.store.models import WorkItem
from bot.store.queue import enqueue

SLACK_POST = "slack.post"
LATEST_FAILURES = 5


@dataclass(frozen=True)
class OutboundPost:
    """One message to post: to `channel`, or in a DM with `user`; `purpose` names the feature that posts it."""

    key: str
    purpose: str
    text: str
    channel: str | None = None
    user: str | None = None
    blocks: list[dict[str, Any]] | None = None
    thread_ts: str | None = None
    metadata: dict[str, Any] | None = None

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> OutboundPost:
        """The post of a queued `slack.post` payload."""
        return cls(**{name: payload.get(name) for name in cls.__dataclass_fields__})


def enqueue_post(session: Session, post: OutboundPost) -> bool:
    """Queue a post in the caller's transaction, once per key: False (and nothing queued) when a post with
    this key was queued before, so work that runs again (a redelivery, a retry after a crash) posts once."""
    if not post.channel and not post.user:
        raise ValueError("a post needs a channel or a user")
    queued_key = "post:" + hashlib.sha256(post.key.encode()).hexdigest()[:40]
    if not repos.remember_event(session, event_id=queued_key, kind=SLACK_POST):
        return False
    enqueue(session, kind=SLACK_POST, payload=asdict(post))
    return True


def _mark(key: str) -> str:
    return f"outbox:{key}"


def note_try(engine: Engine, *, key: str) -> datetime | None:
    """Record that post `key` is being tried; the time of its first try when this is not the first."""
    with session_scope(engine) as session:
        first = get_cursor(session, name=_mark(key))
        if first:
            return datetime.fromisoformat(first)
        set_cursor(session, name=_mark(key), value=utcnow().isoformat())
        return None


def forget_tries(engine: Engine, *, key: str) -> None:
    """The post landed: drop its mark."""
    with session_scope(engine) as session:
        clear_cursor(session, name=_mark(key))


@dataclass(frozen=True)
class FailedPost:
    """A post that failed for good: where, what for and why (never its text)."""

    target: str
    purpose: str
    error: str
    failed_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {"target": self.target, "purpose": self.purpose, "error": self.error,
                "failed_at": self.failed_at.isoformat() if self.failed_at else None}


@dataclass(frozen=True)
class FailedPosts:
    """How many posts failed for good, and the latest of them."""

    count: int
    latest: list[FailedPost] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {"count": self.count, "latest": [failure.to_json() for failure in self.latest]}

    def text(self) -> str:
        """The count and the latest reasons, one a line."""
        lines = [f"Failed Slack posts: {self.count}"]
        for failure in self.latest:
            when = failure.failed_at.strftime("%Y-%m-%d %H:%M") if failure.failed_at else "?"
            lines.append(f"  {when}  {failure.purpose} to {failure.target}: {failure.error}")
        return "\n".join(lines)


def failed_posts(session: Session, *, limit: int = LATEST_FAILURES) -> FailedPosts:
    """The posts that failed after their last try, newest first."""
    failed = (col(WorkItem.kind) == SLACK_POST) & (col(WorkItem.status) == "failed")
    count = session.exec(select(func.count()).select_from(WorkItem).where(failed)).one()
    rows = session.exec(select(WorkItem).where(failed).order_by(col(WorkItem.finished_at).desc(),
                                                                col(WorkItem.id).desc()).limit(limit)).all()
    latest = []
    for row in rows:
        payload = json.loads(row.payload)
        target = payload.get("channel") or (f"DM with {payload['user']}" if payload.get("user") else "?")
        latest.append(FailedPost(target=target, purpose=str(payload.get("purpose") or "?"),
                                 error=row.last_error or "", failed_at=row.finished_at))
    return FailedPosts(count=count, latest=latest)
