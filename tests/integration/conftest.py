"""Integration fixtures: the running app against the Slack double."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.settings import Settings
from tests.integration.harness import Tandem, running_tandem


@pytest.fixture
async def tandem(settings: Settings) -> AsyncIterator[Tandem]:
    """The app in HTTP mode on a fresh database, with the seeded Slack double."""
    async with running_tandem(settings) as running:
        yield running
