"""Records and context shared by the LLM extractor tests."""

from __future__ import annotations

import pytest

from bot.extraction import ExtractionContext
from tests.unit.llm.fakes import EARLIER, FakeOffline


@pytest.fixture
def context() -> ExtractionContext:
    """Two earlier acme records, and (wrongly mixed in) one of another account."""
    return ExtractionContext(earlier=EARLIER)


@pytest.fixture
def offline() -> FakeOffline:
    """The fallback extractor."""
    return FakeOffline()
