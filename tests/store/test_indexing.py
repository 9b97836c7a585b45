"""The index is derived from the store: queued indexing, deletion, rebuild when behind, the index lock."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime

import pytest

from bot.container import Container
from bot.index_lock import IndexLock
from bot.records import SourceRecord
from bot.settings import Settings
from retrieval.chunking import SourceText


def _record(n: int, text: str) -> SourceRecord:
    return SourceRecord(id=f"g-{n}", kind="slack", ts=datetime(2026, 6, n, 9, tzinfo=UTC), author="Rosa Vendor",
                        side="vendor", text=text)


def test_index_follows_the_store_and_rebuilds_when_behind(index_container: Container) -> None:
    container = index_container
    assert container.hold_index()
    container.ingest.ingest(_record(1, "The base currency is EUR for every entity."), account_key="globex")
    container.ingest.ingest(_record(2, "SSO goes live after the security review."), account_key="globex")
    assert container.indexer.accounts_behind() == ["globex"]  # stored, not yet indexed
    assert container.queue_rebuild_if_behind() == ["globex"]
    asyncio.run(container.drain_index_work())
    vectors = container.retriever.search_index.vectors
    assert vectors.source_ids("globex") == {"g-1", "g-2"}
    assert container.indexer.accounts_behind() == []

    container.ingest.delete(account_key="globex", external_id="g-1")
    asyncio.run(container.drain_index_work())
    assert vectors.source_ids("globex") == {"g-2"}
    hits = container.retriever.search("base currency EUR", accounts=["globex"], visibilities=["external"])
    assert all(h.chunk.source_id != "g-1" for h in hits)

    vectors.drop_account("globex")  # lost index: start-up notices and rebuilds from the store
    assert container.indexer.accounts_behind() == ["globex"]
    assert container.indexer.reindex(["globex"]) == 1
    assert vectors.source_ids("globex") == {"g-2"}


def test_only_one_holder_of_the_embedded_index(tmp_path) -> None:
    first, second = IndexLock(tmp_path), IndexLock(tmp_path)
    assert first.acquire() and not second.acquire()
    first.release()
    assert second.acquire()
    second.release()


def test_closing_the_container_releases_the_embedded_index(settings: Settings) -> None:
    """An embedded Chroma runs threads of its own; containers opened and closed one after another must not
    pile them up (they did: the test process once held ~1,000)."""
    if not os.path.isdir("/proc/self/task"):
        pytest.skip("counts threads through Linux's /proc")

    def os_threads() -> int:
        return len(os.listdir("/proc/self/task"))

    open_counts, closed_counts = [], []
    for n in range(3):
        container = Container(settings)
        container.migrate()
        container.retriever.index_sources([SourceText(account="acme", source_id=f"s{n}", kind="slack",
                                                      text="SSO waits on the CAB.", author="Ana",
                                                      ts="2026-03-02T09:00:00+00:00", visibility="external")])
        open_counts.append(os_threads())
        container.close()
        closed_counts.append(os_threads())
    assert closed_counts[2] == closed_counts[1]  # nothing left behind by the second and third container
    assert all(opened > closed for opened, closed in zip(open_counts[1:], closed_counts[1:], strict=True))
