"""Metrics are read from the store at each scrape: two replicas report the same numbers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine
from sqlmodel import SQLModel

from bot.clock import FixedClock
from bot.container import Container
from bot.health import HealthCheck
from bot.metrics import StoreCollector, exposition, metrics_registry
from bot.store.db import session_scope
from bot.store.inbox import EventInbox
from bot.store.models import ProcessedEvent, WorkItem

NOW = datetime(2026, 6, 30, 12, tzinfo=UTC)


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def _scrape(engine: object) -> str:
    collector = StoreCollector(engine, clock=FixedClock(NOW), extraction_kinds=("slack.event",),  # type: ignore[arg-type]
                               index_kinds=("index.source",))
    return exposition(metrics_registry(collector)).decode()


def test_metrics_report_queue_failures_events_and_lag(container: Container) -> None:
    with session_scope(container.engine) as session:
        for age, kind, status in ((300, "slack.event", "queued"), (60, "slack.event", "queued"),
                                  (30, "slack.event", "running"), (900, "index.source", "queued"),
                                  (100, "index.source", "queued"), (50, "index.source", "done"),
                                  (70, "slack.post.message", "failed"), (80, "slack.event", "failed")):
            session.add(WorkItem(kind=kind, status=status, created_at=NOW - timedelta(seconds=age)))
        for n in range(4):
            session.add(ProcessedEvent(event_id=f"Ev{n}", kind="message"))
    replicas = [container.engine, Container(container.settings).engine]
    texts = [_scrape(engine) for engine in replicas]
    assert texts[0] == texts[1]
    samples = _samples(texts[0])
    assert samples[("tandem_store_up", ())] == 1
    assert samples[("tandem_work_queue_depth", (("kind", "slack.event"), ("status", "queued")))] == 2
    assert samples[("tandem_work_queue_depth", (("kind", "index.source"), ("status", "done")))] == 1
    assert samples[("tandem_work_oldest_queued_age_seconds", (("kind", "slack.event"),))] == 300
    assert samples[("tandem_work_oldest_queued_age_seconds", (("kind", "index.source"),))] == 900
    assert samples[("tandem_work_failed", (("kind", "slack.event"),))] == 1
    assert samples[("tandem_slack_posts_failed", ())] == 1
    assert samples[("tandem_events_processed_total", ())] == 4
    assert samples[("tandem_extraction_backlog", ())] == 3
    assert samples[("tandem_extraction_lag_seconds", ())] == 300
    assert samples[("tandem_index_backlog_sources", ())] == 2
    assert samples[("tandem_index_lag_seconds", ())] == 900
    assert samples[("tandem_event_inbox_waiting", ())] == 0
    replicas[1].dispose()


def test_metrics_count_what_waits_in_the_event_inbox(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'store.db'}")
    inbox = EventInbox(f"sqlite:///{tmp_path / 'store-inbox.db'}")
    inbox.put([{"event_id": f"Ev{n}", "event": {"type": "message"}} for n in range(3)])
    collector = StoreCollector(engine, clock=FixedClock(NOW), extraction_kinds=(), index_kinds=(), inbox=inbox)
    SQLModel.metadata.create_all(engine)  # an empty store: only the inbox holds anything
    assert _samples(exposition(metrics_registry(collector)).decode())[("tandem_event_inbox_waiting", ())] == 3
    inbox.close()


def test_metrics_say_store_down_instead_of_failing() -> None:
    unreachable = create_engine("postgresql+psycopg://tandem@127.0.0.1:9/tandem?connect_timeout=2")
    assert _samples(_scrape(unreachable)) == {("tandem_store_up", ()): 0}


def test_health_names_the_failing_part(container: Container) -> None:
    unreachable = create_engine("postgresql+psycopg://tandem@127.0.0.1:9/tandem?connect_timeout=2")
    healthy = HealthCheck(container.engine, holds_index=True, heartbeat=lambda: 1).check()
    assert (healthy.ok, healthy.to_json()) == (True, {"ok": True, "store": "ok", "index": "ok"})
    assert HealthCheck(unreachable, holds_index=True, heartbeat=lambda: 1).check().to_json() == {
        "ok": False, "store": "unreachable", "index": "ok"}
    assert HealthCheck(container.engine, holds_index=False, heartbeat=lambda: 1).check().parts["index"] == (
        "held by another process")

    def down() -> None:
        raise ConnectionError("chroma is not running")

    assert HealthCheck(container.engine, holds_index=True, heartbeat=down).check().parts == {
        "store": "ok", "index": "unreachable"}
