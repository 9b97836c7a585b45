"""Searches and the health check only read: on SQLite they must not queue behind a writer."""

from __future__ import annotations

import threading

import pytest

from bot.container import Container
from bot.health import HealthCheck
from retrieval.chunking import SourceText, chunk_source
from tests.write_lock import write_lock_held


def _finishes_while_a_writer_holds_the_lock(container: Container, read) -> bool:  # type: ignore[no-untyped-def]
    with write_lock_held(container.engine):
        reader = threading.Thread(target=read)
        reader.start()
        reader.join(10)
        return not reader.is_alive()


def test_keyword_search_and_store_health_do_not_wait_for_a_writer(container: Container) -> None:
    if container.engine.dialect.name != "sqlite":
        pytest.skip("the write lock is SQLite's")
    keywords = container.retriever.search_index.keywords
    keywords.replace_sources(chunk_source(SourceText(account="acme", source_id="s1", kind="slack",
                                                     text="SSO waits on the CAB.", author="Ana",
                                                     ts="2026-03-02T09:00:00+00:00", visibility="external")))
    found: list[list[str]] = []
    assert _finishes_while_a_writer_holds_the_lock(container, lambda: found.append(
        [h.source_id for h in keywords.search("CAB", accounts=["acme"], visibilities=["external"])]))
    assert found == [["s1"]]
    health = HealthCheck(container.engine, holds_index=True, heartbeat=lambda: None)
    states: list[str] = []
    assert _finishes_while_a_writer_holds_the_lock(container, lambda: states.append(health.store()))
    assert states == ["ok"]
