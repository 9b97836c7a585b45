"""`/tandem next` and its buttons: the ranked list, Done, Snooze, Show more — updated in place."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.business_days import add_business_days
from bot.errors import UserFacingError
from bot.item_actions import item_with_account, mark_done, snooze
from bot.item_queries import ItemView, item_view
from bot.localtime import local_date
from bot.next_items import next_items, stall_days_for
from bot.store import repos
from bot.store.db import session_scope
from bot.store.models import SlackUser, UserPreference
from handlers import blocks, ids
from handlers.context import SlackServices
from handlers.job_blocks import nudge_outcome_blocks
from handlers.permissions import may_act

DEFAULT_SNOOZE_DAYS = 2


class NextView:
    """Builds the IM's list and applies item buttons."""

    def __init__(self, services: SlackServices) -> None:
        self.services = services
        # ranking is pure Python: lists are built one at a time, so concurrent ones do not crowd the event
        # loop off the GIL (and delay every ack); run together they would not finish sooner anyway
        self._ranking = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ranking")

    async def blocks_for(self, user: SlackUser, *, page: int = 0) -> list[blocks.Block]:
        """The IM's ranked list, one page of it."""
        if user.is_external:
            raise UserFacingError("`/tandem next` is for our team only.")
        today = local_date(self.services.clock.now(), user.tz)

        def load() -> list[blocks.Block]:
            with session_scope(self.services.engine, write=False) as session:
                accounts = repos.accounts_visible_to(session, user_id=user.user_id,
                                                     is_lead=self.services.is_lead(user.user_id))
                items = next_items(session, accounts=accounts, today=today,
                                   stall_days=stall_days_for(session, user.user_id), tz=user.tz)
                return blocks.next_blocks(items, page=page)

        return await asyncio.get_running_loop().run_in_executor(self._ranking, load)

    def current(self, item_id: int) -> ItemView:
        """The item as it is now."""
        with session_scope(self.services.engine, write=False) as session:
            item, account = item_with_account(session, item_id)
            return item_view(session, item=item, account=account)

    async def act(self, user: SlackUser, action_id: str, item_id: int) -> str:
        """Apply Done or Snooze for a user allowed on the item's account; returns what happened."""
        def find() -> Any:
            with session_scope(self.services.engine, write=False) as session:
                return item_with_account(session, item_id)[1]

        account = await asyncio.to_thread(find)
        if not await may_act(self.services, user, account):
            raise UserFacingError(f"Only {account.name}'s team can change its items.")
        now = self.services.clock.now()
        today = local_date(now, user.tz)

        def apply() -> str:
            with session_scope(self.services.engine) as session:
                item, stored_account = item_with_account(session, item_id)
                if action_id == ids.ITEM_DONE:
                    changed = mark_done(session, item=item, actor=user.user_id, at=now)
                    return "Marked done." if changed else "Already closed."
                preference = session.get(UserPreference, user.user_id)
                days = stored_account.snooze_days or (preference.snooze_days if preference else DEFAULT_SNOOZE_DAYS)
                until = add_business_days(today, days)
                changed = snooze(session, item=item, until=until, actor=user.user_id, at=now)
                return f"Snoozed until {until:%a %d %b}." if changed else "Already snoozed."

        return await asyncio.to_thread(apply)


def register(app: AsyncApp, services: SlackServices, view: NextView) -> None:
    """Wire the item buttons shown by `/tandem next`."""

    async def on_item_button(body: dict[str, Any], respond: Callable[..., Awaitable[Any]]) -> None:
        action = body["actions"][0]
        user = await services.people.get(body["user"]["id"])
        try:
            item_id, origin, page = ids.parse_item_value(action["value"])
            said = await view.act(user, action["action_id"], item_id)
        except (ValueError, KeyError):
            said = "That button is out of date."
        except UserFacingError as exc:
            await respond(response_type="ephemeral", replace_original=False, text=str(exc))
            return
        if origin == "next":
            refreshed = await view.blocks_for(user, page=page)
            await respond(replace_original=True, text=said, blocks=[blocks.context(said), *refreshed][:50])
        else:
            current = await asyncio.to_thread(view.current, item_id)
            await respond(replace_original=True, text=said, blocks=nudge_outcome_blocks(current, said))

    async def on_show_more(body: dict[str, Any], respond: Callable[..., Awaitable[Any]]) -> None:
        user = await services.people.get(body["user"]["id"])
        page = int(body["actions"][0].get("value") or 0)
        await respond(replace_original=True, text="What to move on next", blocks=await view.blocks_for(user, page=page))

    async def ack_only(ack: Callable[..., Awaitable[None]]) -> None:
        await ack()

    # ack at once; the work (a Slack call or two, the database) runs after the ack
    app.action(ids.ITEM_DONE)(ack=ack_only, lazy=[on_item_button])
    app.action(ids.ITEM_SNOOZE)(ack=ack_only, lazy=[on_item_button])
    app.action(ids.NEXT_SHOW_MORE)(ack=ack_only, lazy=[on_show_more])
    app.action(ids.ITEM_OPEN_SOURCE)(ack_only)
