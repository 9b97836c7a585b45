"""The wiring: the Bolt app factory, the worker, and the HTTP and Socket Mode servers."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp

from bot.container import Container
from bot.worker import Worker
from handlers import commands, events
from handlers import next_view as next_buttons
from handlers.context import SlackServices
from handlers.event_work import SlackEventWork
from handlers.intake import SLACK_EVENT
from handlers.next_view import NextView
from handlers.people import People
from handlers.slack_api import SlackGateway, make_web_client

log = logging.getLogger(__name__)

GENERIC_ERROR = "Sorry, something went wrong on my side. The team has the details."


@dataclass
class Runtime:
    """A built app with its worker and services."""

    app: AsyncApp
    worker: Worker
    services: SlackServices


def create_app(container: Container) -> Runtime:
    """Build the Bolt app, its Slack client on SLACK_API_URL, and the worker that runs queued work."""
    settings = container.settings
    client = make_web_client(
        token=settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None,
        base_url=settings.slack_api_url,
    )
    app = AsyncApp(
        client=client,
        signing_secret=settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None,
        process_before_response=True,
        logger=logging.getLogger("slack_bolt"),
    )
    gateway = SlackGateway(client)
    people = People(container.engine, gateway, container.clock)
    worker_ref: list[Worker] = []
    services = SlackServices(
        engine=container.engine,
        ingest=container.ingest,
        gateway=gateway,
        people=people,
        is_lead=container.is_lead,
        wake_worker=lambda: worker_ref[0].wake() if worker_ref else None,
        clock=container.clock,
    )
    event_work = SlackEventWork(engine=container.engine, ingest=container.ingest, gateway=gateway, people=people)
    worker = Worker(
        container.queue,
        {SLACK_EVENT: event_work},
        poll_seconds=settings.tandem_worker_poll_seconds,
    )
    worker_ref.append(worker)
    next_view = NextView(services)
    events.register(app, services)
    commands.register(app, services, next_view)
    next_buttons.register(app, services, next_view)

    @app.error
    async def on_error(error: Exception, body: dict, logger: logging.Logger) -> None:
        logger.exception("unhandled error in a listener", exc_info=error)

    return Runtime(app=app, worker=worker, services=services)


def http_application(runtime: Runtime) -> web.Application:
    """One aiohttp server: Bolt at POST /slack/events and GET /healthz."""

    async def slack_events(request: web.Request) -> web.Response:
        bolt_request = await to_bolt_request(request)
        bolt_response = await runtime.app.async_dispatch(bolt_request)
        return await to_aiohttp_response(bolt_response)

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    application = web.Application()
    application.router.add_post("/slack/events", slack_events)
    application.router.add_get("/healthz", healthz)

    async def worker_task(app: web.Application):  # type: ignore[no-untyped-def]
        task = asyncio.create_task(runtime.worker.run_forever())
        yield
        runtime.worker.stop()
        await task

    application.cleanup_ctx.append(worker_task)
    return application


class SocketModeRunner:
    """Socket Mode (the handler follows apps.connections.open) with the worker beside it."""

    def __init__(self, runtime: Runtime, app_token: str) -> None:
        self.runtime = runtime
        self.handler = AsyncSocketModeHandler(runtime.app, app_token, web_client=runtime.app.client)
        self._worker: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Connect and start the worker."""
        await self.handler.connect_async()
        self._worker = asyncio.create_task(self.runtime.worker.run_forever())

    async def stop(self) -> None:
        """Stop the worker after its current item, then disconnect."""
        self.runtime.worker.stop()
        if self._worker is not None:
            await self._worker
        await self.handler.close_async()


async def serve_socket_mode(runtime: Runtime, app_token: str) -> None:
    """Run Socket Mode until cancelled."""
    runner = SocketModeRunner(runtime, app_token)
    await runner.start()
    try:
        await asyncio.Event().wait()
    finally:
        await runner.stop()
