"""Building the chat model from settings, and choosing the extractor (no provider package, no network)."""

from __future__ import annotations

import sys
import types

import pytest

from bot.extraction import ExtractionContext
from bot.extraction.llm import LLMExtractor, build_extractor, requires_consent
from bot.llm_models import LLMUnavailableError, build_chat_model
from bot.settings import Settings, SettingsError
from tests.unit.llm.fakes import ToolFakeModel, record, tool_reply


def settings(provider: str = "openai", model: str | None = "some-model") -> Settings:
    return Settings(llm_provider=provider, llm_model=model, _env_file=None)  # type: ignore[call-arg]


class Recorder:
    """Stands in for a provider chat class and keeps its constructor arguments."""

    def __init__(self, **kwargs: object) -> None:
        self.kwargs = kwargs


@pytest.fixture
def fake_providers(monkeypatch: pytest.MonkeyPatch) -> None:
    for module, name in (
        ("langchain_openai", "ChatOpenAI"),
        ("langchain_anthropic", "ChatAnthropic"),
        ("langchain_ollama", "ChatOllama"),
    ):
        monkeypatch.setitem(sys.modules, module, types.SimpleNamespace(**{name: Recorder}))


def test_missing_package_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "langchain_anthropic", None)  # import fails
    with pytest.raises(LLMUnavailableError, match=r"tandem\[llm\]"):
        build_chat_model(settings("anthropic"), environ={"ANTHROPIC_API_KEY": "k"})


@pytest.mark.parametrize(
    ("provider", "key"), [("openai", "OPENAI_API_KEY"), ("anthropic", "ANTHROPIC_API_KEY")]
)
def test_missing_key_names_the_variable(fake_providers, provider, key):
    with pytest.raises(SettingsError, match=key):
        build_chat_model(settings(provider), environ={})


def test_missing_model_name(fake_providers):
    with pytest.raises(LLMUnavailableError, match="LLM_MODEL"):
        build_chat_model(settings("ollama", model=None), environ={})


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_hosted_models_get_key_timeout_and_retries(fake_providers, provider):
    env = {"OPENAI_API_KEY": "sk-o", "ANTHROPIC_API_KEY": "sk-a"}
    model = build_chat_model(settings(provider), timeout_s=12, max_retries=3, environ=env)
    assert model.kwargs == {
        "model": "some-model",
        "temperature": 0,
        "api_key": env[f"{provider.upper()}_API_KEY"],
        "timeout": 12,
        "max_retries": 3,
    }


def test_ollama_needs_no_key(fake_providers):
    model = build_chat_model(settings("ollama"), timeout_s=9, environ={"OLLAMA_HOST": "http://gpu:11434"})
    assert model.kwargs["client_kwargs"] == {"timeout": 9} and model.kwargs["base_url"] == "http://gpu:11434"
    assert "api_key" not in model.kwargs


def test_build_extractor_is_offline_unless_configured_and_allowed(offline):
    fake = ToolFakeModel(responses=[tool_reply({"items": []})])
    assert build_extractor(settings("none"), offline, model=fake) is offline
    assert build_extractor(settings("openai"), offline, model=fake, llm_allowed=False) is offline
    allowed = build_extractor(settings("openai"), offline, model=fake, llm_allowed=True, account_key="acme")
    assert isinstance(allowed, LLMExtractor) and allowed.account_key == "acme" and allowed.fallback is offline
    local = build_extractor(settings("ollama"), offline, model=fake)  # a local model needs no consent
    assert isinstance(local, LLMExtractor)
    assert requires_consent("anthropic") and not requires_consent("ollama")


class FakeChatOllama(ToolFakeModel):
    """A ChatOllama stand-in that is a real (fake) chat model, so the extractor can use it."""

    kwargs: dict[str, object] = {}

    def __init__(self, **kwargs: object) -> None:
        super().__init__(responses=[tool_reply({"items": []})], kwargs=kwargs)


def test_build_extractor_builds_the_model_from_settings(offline, monkeypatch):
    monkeypatch.setitem(sys.modules, "langchain_ollama", types.SimpleNamespace(ChatOllama=FakeChatOllama))
    extractor = build_extractor(settings("ollama"), offline, account_key="acme", timeout_s=5)
    assert isinstance(extractor, LLMExtractor) and isinstance(extractor.model, FakeChatOllama)
    assert extractor.model.kwargs["client_kwargs"] == {"timeout": 5} and extractor.timeout_s == 5
    assert extractor.extract(record("acme-0003", "Thanks!"), ExtractionContext()) == []


def test_build_extractor_reports_a_missing_key(fake_providers, offline, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(SettingsError, match="OPENAI_API_KEY"):
        build_extractor(settings("openai"), offline, llm_allowed=True)
