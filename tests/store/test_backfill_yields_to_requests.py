"""A backfill step files staged history in one transaction, but commits early when a request is in flight."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from bot.container import Container
from bot.records import SourceRecord
from bot.store.cursors import set_cursor
from bot.store.db import session_scope
from bot.store.models import Source, StagedRecord
from bot.store.staging import stage
from handlers.backfill import BackfillState, ChannelBackfill, cursor_name
from handlers.pacing import MethodPacer

CHANNEL = "C0HISTORY"
START = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def _backfill(container: Container, in_flight: list[bool]) -> ChannelBackfill:
    return ChannelBackfill(engine=container.engine, ingest=container.ingest, gateway=None,  # type: ignore[arg-type]
                           event_work=None, pacer=MethodPacer({}), clock=container.clock,  # type: ignore[arg-type]
                           days=30, wake=lambda: None, requests_in_flight=lambda: in_flight[0])


def _staged_history(container: Container, count: int) -> BackfillState:
    """`count` staged messages, every page read: all of them may be filed now."""
    state = BackfillState(channel=CHANNEL, oldest="0", days=30, progress_ts="1.0", progress_text="Linked.",
                          history_done=True)
    records = [(SourceRecord(id=f"{CHANNEL}:{n}", kind="slack", ts=START + timedelta(minutes=n), author="Ana Ops",
                             side="vendor", text=f"Import batch {n} is on track.", channel=CHANNEL), "U0ANA")
               for n in range(count)]
    with session_scope(container.engine) as session:
        stage(session, batch=cursor_name(CHANNEL), records=records)
        set_cursor(session, name=cursor_name(CHANNEL), value=state.to_json())
    return state


def _counts(container: Container) -> tuple[int, int]:
    with session_scope(container.engine) as session:
        return (len(session.exec(select(Source.id)).all()), len(session.exec(select(StagedRecord.id)).all()))


def test_with_no_request_in_flight_a_step_files_every_settled_message(container: Container) -> None:
    state = _staged_history(container, 12)
    assert _backfill(container, [False])._file_settled(state, "acme", None) == float("inf")
    assert _counts(container) == (12, 0)


def test_a_request_in_flight_ends_the_step_after_one_message_and_the_next_step_goes_on(container: Container) -> None:
    in_flight = [True]
    backfill = _backfill(container, in_flight)
    state = _staged_history(container, 12)
    assert backfill._file_settled(state, "acme", None) == 0.0  # more to file: the next step is due at once
    assert _counts(container) == (1, 11)
    assert backfill._file_settled(state, "acme", None) == 0.0
    assert _counts(container) == (2, 10)
    in_flight[0] = False
    assert backfill._file_settled(state, "acme", None) == float("inf")
    assert _counts(container) == (12, 0)
