"""The wiring: the Bolt app factory, the worker, and the HTTP and Socket Mode servers."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp

from bot.container import Container
from bot.email.intake import TRIAGE_NOTIFY
from bot.worker import Worker
from handlers import answers as answer_events
from handlers import commands, events, feedback, home, reactions, settings_modal, shortcuts, triage
from handlers import next_view as next_buttons
from handlers.answers import Answers
from handlers.context import SlackServices
from handlers.email_webhook import EmailWebhook
from handlers.event_work import SlackEventWork
from handlers.intake import SLACK_EVENT
from handlers.next_view import NextView
from handlers.people import People
from handlers.slack_api import SlackGateway, make_web_client
from handlers.triage import TriageNotifier
from jobs.digest import DigestJob
from jobs.nudges import NudgeJob
from jobs.scheduler import build_scheduler

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """A built app with its worker, services and scheduled jobs."""

    app: AsyncApp
    worker: Worker
    services: SlackServices
    digest: DigestJob
    nudges: NudgeJob
    email_webhook: EmailWebhook | None = None

    def scheduler(self) -> AsyncIOScheduler:
        """The scheduler running both jobs every tick."""
        return build_scheduler([("digest", self.digest.run_once), ("nudges", self.nudges.run_once)])


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
    single, batched = container.index_work() if container.hold_index() else ({}, {})
    triage_notifier = TriageNotifier(services, settings.tandem_admins)
    worker = Worker(container.queue, {SLACK_EVENT: event_work, TRIAGE_NOTIFY: triage_notifier, **single},
                    batch_handlers=batched,
                    poll_seconds=settings.tandem_worker_poll_seconds)
    worker_ref.append(worker)
    next_view = NextView(services)
    events.register(app, services)
    answers = Answers(services, container.asker)
    answer_events.register(event_work, answers)
    commands.register(app, services, next_view, answers)
    next_buttons.register(app, services, next_view)
    home.register(app, services, event_work, next_view)
    shortcuts.register(app, services, event_work)
    settings_modal.register(app, services)
    feedback.register(app, services)
    reactions.register(event_work, services)
    triage.register(app, services, container.email_intake)
    admins = settings.tandem_admins
    digest = DigestJob(engine=container.engine, gateway=gateway, people=people, clock=container.clock,
                       is_lead=container.is_lead, admins=admins)
    nudges = NudgeJob(engine=container.engine, gateway=gateway, people=people, clock=container.clock, admins=admins)

    @app.error
    async def on_error(error: Exception, body: dict, logger: logging.Logger) -> None:
        logger.exception("unhandled error in a listener", exc_info=error)

    webhook_secret = settings.email_webhook_secret
    email_webhook = EmailWebhook(container.email_intake, container.engine, secret=webhook_secret.get_secret_value(),
                                 max_bytes=settings.email_max_bytes) if webhook_secret else None
    return Runtime(app=app, worker=worker, services=services, digest=digest, nudges=nudges,
                   email_webhook=email_webhook)


def http_application(runtime: Runtime, *, with_scheduler: bool = True) -> web.Application:
    """One aiohttp server: Bolt at POST /slack/events and GET /healthz, with the worker and the scheduler."""

    async def slack_events(request: web.Request) -> web.Response:
        try:
            bolt_request = await to_bolt_request(request)
        except ValueError:  # a body that is neither JSON nor a form Slack would send
            log.warning("rejected a malformed request body")
            return web.json_response({"ok": False, "error": "malformed_body"}, status=400)
        bolt_response = await runtime.app.async_dispatch(bolt_request)
        return await to_aiohttp_response(bolt_response)

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    application = web.Application()
    application.router.add_post("/slack/events", slack_events)
    application.router.add_get("/healthz", healthz)
    if runtime.email_webhook is not None:
        application.router.add_post("/email/inbound", runtime.email_webhook.handle)

    async def worker_task(app: web.Application):  # type: ignore[no-untyped-def]
        task = asyncio.create_task(runtime.worker.run_forever())
        scheduler = runtime.scheduler() if with_scheduler else None
        if scheduler is not None:
            scheduler.start()
        yield
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        runtime.worker.stop()
        await task

    application.cleanup_ctx.append(worker_task)
    return application


class SocketModeRunner:
    """Socket Mode (the handler follows apps.connections.open) with the worker beside it."""

    def __init__(self, runtime: Runtime, app_token: str, *, with_scheduler: bool = True) -> None:
        self.runtime = runtime
        self.handler = AsyncSocketModeHandler(runtime.app, app_token, web_client=runtime.app.client)
        self._worker: asyncio.Task[None] | None = None
        self._scheduler = runtime.scheduler() if with_scheduler else None

    async def start(self) -> None:
        """Connect, start the worker and the scheduler."""
        await self.handler.connect_async()
        self._worker = asyncio.create_task(self.runtime.worker.run_forever())
        if self._scheduler is not None:
            self._scheduler.start()

    async def stop(self) -> None:
        """Stop the scheduler, the worker after its current item, then disconnect."""
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
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
