"""Event intake: record the event id and queue its work in one transaction, before the ack."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine

from bot.store import repos
from bot.store.db import session_scope
from bot.store.queue import enqueue

SLACK_EVENT = "slack.event"


def accept_event(engine: Engine, body: dict[str, Any]) -> bool:
    """Queue an Events API delivery once; False for a redelivery (same `event_id`)."""
    event = body.get("event") or {}
    event_id = body.get("event_id")
    if not isinstance(event, dict) or not isinstance(event_id, str) or not event_id:
        return False
    with session_scope(engine) as session:
        if not repos.remember_event(session, event_id=event_id, kind=str(event.get("type", ""))):
            return False
        enqueue(
            session,
            kind=SLACK_EVENT,
            payload={"event_id": event_id, "team_id": body.get("team_id"), "event": event},
        )
    return True
