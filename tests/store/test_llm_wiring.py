"""The optional LLM is used per account only where allowed; the offline path answers otherwise."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from langchain_core.language_models.fake_chat_models import FakeListChatModel

from bot.ask import AskScope
from bot.container import Container
from bot.extraction.llm import LLMExtractor
from bot.records import SourceRecord
from bot.store.models import Account
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
