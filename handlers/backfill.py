"""Backfill of a linked channel: its messages (and their threads) of the last BACKFILL_DAYS days.

One Web API page is one queued work item: fetch the page (paced to the method's tier), build each human
message's source record as the live path does, then in one transaction stage the records, store where the
backfill stands (the `backfill:<channel>` sync cursor) and queue the next page for when its method's pacer
allows it. A restart continues from the stored cursor; a stale or duplicate work item is recognised by its
step number and does nothing. The channel's link announcement shows the progress and, at the end, the count.

Slack returns history newest first, so pages are staged as they are read and ingested oldest first, as they
were said: a blocker before the message that resolves it. A history longer than one page is read, after its
newest page, in time slices oldest slice first (handlers/history_slices.py): whatever no unread message can
precede (the slices read so far, up to the oldest thread whose replies are still unread) is filed between
the paced calls, so only the last slice's filing follows the last page. A thread is read when its root is in
the window.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.clock import Clock, utcnow
from bot.ingest import IngestService
from bot.records import SourceRecord
from bot.store.cursors import clear_cursor, get_cursor, set_cursor
from bot.store.db import session_scope
from bot.store.models import ChannelLink, SyncCursor
from bot.store.queue import enqueue
from bot.store.staging import count_staged, discard, oldest_staged, stage, staged_record, unstage
from bot.worker import PermanentWorkError
from handlers.event_work import STORED_SUBTYPES, SlackEventWork
from handlers.history_slices import micros_to_ts, plan_slices, slice_count, ts_to_micros
from handlers.pacing import MethodPacer
from handlers.slack_api import SlackGateway, slack_failed

log = logging.getLogger(__name__)

BACKFILL = "slack.backfill"
HISTORY = "conversations.history"
REPLIES = "conversations.replies"
PAGE_SIZE = 200
FILE_BATCH = 200  # staged messages ingested per step at most (one transaction)
READ_SOON = 0.05  # seconds: a page due this soon is read rather than filing in the wait
CONCURRENT_LOOKUPS = 8  # the cached people of one page's messages, built side by side
PROGRESS_EVERY = 15.0  # seconds between edits of the progress message
STALLED_AFTER = timedelta(minutes=15)  # a backfill without a step for this long is resumed by a relink
GONE = {"channel_not_found", "not_in_channel", "missing_scope", "access_denied"}


def cursor_name(channel_id: str) -> str:
    """The sync cursor that holds a channel's backfill state."""
    return f"backfill:{channel_id}"


def running_line(days: int) -> str:
    """The status line of a link announcement while the history is read."""
    return f"Reading this channel's messages of the last {days} days…"


def progress_line(count: int, days: int) -> str:
    """The status line while the backfill runs."""
    return f"Reading this channel's messages of the last {days} days: {count} so far…"


def done_line(count: int, days: int) -> str:
    """The status line once the backfill is done."""
    return f"Backfilled {count} messages from the last {days} days."


@dataclass
class BackfillState:
    """Where one channel's backfill stands; stored as JSON in its sync cursor."""

    channel: str
    oldest: str  # the window's start as a Slack ts, fixed when the backfill starts
    days: int
    progress_ts: str  # the message that shows progress (the link announcement)
    progress_text: str  # its text before the status line
    step: int = 0  # the step the queued work item runs; any other is stale
    cursor: str = ""  # the next conversations.history page
    history_done: bool = False
    slices: list[list[str]] = field(default_factory=list)  # [oldest, latest] of the slices still to read
    read_through: str = ""  # every top-level message up to this ts has been read
    threads: list[str] = field(default_factory=list)  # thread roots whose replies are still to read
    thread_cursor: str = ""  # the next conversations.replies page of threads[0]
    count: int = 0  # messages stored so far
    pages: int = 0
    touched: str = ""  # when the last step ran (ISO)

    @property
    def done(self) -> bool:
        """Every page read."""
        return self.history_done and not self.threads

    def to_json(self) -> str:
        """The stored form."""
        return json.dumps(asdict(self))

    def _advance_history(self, messages: list[dict[str, Any]], next_cursor: str) -> None:
        if self.slices:
            self.cursor = next_cursor
            if not next_cursor:
                self.read_through = self.slices.pop(0)[1]
                self.history_done = not self.slices
        elif next_cursor and messages and not self.cursor:  # the newest page, with more below
            self._slice_the_rest(messages)
        else:  # a history of one page, or a backfill begun before slicing, read page after page
            self.cursor = next_cursor
            self.history_done = not next_cursor

    def _slice_the_rest(self, newest_page: list[dict[str, Any]]) -> None:
        """Cut the window below the newest page into slices, as many as the page's pace of messages calls for."""
        stamps = sorted(ts_to_micros(m["ts"]) for m in newest_page)
        low, high = ts_to_micros(self.oldest) + 1, stamps[0] - 1  # the first call's `oldest` is exclusive
        per_micro = len(stamps) / max(1, stamps[-1] - stamps[0])
        count = slice_count(per_micro * max(0, high - low) / PAGE_SIZE)
        self.slices = [list(bounds) for bounds in plan_slices(micros_to_ts(low), micros_to_ts(high), count=count)]
        self.cursor = ""

    @property
    def sliced(self) -> bool:
        """The newest page is read and the rest of the window is cut into slices (some read, or all)."""
        return bool(self.slices or self.read_through)

    @classmethod
    def from_json(cls, value: str) -> BackfillState:
        """Read the stored form (keys of other versions ignored)."""
        known = {f.name for f in fields(cls)}
        return cls(**{key: item for key, item in json.loads(value).items() if key in known})

    def settled_through(self) -> float:
        """The ts up to which every message is staged or stored: what may be filed now (-inf: nothing yet)."""
        if self.history_done:
            history = math.inf
        else:
            history = float(self.read_through) if self.read_through else -math.inf
        return min(history, min((float(root) for root in self.threads), default=math.inf))

    def advance(self, method: str, messages: list[dict[str, Any]], next_cursor: str, *, stored: int) -> None:
        """Move past one page of `method` that stored `stored` messages."""
        if method == HISTORY:
            self._advance_history(messages, next_cursor)
            roots = [m["ts"] for m in messages if m.get("reply_count") and m.get("thread_ts") == m["ts"]]
            reading = self.threads[:1] if self.thread_cursor else []
            self.threads = reading + sorted(self.threads[len(reading):] + roots, key=float)  # oldest settle first
        elif next_cursor:
            self.thread_cursor = next_cursor
        else:
            self.threads.pop(0)
            self.thread_cursor = ""
        self.count += stored
        self.pages += 1
        self.step += 1


