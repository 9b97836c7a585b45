"""Queued posts: once per key, and a nudge claim never without its post (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from bot.claims import claim_nudge
from bot.container import Container
from bot.outbox import SLACK_POST, OutboundPost, enqueue_post
from bot.store.db import session_scope
from bot.store.models import Account, Item, Nudge, WorkItem

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _posts(container: Container) -> list[dict]:
    with session_scope(container.engine) as session:
        return [json.loads(w.payload) for w in session.exec(select(WorkItem).where(WorkItem.kind == SLACK_POST)).all()]


def test_a_post_is_queued_once_per_key_even_when_its_work_runs_again(container: Container) -> None:
    answer = OutboundPost(key="answer:C1:1767225600.000100", purpose="answer", text="Here is what I found.",
                          channel="C1")
    with session_scope(container.engine) as session:
        assert enqueue_post(session, answer) is True
    with session_scope(container.engine) as session:  # the event's work ran again after a crash
        assert enqueue_post(session, answer) is False
        assert enqueue_post(session, OutboundPost(key="answer:C1:1767225660.000200", purpose="answer",
                                                  text="Another answer.", channel="C1")) is True
    assert len(_posts(container)) == 2


def _item(container: Container) -> int:
    with session_scope(container.engine) as session:
        account = Account(key="acme", name="Acme")
        session.add(account)
        session.flush()
        item = Item(account_id=account.id, kind="next_step", summary="Send the SSO pack", status="open")
        session.add(item)
        session.flush()
        return int(item.id)


def test_a_nudge_claim_and_its_post_are_queued_together_or_not_at_all(container: Container) -> None:
    item_id = _item(container)

    def post(claim: Nudge) -> OutboundPost:
        return OutboundPost(key=f"nudge:{claim.id}", purpose="nudge", text="Still open", user="U1")

    def broken(_claim: Nudge) -> OutboundPost:
        raise RuntimeError("the post could not be built")

    with pytest.raises(RuntimeError):
        claim_nudge(container.engine, item_id=item_id, user_id="U1", local_date=date(2026, 3, 2), kind="nudge",
                    now=NOW, post=broken)
    with session_scope(container.engine) as session:
        assert session.exec(select(Nudge)).all() == []  # no claim is left that nothing will ever post

    claim = claim_nudge(container.engine, item_id=item_id, user_id="U1", local_date=date(2026, 3, 2),
                        kind="nudge", now=NOW, post=post)
    again = claim_nudge(container.engine, item_id=item_id, user_id="U1", local_date=date(2026, 3, 2),
                        kind="nudge", now=NOW, post=post)
    assert claim is not None and again is None
    assert [p["key"] for p in _posts(container)] == [f"nudge:{claim.id}"]
