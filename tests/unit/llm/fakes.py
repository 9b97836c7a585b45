"""Fake chat models that can do structured output (they bind tools), and a fake offline extractor."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from langchain_core.language_models import LanguageModelInput
from langchain_core.language_models.fake_chat_models import FakeMessagesListChatModel, GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatResult
from langchain_core.runnables import Runnable
from langchain_core.utils.function_calling import convert_to_openai_tool

from bot.extraction import ExtractionContext
from bot.records import ExtractedItem, SourceRecord


def tool_reply(payload: dict[str, Any], name: str = "ExtractionOutput") -> AIMessage:
    """An AIMessage answering with one tool call, as a provider does for structured output."""
    return AIMessage(
        content="", tool_calls=[{"name": name, "args": payload, "id": "call_1", "type": "tool_call"}]
    )


class _BindsTools:
    """Mixin: `bind_tools` that records the tools and the prompts, so `with_structured_output` works."""

    def bind_tools(
        self, tools: Sequence[Any], *, tool_choice: str | None = None, **kwargs: Any
    ) -> Runnable[LanguageModelInput, AIMessage]:
        schemas = [convert_to_openai_tool(t) for t in tools]
        return self.bind(tools=schemas, tool_choice=tool_choice)  # type: ignore[attr-defined]


class ToolFakeModel(_BindsTools, FakeMessagesListChatModel):
    """FakeMessagesListChatModel that binds tools and keeps every prompt it was sent."""

    prompts: list[list[BaseMessage]] = []
    calls: int = 0

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> ChatResult:
        self.prompts.append(list(messages))
        self.calls += 1
        return super()._generate(messages, stop, run_manager, **kwargs)


class GenericToolFakeModel(_BindsTools, GenericFakeChatModel):
    """GenericFakeChatModel that binds tools (messages come from an iterator)."""


class RaisingModel(ToolFakeModel):
    """Fails every call, as an unreachable provider would."""

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> ChatResult:
        self.calls += 1
        raise ConnectionError("provider unreachable")


class FakeOffline:
    """A tiny offline extractor: one next step quoting the first line, and a count of calls."""

    def __init__(self) -> None:
        self.calls = 0

    def extract(self, record: SourceRecord, context: ExtractionContext) -> list[ExtractedItem]:
        self.calls += 1
        first = record.text.strip().splitlines()[0]
        return [ExtractedItem(record.id, "next_step", "offline", confidence=0.4, span=first)]


TS = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday


def record(
    rid: str, text: str, *, account: str = "acme", kind: str = "slack", **extra: object
) -> SourceRecord:
    """A source record of the test account."""
    return SourceRecord(id=rid, kind=kind, ts=TS, author="Dana Vendor", text=text, account=account, **extra)  # type: ignore[arg-type]


EARLIER = (
    record("acme-0001", "SSO is blocked until Acme IT approves the SAML app."),
    record("acme-0002", "I'll send the tax worksheet by Friday."),
    record("globex-0004", "Globex: data export from the old ERP is broken.", account="globex"),
)
