"""`/tandem settings`: a modal with the IM's own preferences and, per account they may act on, its switches.

The command opens it with its trigger id; the submission is checked (errors shown on the form with
`response_action: errors`) and saved before the ack.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.errors import UserFacingError
from bot.store import repos
from bot.store.db import session_scope
from bot.store.models import Account
from bot.user_settings import parse_preferences, preferences_of, save_settings, switches_of
from handlers import ids, modal_blocks
from handlers.context import SlackServices
from handlers.permissions import may_act

FIELD_BLOCKS = {"digest_time": ids.SETTINGS_DIGEST_TIME, "digest_weekdays": ids.SETTINGS_WEEKDAYS,
                "stall_days": ids.SETTINGS_STALL_DAYS, "snooze_days": ids.SETTINGS_SNOOZE_DAYS,
                "escalate_days": ids.SETTINGS_ESCALATE_DAYS}


async def accounts_for(services: SlackServices, user_id: str) -> list[Account]:
    """The accounts whose switches the user may change: those they see (owned, or all for a lead)."""
    user = await services.people.get(user_id)
    if user.is_external:
        raise UserFacingError("Settings are for our team only.")

    def load() -> list[Account]:
        with session_scope(services.engine) as session:
            return list(repos.accounts_visible_to(session, user_id=user_id, is_lead=services.is_lead(user_id)))

    return [account for account in await asyncio.to_thread(load) if await may_act(services, user, account)]


async def open_settings(services: SlackServices, *, user_id: str, trigger_id: str | None) -> None:
    """Open the settings modal for the user (raises a user-facing error for outsiders or a missing trigger)."""
    if not trigger_id:
        raise UserFacingError("Slack sent no trigger to open the settings with. Try `/tandem settings` again.")
    accounts = await accounts_for(services, user_id)

    def load() -> Any:
        with session_scope(services.engine) as session:
            return preferences_of(session, user_id)

    preferences = await asyncio.to_thread(load)
    switches = switches_of(accounts)[: modal_blocks.MAX_SETTINGS_ACCOUNTS]
    view = modal_blocks.settings_view(preferences, switches, metadata=json.dumps([s.account_id for s in switches]))
    await services.gateway.client.views_open(trigger_id=trigger_id, view=view)


def read_form(values: dict[str, Any]) -> tuple[Any, dict[str, str], dict[int, list[str]]]:
    """(preferences or None, errors by block id, ticked switches by account id) from the submitted state."""
    preferences, problems = parse_preferences(
        digest_time=modal_blocks.state_value(values, ids.SETTINGS_DIGEST_TIME).get("selected_time"),
        weekdays=modal_blocks.selected_values(values, ids.SETTINGS_WEEKDAYS),
        stall_days=modal_blocks.text_value(values, ids.SETTINGS_STALL_DAYS),
        snooze_days=modal_blocks.text_value(values, ids.SETTINGS_SNOOZE_DAYS),
        escalate_days=modal_blocks.text_value(values, ids.SETTINGS_ESCALATE_DAYS),
    )
    switches = {}
    for block_id in values:
        account_id = ids.parse_settings_account_block(block_id)
        if account_id is not None:
            switches[account_id] = modal_blocks.selected_values(values, block_id)
    return preferences, {FIELD_BLOCKS[field]: text for field, text in problems.items()}, switches


def register(app: AsyncApp, services: SlackServices) -> None:
    """Wire the settings modal's submission (the `/tandem settings` command opens it)."""

    async def on_submit(ack: Callable[..., Awaitable[None]], body: dict[str, Any]) -> None:
        user_id = body["user"]["id"]
        preferences, errors, switches = read_form(body["view"]["state"]["values"])
        if errors or preferences is None:
            await ack(response_action="errors", errors=errors)
            return
        try:
            allowed = {account.id or 0 for account in await accounts_for(services, user_id)}
        except UserFacingError as exc:
            await ack(response_action="errors", errors={ids.SETTINGS_DIGEST_TIME: str(exc)})
            return
        now = services.clock.now()

        def write() -> list[str]:
            with session_scope(services.engine) as session:
                return save_settings(session, user_id=user_id, preferences=preferences, switches=switches,
                                     allowed=allowed, at=now)

        changed = await asyncio.to_thread(write)
        said = "Your settings are saved."
        if changed:
            said += " Account switches changed: " + ", ".join(f"`{key}`" for key in changed) + "."
        await ack(response_action="update", view=modal_blocks.notice_view("Settings saved", said))

    app.view(ids.VIEW_SETTINGS)(on_submit)
