"""Events API listeners: each records the event and queues its work before Slack gets the ack."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.purge import Purger
from handlers.context import SlackServices
from handlers.event_work import SlackEventWork
from handlers.intake import EventIntake

log = logging.getLogger(__name__)

QUEUED_EVENTS = ("message", "app_mention", "reaction_added", "reaction_removed", "app_home_opened",
                 "app_uninstalled", "tokens_revoked")


def register(app: AsyncApp, services: SlackServices, intake: EventIntake) -> None:
    """Listen to every event Tandem acts on; the worker does the rest (the HTTP route's fast path,
    handlers/event_fast_path.py, takes most deliveries before they reach these listeners)."""

    async def take_in(body: dict[str, Any]) -> None:
        if await intake.accept(body):
            services.wake_worker()

    for event_type in QUEUED_EVENTS:
        app.event(event_type)(take_in)


def register_uninstall(event_work: SlackEventWork, purger: Purger) -> None:
    """`app_uninstalled`, and `tokens_revoked` naming a bot token, delete the whole workspace's data.

    A revoked bot token means Tandem can no longer act in the workspace, exactly as after an uninstall
    (Slack sends both, in either order); user tokens (`tokens.oauth`) are never held, so revoking one
    changes nothing. The purge keeps nothing to repeat, so a second event or a redelivery ends the same.
    """

    async def uninstalled(event: dict[str, Any]) -> None:
        report = await asyncio.to_thread(purger.workspace)
        log.info("%s: workspace data deleted (%s)", event.get("type"), ", ".join(report.lines()))

    async def revoked(event: dict[str, Any]) -> None:
        tokens = event.get("tokens")
        if isinstance(tokens, dict) and tokens.get("bot"):
            await uninstalled(event)

    event_work.on("app_uninstalled", uninstalled)
    event_work.on("tokens_revoked", revoked)
