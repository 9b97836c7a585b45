"""Who may act on an account: its IM, the leads, and internal members of the account's channels."""

from __future__ import annotations

import asyncio

from slack_sdk.errors import SlackApiError

from bot.store import repos
from bot.store.db import session_scope
from bot.store.models import Account, SlackUser
from handlers.context import SlackServices


async def may_act(services: SlackServices, user: SlackUser, account: Account) -> bool:
    """True for an internal user who owns the account, leads, or is a member of one of its channels."""
    if user.is_external:
        return False
    if services.is_lead(user.user_id) or account.owner_user_id in (None, user.user_id):
        return True

    def channels() -> list[str]:
        with session_scope(services.engine) as session:
            return [link.channel_id for link in repos.links_of(session, account_id=account.id or 0)]

    for channel_id in await asyncio.to_thread(channels):
        try:
            if user.user_id in await services.gateway.channel_members(channel_id):
                return True
        except SlackApiError:
            continue
    return False
