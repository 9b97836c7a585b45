"""The nudge job: a DM to the IM about each stalled item (at most one a day), escalation to the leads."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from bot.business_days import business_days_between
from bot.claims import claim_nudge, mark_nudge_sent
from bot.clock import Clock
from bot.item_actions import wake_snoozed
from bot.item_queries import ItemView, list_items
from bot.localtime import local_date
from bot.outbox import OutboundPost
from bot.store import repos
from bot.store.db import session_scope
from bot.store.models import Account, Item, Nudge, UserPreference
from handlers.ids import NUDGE_EVENT_TYPE
from handlers.job_blocks import nudge_blocks, nudge_text
from handlers.outbox import SlackOutbox
from handlers.people import People


@dataclass(frozen=True)
class Stalled:
    """A stalled item and whom to tell."""

    view: ItemView
    owner_user_id: str
    today: date
    business_days: int
    since: date
    escalate: bool
    channels: tuple[str, ...]


NUDGE_POST = "nudge"


class NudgeJob:
    """One pass over every account with an IM; each nudge is claimed together with its queued post (one
    transaction), then posted by the outbox, which records where it went once it has landed (reactions find
    it there)."""

    def __init__(self, *, engine: Engine, outbox: SlackOutbox, people: People, clock: Clock,
                 admins: Sequence[str]) -> None:
        self.engine = engine
        self.outbox = outbox
        self.people = people
        self.clock = clock
        self.admins = tuple(admins)
        outbox.on_posted(NUDGE_POST, self._posted)

    def _stalled(self, account: Account, tz: str | None, now: datetime) -> list[Stalled]:
        today = local_date(now, tz)
        with session_scope(self.engine) as session:
            for item in session.exec(select(Item).where(Item.account_id == account.id, Item.status == "snoozed")):
                wake_snoozed(session, item=item, today=today)
            preference = session.get(UserPreference, account.owner_user_id) or UserPreference(user_id="")
            stall_days = account.stall_days or preference.stall_days
            escalate_days = account.escalate_days or preference.escalate_days
            channels = tuple(link.channel_id for link in repos.links_of(session, account_id=account.id or 0)
                             if link.is_external) if account.channel_nudges else ()
            found = []
            for kind in ("blocker", "next_step"):
                for view in list_items(session, accounts=[account], kind=kind, statuses=("open",)):
                    since = local_date(view.last_activity, tz)
                    days = business_days_between(since, today)
                    if days >= stall_days:
                        found.append(Stalled(view, account.owner_user_id or "", today, days, since,
                                             days >= escalate_days, channels if view.visibility == "external" else ()))
            return found

    async def run_once(self, now: datetime | None = None) -> list[tuple[str, int]]:
        """Nudge what is stalled at `now`; returns (kind, item id) for every message queued."""
        moment = now or self.clock.now()
        with session_scope(self.engine) as session:
            accounts = session.exec(select(Account).where(col(Account.owner_user_id).is_not(None))).all()
        sent: list[tuple[str, int]] = []
        for account in accounts:
            owner = await self.people.get(account.owner_user_id or "")
            for stalled in await asyncio.to_thread(self._stalled, account, owner.tz, moment):
                if await self._send(stalled, "nudge", stalled.owner_user_id, stalled.today, moment):
                    sent.append(("nudge", stalled.view.id))
                for channel in stalled.channels:
                    if await self._send(stalled, "channel", stalled.owner_user_id, stalled.today, moment,
                                        channel=channel):
                        sent.append(("channel", stalled.view.id))
                if stalled.escalate and self.admins:
                    # one escalation per stall: keyed on the day the item went quiet
                    for lead in self.admins:
                        if await self._send(stalled, f"esc:{lead}"[:16], lead, stalled.since, moment,
                                            escalation=True):
                            sent.append(("escalation", stalled.view.id))
        return sent

    async def _send(self, stalled: Stalled, kind: str, user_id: str, key_date: date, moment: datetime, *,
                    channel: str | None = None, escalation: bool = False) -> bool:
        def post(claim: Nudge) -> OutboundPost:
            return OutboundPost(
                key=f"nudge:{claim.id}", purpose=NUDGE_POST, channel=channel, user=None if channel else user_id,
                text=nudge_text(stalled.view, business_days=stalled.business_days),
                blocks=nudge_blocks(stalled.view, business_days=stalled.business_days, escalation=escalation,
                                    owner_user_id=stalled.owner_user_id),
                metadata={"event_type": NUDGE_EVENT_TYPE,
                          "event_payload": {"nudge_id": claim.id, "item_id": stalled.view.id}},
            )

        claim = await asyncio.to_thread(claim_nudge, self.engine, item_id=stalled.view.id, user_id=user_id,
                                        local_date=key_date, kind=kind, now=moment, post=post)
        if claim is None:
            return False
        self.outbox.wake()
        return True

    async def _posted(self, post: OutboundPost, channel: str, ts: str) -> None:
        """A nudge landed: record where, so reactions to it find it."""
        nudge_id = int((post.metadata or {})["event_payload"]["nudge_id"])
        await asyncio.to_thread(mark_nudge_sent, self.engine, nudge_id=nudge_id, channel_id=channel, ts=ts,
                                now=self.clock.now())
