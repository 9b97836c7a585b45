"""The wiring: the Bolt app factory, the worker, and the HTTP and Socket Mode servers."""

from __future__ import annotations

import asyncio
import json
import logging
import traceback
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from prometheus_client import CollectorRegistry
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse

from bot.container import Container
from bot.email.intake import TRIAGE_NOTIFY
from bot.health import HealthCheck
from bot.ingest import INDEX_SOURCE
from bot.metrics import METRICS_CONTENT_TYPE, StoreCollector, exposition, metrics_registry
from bot.outbox import SLACK_POST
from bot.purge import Purger
from bot.worker import Worker
from handlers import answers as answer_events
from handlers import commands, events, feedback, home, reactions, settings_modal, shortcuts, triage
from handlers import next_view as next_buttons
from handlers.answers import Answers
from handlers.backfill import BACKFILL, HISTORY, REPLIES, ChannelBackfill
from handlers.context import SlackServices
from handlers.email_webhook import EmailWebhook
from handlers.event_fast_path import EventFastPath
from handlers.event_work import SlackEventWork
from handlers.intake import SLACK_EVENT, EventIntake
from handlers.next_view import NextView
from handlers.outbox import SlackOutbox
from handlers.pacing import ChannelPacer, MethodPacer
from handlers.people import People
from handlers.slack_api import SlackGateway, bot_authorization, make_post_client, make_web_client
from handlers.socket_mode import SocketModeHandler
from handlers.triage import TriageNotifier
from jobs.digest import DigestJob
from jobs.gmail import GmailPoller, build_gmail_poller
from jobs.nudges import NudgeJob
from jobs.retention import RetentionJob
from jobs.scheduler import build_scheduler

log = logging.getLogger(__name__)

GENERIC_FAILURE = "Sorry, something went wrong on my side. The team has the details; please try again."
SHAPE_ERRORS = (AttributeError, TypeError, KeyError, IndexError)


def bolt_could_not_read(error: Exception) -> bool:
    """Whether Bolt itself failed on a signed request of the wrong shape (junk where it reads a dict, a missing
    key) while matching listeners: a 400, not a 500 that Slack would send again."""
    frames = traceback.extract_tb(error.__traceback__)
    return isinstance(error, SHAPE_ERRORS) and bool(frames) and "slack_bolt" in Path(frames[-1].filename).parts


@dataclass
class Runtime:
    """A built app with its worker, services and scheduled jobs."""

    app: AsyncApp
    worker: Worker
    services: SlackServices
    digest: DigestJob
    nudges: NudgeJob
    intake: EventIntake | None = None
    fast_events: EventFastPath | None = None
    email_webhook: EmailWebhook | None = None
    health: HealthCheck | None = None
    metrics: CollectorRegistry | None = None
    retention: RetentionJob | None = None
    gmail: GmailPoller | None = None
    gmail_poll_seconds: float = 60

    def scheduler(self) -> AsyncIOScheduler:
        """The scheduler running every job each tick (retention only when RETENTION_DAYS is set),
        and the Gmail poll every GMAIL_POLL_SECONDS when Gmail is configured."""
        passes = [("digest", self.digest.run_once), ("nudges", self.nudges.run_once)]
        if self.retention is not None:
            passes.append(("retention", self.retention.run_once))
        polls = [("gmail", self.gmail.poll_once, self.gmail_poll_seconds)] if self.gmail else []
        return build_scheduler(passes, polls=polls)

    async def send_queued_posts(self) -> int:
        """Send the outbox's posts that are due now (a CLI job pass, with no server running); how many ran."""
        return await Worker(self.worker.queue, {SLACK_POST: self.worker.handlers[SLACK_POST]}).drain()

    async def know_identity(self) -> None:
        """Ask auth.test before serving, so that no ack waits on it (a failure is retried at the first request)."""
        if not await self.services.gateway.know_identity():
            log.warning("could not ask Slack who the bot is at start-up; the first request will ask again")

    def start(self) -> None:
        """Start what runs beside the requests: the worker is started by the caller; the intake moves into the
        store what a previous run acked but did not move."""
        if self.intake is not None:
            self.intake.move_soon()

    async def close(self) -> None:
        """Let the intake finish moving, and release what the jobs hold open (the Gmail client's connections)."""
        if self.intake is not None:
            await self.intake.finish()
        if self.gmail is not None:
            await self.gmail.client.close()


