"""Build the langchain chat model that LLM_PROVIDER and LLM_MODEL select.

Provider packages come with the optional `llm` extra (`pip install 'tandem[llm]'`) and are
imported only here, only when asked for. Keys are read from the environment
(OPENAI_API_KEY, ANTHROPIC_API_KEY); a local Ollama needs none (OLLAMA_HOST is optional).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bot.settings import Settings, SettingsError

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

PROVIDERS: dict[str, tuple[str, str, str, str | None]] = {
    # provider: (module, class, pip package, key variable)
    "openai": ("langchain_openai", "ChatOpenAI", "langchain-openai", "OPENAI_API_KEY"),
    "anthropic": ("langchain_anthropic", "ChatAnthropic", "langchain-anthropic", "ANTHROPIC_API_KEY"),
    "ollama": ("langchain_ollama", "ChatOllama", "langchain-ollama", None),
}


class LLMUnavailableError(SettingsError):
    """The configured LLM cannot be built (package, model name or key missing); one line, safe to show."""


def _chat_class(provider: str) -> type[Any]:
    module_name, class_name, package, _ = PROVIDERS[provider]
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        raise LLMUnavailableError(
            f"LLM_PROVIDER={provider} needs {package}: install the llm extra (pip install 'tandem[llm]')"
        ) from None
    return getattr(module, class_name)


def chat_model_kwargs(
    settings: Settings, *, timeout_s: float, max_retries: int, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Constructor arguments for the provider's chat class (no import; checks model and key)."""
    env = os.environ if environ is None else environ
    provider = settings.llm_provider
    if provider not in PROVIDERS:
        raise LLMUnavailableError(
            f"LLM_PROVIDER={provider} has no chat model; use openai, anthropic or ollama"
        )
    if not settings.llm_model:
        raise LLMUnavailableError(f"LLM_MODEL is required when LLM_PROVIDER={provider}")
    key_name = PROVIDERS[provider][3]
    kwargs: dict[str, Any] = {"model": settings.llm_model, "temperature": 0}
    if key_name is not None:
        key = env.get(key_name, "").strip()
        if not key:
            raise LLMUnavailableError(
                f"{key_name} is required when LLM_PROVIDER={provider}; set it in the environment"
            )
        kwargs.update(api_key=key, timeout=timeout_s, max_retries=max_retries)
    else:
        # ChatOllama has no retry setting; the extractor retries. The timeout goes to its HTTP client.
        kwargs["client_kwargs"] = {"timeout": timeout_s}
        if env.get("OLLAMA_HOST"):
            kwargs["base_url"] = env["OLLAMA_HOST"]
    return kwargs


def build_chat_model(
    settings: Settings,
    *,
    timeout_s: float = 30,
    max_retries: int = 1,
    environ: Mapping[str, str] | None = None,
) -> BaseChatModel:
    """The chat model of LLM_PROVIDER/LLM_MODEL, with a request timeout and retries set.

    Raises LLMUnavailableError (a SettingsError) when the provider is `none`, its package is not
    installed, LLM_MODEL is unset, or the provider's key is missing from the environment.
    """
    kwargs = chat_model_kwargs(settings, timeout_s=timeout_s, max_retries=max_retries, environ=environ)
    return _chat_class(settings.llm_provider)(**kwargs)
