"""Prometheus metrics read from the store at each scrape, so every replica reports the same, whole picture.

No process-local counters: the work queue, the processed events and the sources are shared by all
replicas, and a custom collector queries them when `/metrics` is scraped.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, func, select

from bot.clock import Clock
from bot.outbox import SLACK_POST
from bot.store.inbox import EventInbox
from bot.store.models import ProcessedEvent, WorkItem

log = logging.getLogger(__name__)

METRICS_CONTENT_TYPE = CONTENT_TYPE_LATEST
SLACK_POST_PREFIX = SLACK_POST  # outbox work that posts to Slack: failed ones are failed posts


def _age_seconds(oldest: datetime | None, now: datetime) -> float:
    if oldest is None:
        return 0.0
    if oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    return max(0.0, (now - oldest).total_seconds())


class StoreCollector(Collector):
    """Queue depth, oldest queued work, failures, events processed, extraction and indexing lag.

    `extraction_kinds`: work that stores and extracts a source (a queued Slack event, an email);
    `index_kinds`: work that indexes a stored source.
    """

    def __init__(self, engine: Engine, *, clock: Clock, extraction_kinds: Sequence[str],
                 index_kinds: Sequence[str], inbox: EventInbox | None = None) -> None:
        self.engine = engine
        self.inbox = inbox
        self.clock = clock
        self.extraction_kinds = tuple(extraction_kinds)
        self.index_kinds = tuple(index_kinds)

    def describe(self) -> Iterator[Metric]:
        """The metric names, without touching the store."""
        yield from self._families()

    def collect(self) -> Iterator[Metric]:
        """Every metric, read from the store now; only `tandem_store_up 0` when the store does not answer."""
        try:
            with Session(self.engine) as session:
                families = self._read(session)
        except SQLAlchemyError:
            log.warning("metrics: the store did not answer")
            up = GaugeMetricFamily("tandem_store_up", "1 when the SQL store answered this scrape")
            up.add_metric([], 0)
            yield up
            return
        yield from families

    @staticmethod
    def _families() -> list[Metric]:
        return [
            GaugeMetricFamily("tandem_store_up", "1 when the SQL store answered this scrape"),
            GaugeMetricFamily("tandem_work_queue_depth", "Work items by kind and status",
                              labels=["kind", "status"]),
            GaugeMetricFamily("tandem_work_oldest_queued_age_seconds",
                              "Age of the oldest queued work item, by kind", labels=["kind"]),
            GaugeMetricFamily("tandem_work_failed", "Work that failed for good, by kind", labels=["kind"]),
            GaugeMetricFamily("tandem_slack_posts_failed", "Slack posts that failed after the last try"),
            CounterMetricFamily("tandem_events_processed", "Slack events taken in (deduplicated by event_id)"),
            GaugeMetricFamily("tandem_extraction_backlog", "Queued work that stores and extracts a source"),
            GaugeMetricFamily("tandem_extraction_lag_seconds", "Age of the oldest source waiting for extraction"),
            GaugeMetricFamily("tandem_index_backlog_sources", "Stored sources not yet indexed"),
            GaugeMetricFamily("tandem_index_lag_seconds", "Age of the oldest stored source not yet indexed"),
            GaugeMetricFamily("tandem_event_inbox_waiting",
                              "Acked Slack deliveries not yet moved into the store (SQLite's event inbox)"),
        ]

    def _read(self, session: Session) -> list[Metric]:
        now = self.clock.now()
        up, depth, oldest, failed, posts, events, extraction, extraction_lag, index, index_lag, inbox = self._families()
        up.add_metric([], 1)
        for kind, status, count, first in session.exec(
            select(WorkItem.kind, WorkItem.status, func.count(), func.min(WorkItem.created_at))
            .group_by(WorkItem.kind, WorkItem.status)
        ).all():
            depth.add_metric([kind, status], count)
            if status == "queued":
                oldest.add_metric([kind], _age_seconds(first, now))
            if status == "failed":
                failed.add_metric([kind], count)
        failed_posts = session.exec(select(func.count()).select_from(WorkItem).where(
            col(WorkItem.status) == "failed", col(WorkItem.kind).startswith(SLACK_POST_PREFIX))).one()
        posts.add_metric([], failed_posts)
        events.add_metric([], session.exec(select(func.count()).select_from(ProcessedEvent)).one())
        for backlog, lag, kinds in ((extraction, extraction_lag, self.extraction_kinds),
                                    (index, index_lag, self.index_kinds)):
            count, first = session.exec(select(func.count(), func.min(WorkItem.created_at)).where(
                col(WorkItem.status).in_(("queued", "running")), col(WorkItem.kind).in_(kinds))).one()
            backlog.add_metric([], count)
            lag.add_metric([], _age_seconds(first, now))
        inbox.add_metric([], self.inbox.count() if self.inbox is not None else 0)
        return [up, depth, oldest, failed, posts, events, extraction, extraction_lag, index, index_lag, inbox]


def metrics_registry(collector: StoreCollector) -> CollectorRegistry:
    """A registry of its own (not the global one) holding the store collector."""
    registry = CollectorRegistry()
    registry.register(collector)
    return registry


def exposition(registry: CollectorRegistry) -> bytes:
    """The registry in the Prometheus text format (blocking: it queries the store)."""
    return generate_latest(registry)