def create_app(container: Container) -> Runtime:
    """Build the Bolt app, its Slack client on SLACK_API_URL, and the worker that runs queued work."""
    settings = container.settings
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    client = make_web_client(token=token, base_url=settings.slack_api_url)
    gateway = SlackGateway(client)

    app = AsyncApp(
        client=client,
        signing_secret=settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None,
        process_before_response=True,
        authorize=bot_authorization(gateway, token),  # the identity asked at start-up: no ack waits on auth.test
        logger=logging.getLogger("slack_bolt"),
    )
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
    event_work = SlackEventWork(engine=container.engine, ingest=container.ingest, gateway=gateway, people=people,
                                email=container.email_intake)
    pacer = MethodPacer({method: settings.backfill_calls_per_minute for method in (HISTORY, REPLIES)})
    backfill = ChannelBackfill(engine=container.engine, ingest=container.ingest, gateway=gateway,
                               event_work=event_work, pacer=pacer, clock=container.clock,
                               days=settings.backfill_days, wake=services.wake_worker,
                               requests_in_flight=lambda: services.foreground.in_flight)
    holds_index = container.hold_index()
    single, batched = container.index_work() if holds_index else ({}, {})
    triage_notifier = TriageNotifier(services, settings.tandem_admins)
    outbox = SlackOutbox(engine=container.engine,
                         gateway=SlackGateway(make_post_client(token=token, base_url=settings.slack_api_url)),
                         pacer=ChannelPacer(), wake=services.wake_worker)
    slack_work = {SLACK_EVENT: event_work, TRIAGE_NOTIFY: triage_notifier, BACKFILL: backfill, SLACK_POST: outbox}
    worker = Worker(container.queue, {**slack_work, **single}, batch_handlers=batched,
                    poll_seconds=settings.tandem_worker_poll_seconds,
                    lanes=[tuple(slack_work), (*single, *batched)], foreground=services.foreground)
    worker_ref.append(worker)
    next_view = NextView(services)
    intake = EventIntake(container.engine, inbox=container.event_inbox, moved=services.wake_worker,
                         lull=services.foreground.lull)
    events.register(app, services, intake)
    fast_events = EventFastPath(signing_secret=settings.slack_signing_secret.get_secret_value(), intake=intake,
                                event_types=events.QUEUED_EVENTS, identity=lambda: gateway.known_identity,
                                wake=services.wake_worker) if settings.slack_signing_secret else None
    answers = Answers(services, container.asker, outbox)
    answer_events.register(event_work, answers)
    commands.register(app, services, next_view, answers, backfill)
    next_buttons.register(app, services, next_view)
    home.register(app, services, event_work, next_view)
    shortcuts.register(app, services, event_work)
    settings_modal.register(app, services)
    feedback.register(app, services)
    reactions.register(event_work, services)
    events.register_uninstall(event_work, Purger(container.engine))
    triage.register(app, services, container.email_intake)
    admins = settings.tandem_admins
    digest = DigestJob(engine=container.engine, gateway=gateway, people=people, clock=container.clock,
                       is_lead=container.is_lead, admins=admins)
    nudges = NudgeJob(engine=container.engine, outbox=outbox, people=people, clock=container.clock, admins=admins)

    @app.error
    async def on_error(error: Exception, body: dict, logger: logging.Logger) -> BoltResponse | None:
        """Log the whole exception; the user never sees its text (a slash command gets one generic line)."""
        if bolt_could_not_read(error):
            logger.warning("rejected a request of the wrong shape (%s)", type(error).__name__)
            return BoltResponse(status=400, body="")
        logger.exception("unhandled error in a listener", exc_info=error)
        if not body.get("command"):
            return None  # Bolt answers 500 with an empty body; Slack retries an event, deduplicated by event_id
        return BoltResponse(status=200, body=json.dumps({"response_type": "ephemeral", "text": GENERIC_FAILURE}),
                            headers={"content-type": "application/json;charset=utf-8"})

    webhook_secret = settings.email_webhook_secret
    email_webhook = EmailWebhook(container.email_intake, container.engine, secret=webhook_secret.get_secret_value(),
                                 max_bytes=settings.email_max_bytes) if webhook_secret else None
    health = HealthCheck(container.engine, holds_index=holds_index,
                         heartbeat=lambda: container.retriever.search_index.vectors.client.heartbeat())
    metrics = metrics_registry(StoreCollector(container.engine, clock=container.clock,
                                              extraction_kinds=(SLACK_EVENT,), index_kinds=(INDEX_SOURCE,),
                                              inbox=container.event_inbox))
    retention = RetentionJob(engine=container.engine, days=settings.retention_days, clock=container.clock) \
        if settings.retention_days else None
    gmail = build_gmail_poller(settings, sink=container.email_intake, engine=container.engine) \
        if settings.gmail_enabled else None
    return Runtime(app=app, worker=worker, services=services, digest=digest, nudges=nudges, intake=intake,
                   fast_events=fast_events,
                   email_webhook=email_webhook, health=health, metrics=metrics, retention=retention,
                   gmail=gmail, gmail_poll_seconds=settings.gmail_poll_seconds)


