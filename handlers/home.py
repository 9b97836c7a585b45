"""App Home: on `app_home_opened` (queued, run by the worker) publish the IM's portfolio; its button posts
the `/tandem next` list into the IM's DM with Tandem, where Done, Snooze and Not right work as usual."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.errors import UserFacingError
from bot.localtime import local_date
from bot.next_items import stall_days_for
from bot.portfolio_overview import portfolio
from bot.store import repos
from bot.store.db import session_scope
from bot.store.models import SlackUser
from handlers import blocks, home_blocks, ids
from handlers.context import SlackServices
from handlers.event_work import SlackEventWork
from handlers.next_view import NextView

log = logging.getLogger(__name__)


class HomeTab:
    """Builds and publishes one user's Home tab."""

    def __init__(self, services: SlackServices, next_view: NextView) -> None:
        self.services = services
        self.next_view = next_view

    def _portfolio_blocks(self, user: SlackUser) -> list[blocks.Block]:
        today = local_date(self.services.clock.now(), user.tz)
        with session_scope(self.services.engine, write=False) as session:
            accounts = repos.accounts_visible_to(session, user_id=user.user_id,
                                                 is_lead=self.services.is_lead(user.user_id))
            overviews = portfolio(session, accounts=accounts, today=today,
                                  stall_days=stall_days_for(session, user.user_id), tz=user.tz)
        return home_blocks.home_blocks(overviews, today=today)

    async def publish(self, user_id: str) -> None:
        """Publish the user's home: the portfolio for our team, a short note for outsiders."""
        user = await self.services.people.get(user_id)
        if user.is_external:
            body = home_blocks.external_home_blocks()
        else:
            body = await asyncio.to_thread(self._portfolio_blocks, user)
        await self.services.gateway.client.views_publish(user_id=user_id, view=home_blocks.home_view(body))

    async def on_home_opened(self, event: dict[str, Any]) -> None:
        """The queued `app_home_opened` event: publish when the Home tab (not Messages) was opened."""
        user_id = event.get("user")
        if event.get("tab", "home") != "home" or not isinstance(user_id, str):
            return
        await self.publish(user_id)

    async def post_next(self, user_id: str) -> None:
        """Post the user's `/tandem next` list into their DM with Tandem."""
        user = await self.services.people.get(user_id)
        try:
            body = await self.next_view.blocks_for(user)
        except UserFacingError as exc:
            body = blocks.message_blocks(str(exc))
        await self.services.gateway.post(channel=user_id, text="What to move on next", blocks=body)


def register(app: AsyncApp, services: SlackServices, event_work: SlackEventWork, next_view: NextView) -> HomeTab:
    """Run `app_home_opened` from the queue, and wire the Home tab's "What to move on next" button."""
    home = HomeTab(services, next_view)
    event_work.on("app_home_opened", home.on_home_opened)

    async def ack_only(ack: Callable[..., Awaitable[None]]) -> None:
        await ack()

    async def open_next(body: dict[str, Any]) -> None:
        try:
            await home.post_next(body["user"]["id"])
        except Exception:
            log.exception("posting the next list from the Home tab failed")

    app.action(ids.HOME_OPEN_NEXT)(ack=ack_only, lazy=[open_next])
    return home
