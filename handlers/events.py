"""Events API listeners: each records the event and queues its work before Slack gets the ack."""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.async_app import AsyncApp

from handlers.context import SlackServices
from handlers.intake import accept_event

QUEUED_EVENTS = ("message", "app_mention", "reaction_added", "reaction_removed", "app_home_opened")


def register(app: AsyncApp, services: SlackServices) -> None:
    """Listen to every event Tandem acts on; the worker does the rest."""

    async def take_in(body: dict[str, Any]) -> None:
        if await asyncio.to_thread(accept_event, services.engine, body):
            services.wake_worker()

    for event_type in QUEUED_EVENTS:
        app.event(event_type)(take_in)
