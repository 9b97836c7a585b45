"""Faults outside Slack: an LLM that fails or hangs (the offline answer, with a notice), and a SQLite
database whose write lock another connection holds for a while (the work waits and completes)."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatResult
from sqlalchemy.engine import make_url

from bot.ask import AskScope
from bot.container import Container
from bot.records import SourceRecord
from bot.store.models import Account, Source
from retrieval.llm_answer import UNAVAILABLE_NOTICE, LLMAnswerer
from tests.integration.harness import CUSTOMER, SHARED, Tandem
from tests.slack_double.events import message

QUESTION = "what is the base currency?"
SCOPE = AskScope([Account(key="acme", name="Acme", llm_allowed=True)], ("external",), "Acme")


class FailingModel(FakeListChatModel):
    """A provider that is down."""

    def _generate(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None,
                  **kwargs: Any) -> ChatResult:
        raise ConnectionError("provider unreachable")


class HangingModel(FakeListChatModel):
    """A provider that answers far too late."""

    def _generate(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None,
                  **kwargs: Any) -> ChatResult:
        time.sleep(2)
        return super()._generate(messages, stop, run_manager, **kwargs)


@pytest.fixture
def indexed(container: Container) -> Container:
    """A container whose index holds one customer decision."""
    container.ingest.ingest(SourceRecord(
        id="a-1", kind="slack", ts=datetime(2026, 6, 1, 9, tzinfo=UTC), author="Kai Customer", side="customer",
        text="Decision: the base currency is EUR, approved by our finance director."), account_key="acme")
    assert container.hold_index()
    asyncio.run(container.drain_index_work())
    return container


@pytest.mark.parametrize("model", [FailingModel(responses=["x"]), HangingModel(responses=["EUR [S1]."])],
                         ids=["failing", "hanging"])
def test_llm_failure_or_timeout_gives_the_offline_answer_with_a_notice(indexed: Container, model: Any) -> None:
    offline = indexed.asker.answer(QUESTION, SCOPE)  # no LLM configured: the offline answer, no notice
    indexed.asker.llm_answerer = lambda account: LLMAnswerer(model, indexed.retriever.answerer, timeout_s=0.3)
    started = time.monotonic()
    answer = indexed.asker.answer(QUESTION, SCOPE)
    assert time.monotonic() - started < 1.5
    assert offline.found and UNAVAILABLE_NOTICE not in offline.text
    assert answer.text == f"{offline.text}\n{UNAVAILABLE_NOTICE}"
    assert [c.source_id for c in answer.citations] == [c.source_id for c in offline.citations] == ["a-1"]


async def test_work_waits_out_a_held_sqlite_write_lock(http_tandem: Tandem) -> None:
    tandem = http_tandem
    url = tandem.container.settings.effective_database_url
    if not url.startswith("sqlite"):
        pytest.skip("SQLite's write lock")
    await tandem.command("link acme")
    await tandem.responses(1)
    await tandem.settle()
    holder = sqlite3.connect(make_url(url).database or "", isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")  # another process holding the write lock
    released = threading.Timer(2.0, holder.rollback)
    released.start()
    try:
        started = time.monotonic()
        reply, _ = await tandem.event(message(SHARED, CUSTOMER, "We are blocked on the SSO app approval."))
        assert reply.status == 200  # the ack committed to the inbox file: it did not wait for the store's lock
        assert time.monotonic() - started < 1.0
        await tandem.settle(timeout=20)  # the work waits out the lock (busy timeout), it does not fail
    finally:
        released.join()
        holder.close()
    [source] = tandem.rows(Source)
    assert source.text == "We are blocked on the SSO app approval."
