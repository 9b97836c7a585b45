"""Reactions on the bot's own nudges: ✅ marks the item done, 💤 snoozes it, removing ✅ reopens it."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from bot.business_days import add_business_days
from bot.claims import nudge_for_message
from bot.item_actions import item_with_account, mark_done, reopen, snooze
from bot.item_queries import item_view
from bot.localtime import local_date
from bot.store.db import session_scope
from bot.store.models import UserPreference
from handlers.context import SlackServices
from handlers.event_work import SlackEventWork
from handlers.job_blocks import nudge_outcome_blocks
from handlers.permissions import may_act

log = logging.getLogger(__name__)

DONE_REACTIONS = {"white_check_mark", "heavy_check_mark"}
SNOOZE_REACTIONS = {"zzz"}
DEFAULT_SNOOZE_DAYS = 2


class NudgeReactions:
    """Applies reactions to nudges, for internal users allowed on the item's account."""

    def __init__(self, services: SlackServices) -> None:
        self.services = services

    async def added(self, event: dict[str, Any]) -> None:
        """`reaction_added`."""
        await self._apply(event, removed=False)

    async def removed(self, event: dict[str, Any]) -> None:
        """`reaction_removed`."""
        await self._apply(event, removed=True)

    async def _apply(self, event: dict[str, Any], *, removed: bool) -> None:
        reaction = str(event.get("reaction", "")).split("::")[0]
        if reaction not in DONE_REACTIONS | SNOOZE_REACTIONS or (removed and reaction not in DONE_REACTIONS):
            return
        target = event.get("item") or {}
        if target.get("type") != "message" or not target.get("channel") or not target.get("ts"):
            return
        nudge = await asyncio.to_thread(nudge_for_message, self.services.engine, channel_id=target["channel"],
                                        ts=target["ts"])
        if nudge is None:
            return
        user = await self.services.people.get(str(event.get("user", "")))

        def account_of() -> Any:
            with session_scope(self.services.engine) as session:
                return item_with_account(session, nudge.item_id)[1]

        account = await asyncio.to_thread(account_of)
        if not await may_act(self.services, user, account):
            log.info("ignored %s on nudge %s from a user not allowed on the account", reaction, nudge.id)
            return
        now = self.services.clock.now()

        def change() -> tuple[str, Any] | None:
            with session_scope(self.services.engine) as session:
                item, stored = item_with_account(session, nudge.item_id)
                if removed:
                    said = f"Reopened by {user.name}." if reopen(session, item=item, actor=user.user_id, at=now) else ""
                elif reaction in DONE_REACTIONS:
                    said = f"Marked done by {user.name}." if mark_done(session, item=item, actor=user.user_id,
                                                                        at=now) else ""
                else:
                    preference = session.get(UserPreference, user.user_id)
                    days = stored.snooze_days or (preference.snooze_days if preference else DEFAULT_SNOOZE_DAYS)
                    until = add_business_days(local_date(now, user.tz), days)
                    said = f"Snoozed until {until:%a %d %b} by {user.name}." if snooze(
                        session, item=item, until=until, actor=user.user_id, at=now) else ""
                if not said:
                    return None
                session.flush()
                return said, item_view(session, item=item, account=stored)

        outcome = await asyncio.to_thread(change)
        if outcome is not None:
            said, view = outcome
            await self.services.gateway.update(channel=target["channel"], ts=target["ts"], text=said,
                                               blocks=nudge_outcome_blocks(view, said))


def register(event_work: SlackEventWork, services: SlackServices) -> None:
    """Run reaction events (queued by handlers/events.py) through `NudgeReactions`."""
    reactions = NudgeReactions(services)
    event_work.on("reaction_added", reactions.added)
    event_work.on("reaction_removed", reactions.removed)
