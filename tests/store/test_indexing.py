"""The index is derived from the store: queued indexing, deletion, rebuild when behind, the index lock."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from datetime import UTC, datetime
from pathlib import Path

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
    """An embedded Chroma runs store threads of its own; a closed container must not leave them behind
    (they piled up: the test process once held ~1,000 threads)."""
    if not os.path.isdir("/proc/self/task"):
        pytest.skip("reads thread names from Linux's /proc")

    def chroma_store_threads() -> int:
        names = []
        for task in os.listdir("/proc/self/task"):
            with contextlib.suppress(OSError):  # a thread that just ended
                names.append(Path(f"/proc/self/task/{task}/comm").read_text().strip())
        return sum(name.startswith("sqlx-sqlite") for name in names)

    before = chroma_store_threads()
    for n in range(2):
        container = Container(settings)
        container.migrate()
        container.retriever.index_sources([SourceText(account="acme", source_id=f"s{n}", kind="slack",
                                                      text="SSO waits on the CAB.", author="Ana",
                                                      ts="2026-03-02T09:00:00+00:00", visibility="external")])
        assert chroma_store_threads() > before  # the embedded index is running
        container.close()
        deadline = time.monotonic() + 10  # the store's threads end shortly after the client is closed
        while chroma_store_threads() > before and time.monotonic() < deadline:
            time.sleep(0.05)
        assert chroma_store_threads() <= before