@dataclass(frozen=True)
class BackfillStart:
    """What linking did to the channel's backfill."""

    started: bool  # False: one was already under way
    count: int  # messages stored so far
    days: int


def _as_time(ts: float) -> datetime | None:
    """A settled bound as a time to compare staged records with (None: no bound)."""
    return None if ts == math.inf else datetime.fromtimestamp(ts, tz=UTC)


def _retry_after(exc: SlackApiError) -> float:
    value = (exc.response.headers or {}).get("Retry-After") or 1
    return float(value[0] if isinstance(value, list) else value)


class ChannelBackfill:
    """Starts a channel's backfill when it is linked, and runs its steps as queued work."""

    def __init__(self, *, engine: Engine, ingest: IngestService, gateway: SlackGateway, event_work: SlackEventWork,
                 pacer: MethodPacer, clock: Clock, days: int, wake: Callable[[], None],
                 requests_in_flight: Callable[[], bool] = lambda: False) -> None:
        self.engine = engine
        self.ingest = ingest
        self.gateway = gateway
        self.event_work = event_work
        self.pacer = pacer
        self.clock = clock
        self.days = days
        self.wake = wake
        self.requests_in_flight = requests_in_flight
        self._reported: dict[str, float] = {}

    # ------------------------------------------------------------------ starting

    async def start(self, channel_id: str, *, progress_ts: str, progress_text: str) -> BackfillStart:
        """Queue the backfill of a just linked channel unless one is under way (a stalled one resumes)."""
        started = await asyncio.to_thread(self._start, channel_id, progress_ts, progress_text)
        self.wake()
        return started

    def _start(self, channel_id: str, progress_ts: str, progress_text: str) -> BackfillStart:
        now = self.clock.now()
        with session_scope(self.engine) as session:
            stored = get_cursor(session, name=cursor_name(channel_id))
            if stored:
                state = BackfillState.from_json(stored)
                if now - datetime.fromisoformat(state.touched) < STALLED_AFTER:
                    return BackfillStart(False, state.count, state.days)
            else:
                oldest = now - timedelta(days=self.days)
                state = BackfillState(channel=channel_id, oldest=f"{oldest.timestamp():.6f}", days=self.days,
                                      progress_ts=progress_ts, progress_text=progress_text)
            state.touched = now.isoformat()
            try:
                with session.begin_nested():
                    set_cursor(session, name=cursor_name(channel_id), value=state.to_json())
                    session.flush()
            except IntegrityError:  # a concurrent link started it
                return BackfillStart(False, 0, self.days)
            enqueue(session, kind=BACKFILL, payload={"channel": channel_id, "step": state.step})
            return BackfillStart(True, state.count, state.days)

    # ------------------------------------------------------------------ one step

    async def __call__(self, payload: dict[str, Any]) -> None:
        """Run one step: read one page and store it, or finish."""
        channel = str(payload.get("channel") or "")
        state = await asyncio.to_thread(self._load, channel)
        if state is None or state.step != payload.get("step"):
            return  # finished, or a duplicate of a step that already ran
        found = await asyncio.to_thread(self.event_work.linked, channel)
        if found is None:  # unlinked meanwhile
            await asyncio.to_thread(self._forget, channel)
            return
        link, account_key = found
        method = self._next_method(state)
        wait = self.pacer.delay(method)
        if state.done or (wait > READ_SOON and state.settled_through() > -math.inf):
            deadline = None if state.done else time.monotonic() + wait
            next_step = await asyncio.to_thread(self._file_settled, state, account_key, deadline)
            if next_step == math.inf:
                await self._finish(state)
            elif next_step is not None:
                self._wake_in(next_step)
            return
        try:
            reply = await self._page(method, state)
        except SlackApiError as exc:
            await self._page_failed(exc, method, payload)
            return
        messages = list(reply.get("messages") or [])
        next_cursor = str((reply.get("response_metadata") or {}).get("next_cursor") or "")
        records = await self._records([m for m in messages if self._wanted(m, method, state)], channel, link)
        expected = state.step
        state.advance(method, messages, next_cursor, stored=len(records))
        state.touched = self.clock.now().isoformat()
        delay = await asyncio.to_thread(self._commit, state, expected, account_key, records)
        if delay is not None:
            self._wake_in(delay)
            await self._report(state)

    def _next_method(self, state: BackfillState) -> str:
        """Replies when only threads are left; otherwise whichever method's pacer frees first."""
        if state.history_done:
            return REPLIES
        if state.threads and self.pacer.delay(REPLIES) < self.pacer.delay(HISTORY):
            return REPLIES
        return HISTORY

    async def _page(self, method: str, state: BackfillState) -> dict[str, Any]:
        await self.pacer.acquire(method)
        client = self.gateway.client
        if method == HISTORY and state.slices:
            oldest, latest = state.slices[0]
            reply = await client.conversations_history(channel=state.channel, oldest=oldest, latest=latest,
                                                       inclusive=True, limit=PAGE_SIZE, cursor=state.cursor or None)
        elif method == HISTORY:
            reply = await client.conversations_history(channel=state.channel, oldest=state.oldest, limit=PAGE_SIZE,
                                                       cursor=state.cursor or None)
        else:
            reply = await client.conversations_replies(channel=state.channel, ts=state.threads[0], limit=PAGE_SIZE,
                                                       cursor=state.thread_cursor or None)
        return dict(reply.data) if isinstance(reply.data, dict) else {}

    async def _page_failed(self, exc: SlackApiError, method: str, payload: dict[str, Any]) -> None:
        if exc.response.status_code == 429:  # still limited after the client's retries: the same step, later
            wait = _retry_after(exc)
            self.pacer.hold_off(method, wait)
            await asyncio.to_thread(self._requeue, payload, wait)
            self._wake_in(wait)
            return
        error = exc.response.get("error")
        if error in GONE:
            await asyncio.to_thread(self._forget, str(payload.get("channel")))
            raise PermanentWorkError(f"backfill stopped: {error}") from exc
        raise exc

    @staticmethod
    def _wanted(message: dict[str, Any], method: str, state: BackfillState) -> bool:
        if message.get("subtype") not in STORED_SUBTYPES:
            return False  # joins, bot messages, channel changes
        if method == REPLIES:  # the root and broadcast replies come with the history
            return message.get("ts") != state.threads[0] and message.get("subtype") != "thread_broadcast"
        return True

    async def _records(self, messages: list[dict[str, Any]], channel: str,
                       link: ChannelLink) -> list[tuple[SourceRecord, str]]:
        """The source records of a page's messages, oldest first; a message Slack can't resolve is skipped."""
        messages = sorted(messages, key=lambda m: float(m["ts"]))
        humans = (m["user"] for m in messages if isinstance(m.get("user"), str) and not m.get("bot_id"))
        for user_id in dict.fromkeys(humans):
            with contextlib.suppress(SlackApiError):  # fill the people cache once before the lookups run side by side
                await self.event_work.people.get(user_id)
        gate = asyncio.Semaphore(CONCURRENT_LOOKUPS)

        async def build(message: dict[str, Any]) -> SourceRecord | None:
            async with gate:
                try:
                    return await self.event_work.source_record(message, channel, link, build_permalink=True)
                except SlackApiError as exc:
                    if slack_failed(exc):
                        raise  # the page is tried again rather than a message skipped
                    log.warning("backfill skipped %s in %s: %s", message.get("ts"), channel, exc.response.get("error"))
                    return None

        built = await asyncio.gather(*(build(m) for m in messages))
        return [(record, message["user"]) for record, message in zip(built, messages, strict=True) if record]

    # ------------------------------------------------------------------ the store

    def _load(self, channel_id: str) -> BackfillState | None:
        with session_scope(self.engine) as session:
            stored = get_cursor(session, name=cursor_name(channel_id))
        return BackfillState.from_json(stored) if stored else None

    def _commit(self, state: BackfillState, expected_step: int, account_key: str,
                records: list[tuple[SourceRecord, str]]) -> float | None:
        """Stage a page's records, store the state and queue the next step in one transaction.

        Returns the seconds until the next step may run (its method's pacer), or None when superseded.
        """
        with session_scope(self.engine) as session:
            if not self._still_at(session, state.channel, expected_step):
                return None
            stage(session, batch=cursor_name(state.channel), records=records)
            set_cursor(session, name=cursor_name(state.channel), value=state.to_json())
            fileable = state.done or state.settled_through() > -math.inf
            delay = 0.0 if fileable else self.pacer.delay(self._next_method(state))
            enqueue(session, kind=BACKFILL, payload={"channel": state.channel, "step": state.step},
                    run_after=utcnow() + timedelta(seconds=delay))
        return delay

    def _file_settled(self, state: BackfillState, account_key: str, deadline: float | None) -> float | None:
        """Ingest, in one transaction, the oldest staged records that no unread message can precede, stopping
        before `deadline` (when the next page is due) or as soon as a request is in flight (on SQLite its intake
        waits for this transaction's write lock; the next step goes on after it). Returns the seconds until the
        next step (inf: none, every page is read and filed), or None when superseded."""
        with session_scope(self.engine) as session:
            if not self._still_at(session, state.channel, state.step):
                return None
            batch = cursor_name(state.channel)
            through = _as_time(state.settled_through())
            self.ingest.in_order(session)
            started, filed = time.monotonic(), 0
            rows = oldest_staged(session, batch=batch, limit=FILE_BATCH, through=through)
            self.ingest.expect(session, account_key=account_key, external_ids=[row.external_id for row in rows])
            for row in rows:
                now = time.monotonic()
                if filed and (self.requests_in_flight()
                              or deadline is not None and now + (now - started) / filed >= deadline):
                    break  # a request waits, or the next record would make the next page late
                record, user_id = staged_record(row)
                self.ingest.ingest_in(session, record, account_key=account_key, author_user_id=user_id)
                filed += 1
            unstage(session, rows[:filed])
            more = filed < len(rows) or count_staged(session, batch=batch, through=through) > 0
            if state.done and not more:
                return math.inf
            delay = 0.0 if more else self.pacer.delay(self._next_method(state))
            state.step += 1
            state.touched = self.clock.now().isoformat()
            set_cursor(session, name=batch, value=state.to_json())
            enqueue(session, kind=BACKFILL, payload={"channel": state.channel, "step": state.step},
                    run_after=utcnow() + timedelta(seconds=delay))
            return delay

    @staticmethod
    def _still_at(session: Session, channel_id: str, step: int) -> bool:
        """The stored state is still at `step` (its row locked until commit where the database can)."""
        row = session.get(SyncCursor, cursor_name(channel_id), with_for_update=True)
        return row is not None and BackfillState.from_json(row.value).step == step

    def _requeue(self, payload: dict[str, Any], seconds: float) -> None:
        with session_scope(self.engine) as session:
            enqueue(session, kind=BACKFILL, payload=payload, run_after=utcnow() + timedelta(seconds=seconds))

    def _forget(self, channel_id: str) -> None:
        with session_scope(self.engine) as session:
            clear_cursor(session, name=cursor_name(channel_id))
            discard(session, batch=cursor_name(channel_id))

    # ------------------------------------------------------------------ progress

    def _wake_in(self, seconds: float) -> None:
        asyncio.get_running_loop().call_later(seconds + 0.01, self.wake)

    async def _report(self, state: BackfillState) -> None:
        """Edit the progress message now and then (chat.update is Tier 3 too)."""
        now = asyncio.get_running_loop().time()
        last = self._reported.setdefault(state.channel, now)
        if now - last < PROGRESS_EVERY:
            return
        self._reported[state.channel] = now
        await self._edit(state, progress_line(state.count, state.days))

    async def _finish(self, state: BackfillState) -> None:
        await self._edit(state, done_line(state.count, state.days), final=True)
        await asyncio.to_thread(self._forget, state.channel)
        self._reported.pop(state.channel, None)
        log.info("backfilled %s messages of %s in %s pages", state.count, state.channel, state.pages)

    async def _edit(self, state: BackfillState, line: str, *, final: bool = False) -> None:
        try:
            await self.gateway.update(channel=state.channel, ts=state.progress_ts, text=f"{state.progress_text}\n{line}")
        except SlackApiError as exc:  # the message may be gone; the backfill is not
            if final and slack_failed(exc):
                raise  # the done line must land: the finishing step runs again
            log.warning("could not edit the backfill message in %s: %s", state.channel, exc.response.get("error"))
