"""The optional LLM is used per account only where allowed; the offline path answers otherwise."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime
from typing import Any, ClassVar

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatResult
from sqlmodel import select

from bot.ask import AskScope
from bot.container import Container
from bot.extraction.llm import LLMExtractor
from bot.records import SourceRecord
from bot.store.db import session_scope
from bot.store.models import Account, Source
from handlers.intake import accept_events
from tests.unit.llm.fakes import ToolFakeModel, tool_reply


def _llm_container(container: Container, provider: str, reply: str) -> Container:
    wired = Container(container.settings.model_copy(update={"llm_provider": provider, "llm_model": "fake"}))
    wired.__dict__["chat_model"] = FakeListChatModel(responses=[reply] * 5)
    return wired


def test_extractor_needs_consent_for_external_providers_but_not_for_ollama(container: Container) -> None:
    for provider, allowed, expected in (("openai", False, False), ("openai", True, True), ("ollama", False, True)):
        wired = _llm_container(container, provider, "")
        wired.__dict__["chat_model"] = ToolFakeModel(responses=[tool_reply({"items": []})])
        chosen = wired.extractor_for(Account(key="acme", name="Acme", llm_allowed=allowed))
        assert isinstance(chosen, LLMExtractor) is expected, (provider, allowed)
        wired.close()
    assert container.extractor_for(Account(key="acme", name="Acme", llm_allowed=True)) is container.extractor


def test_answers_use_the_llm_only_for_accounts_that_allow_it(container: Container) -> None:
    container.ingest.ingest(SourceRecord(
        id="a-1", kind="slack", ts=datetime(2026, 6, 1, 9, tzinfo=UTC), author="Kai Customer", side="customer",
        text="Decision: the base currency is EUR, approved by our finance director."), account_key="acme")
    assert container.hold_index()
    asyncio.run(container.drain_index_work())
    container.close()
    wired = _llm_container(container, "anthropic", "The base currency is EUR [S1].")
    question = "what is the base currency?"
    offline = wired.asker.answer(question, AskScope([Account(key="acme", name="Acme")], ("external",), "Acme"))
    allowed = wired.asker.answer(question, AskScope([Account(key="acme", name="Acme", llm_allowed=True)],
                                                    ("external",), "Acme"))
    assert offline.found and offline.text.startswith("From Acme's history")
    assert allowed.text == "The base currency is EUR [S1]." and [c.source_id for c in allowed.citations] == ["a-1"]
    wired.close()


class _SlowModel(ToolFakeModel):
    """Answers only once `release` is set, as a model that takes seconds does."""

    started: ClassVar[threading.Event] = threading.Event()
    release: ClassVar[threading.Event] = threading.Event()

    def _generate(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None,
                  **kwargs: Any) -> ChatResult:
        self.started.set()
        self.release.wait(20)
        return super()._generate(messages, stop, run_manager, **kwargs)


def test_an_ack_does_not_wait_for_an_llm_extraction(container: Container) -> None:
    if container.engine.dialect.name != "sqlite":
        pytest.skip("the write lock is SQLite's")
    container.ingest.ingest(SourceRecord(id="a-0", kind="slack", ts=datetime(2026, 6, 1, 8, tzinfo=UTC),
                                         author="Kai Customer", text="Hello all."), account_key="acme")
    wired = Container(container.settings.model_copy(update={"llm_provider": "ollama", "llm_model": "fake"}))
    wired.__dict__["chat_model"] = _SlowModel(responses=[tool_reply({"items": []})] * 3)
    _SlowModel.started.clear()
    _SlowModel.release.clear()
    filing = threading.Thread(target=lambda: wired.ingest.ingest(SourceRecord(
        id="a-1", kind="slack", ts=datetime(2026, 6, 1, 9, tzinfo=UTC), author="Kai Customer", side="customer",
        text="We are blocked until our CAB approves the SSO app."), account_key="acme"))
    filing.start()
    try:
        assert _SlowModel.started.wait(10), "the LLM was not asked"
        ack = threading.Thread(target=lambda: accept_events(wired.engine, [
            {"event_id": "Ev1", "team_id": "T1", "event": {"type": "message", "text": "hi"}}]))
        ack.start()
        ack.join(5)
        assert not ack.is_alive(), "the event intake waited for the LLM extraction"
    finally:
        _SlowModel.release.set()
        filing.join(30)
    assert not filing.is_alive()
    with session_scope(container.engine) as session:
        assert sorted(session.exec(select(Source.external_id)).all()) == ["a-0", "a-1"]
    wired.close()
