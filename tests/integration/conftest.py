"""Integration fixtures: the running app against the Slack double."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.settings import Settings
from tests.integration.harness import Tandem, running_tandem


@pytest.fixture(params=["http", "socket"])
async def tandem(settings: Settings, request: pytest.FixtureRequest) -> AsyncIterator[Tandem]:
    """The app on a fresh database with the seeded Slack double, in HTTP mode and in Socket Mode."""
    async with running_tandem(settings, request.param) as running:
        yield running


@pytest.fixture
async def http_tandem(settings: Settings) -> AsyncIterator[Tandem]:
    """The app in HTTP mode only (for what only HTTP has: signatures, /healthz)."""
    async with running_tandem(settings, "http") as running:
        yield running
