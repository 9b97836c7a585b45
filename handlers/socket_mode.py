"""Socket Mode's handler, counting each envelope as a request in flight."""

from __future__ import annotations

from typing import Any

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest

from bot.foreground import Foreground


class SocketModeHandler(AsyncSocketModeHandler):
    """Bolt's Socket Mode handler, marking each request in flight so that queued work waits for a lull."""

    def __init__(self, app: AsyncApp, app_token: str, *, foreground: Foreground, **options: Any) -> None:
        super().__init__(app, app_token, **options)
        self.foreground = foreground

    async def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        """Dispatch one envelope and send its ack, marked as a request in flight."""
        with self.foreground.serving():
            await super().handle(client, req)