def http_application(runtime: Runtime, *, with_scheduler: bool = True) -> web.Application:
    """One aiohttp server: Bolt at POST /slack/events and GET /healthz, with the worker and the scheduler."""

    async def slack_events(request: web.Request) -> web.Response:
        try:
            with runtime.services.foreground.serving():
                if runtime.fast_events is not None and await runtime.fast_events.take(await request.read(),
                                                                                      request.headers):
                    return web.Response(status=200)
                bolt_request = await to_bolt_request(request)
                bolt_response = await runtime.app.async_dispatch(bolt_request)
        except (ValueError, *SHAPE_ERRORS) as exc:  # not JSON or a form, or keys of the wrong shape
            if not isinstance(exc, ValueError) and not bolt_could_not_read(exc):
                raise
            log.warning("rejected a malformed request body")  # Bolt failed reading it, before or after the ack
            return web.json_response({"ok": False, "error": "malformed_body"}, status=400)
        return await to_aiohttp_response(bolt_response)

    async def healthz(_request: web.Request) -> web.Response:
        assert runtime.health is not None
        health = await asyncio.to_thread(runtime.health.check)
        return web.json_response(health.to_json(), status=200 if health.ok else 503)

    async def metrics(_request: web.Request) -> web.Response:
        assert runtime.metrics is not None
        body = await asyncio.to_thread(exposition, runtime.metrics)
        return web.Response(body=body, headers={"Content-Type": METRICS_CONTENT_TYPE})

    application = web.Application()
    application.router.add_post("/slack/events", slack_events)
    application.router.add_get("/healthz", healthz)
    application.router.add_get("/metrics", metrics)
    if runtime.email_webhook is not None:
        application.router.add_post("/email/inbound", runtime.email_webhook.handle,
                                    expect_handler=runtime.email_webhook.expect_continue)

    async def worker_task(app: web.Application):  # type: ignore[no-untyped-def]
        await runtime.know_identity()
        runtime.start()
        task = asyncio.create_task(runtime.worker.run_forever())
        scheduler = runtime.scheduler() if with_scheduler else None
        if scheduler is not None:
            scheduler.start()
        yield
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        runtime.worker.stop()
        await task
        await runtime.close()

    application.cleanup_ctx.append(worker_task)
    return application


class SocketModeRunner:
    """Socket Mode (the handler follows apps.connections.open) with the worker beside it."""

    def __init__(self, runtime: Runtime, app_token: str, *, with_scheduler: bool = True) -> None:
        self.runtime = runtime
        self.handler = SocketModeHandler(runtime.app, app_token, web_client=runtime.app.client,
                                         foreground=runtime.services.foreground)
        self._worker: asyncio.Task[None] | None = None
        self._scheduler = runtime.scheduler() if with_scheduler else None

    async def start(self) -> None:
        """Connect, start the worker and the scheduler."""
        await self.runtime.know_identity()
        self.runtime.start()
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
        await self.runtime.close()
        await self.handler.close_async()


async def serve_socket_mode(runtime: Runtime, app_token: str) -> None:
    """Run Socket Mode until cancelled."""
    runner = SocketModeRunner(runtime, app_token)
    await runner.start()
    try:
        await asyncio.Event().wait()
    finally:
        await runner.stop()
