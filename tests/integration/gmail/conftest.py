"""Gmail fixtures: the Gmail double, settings pointing at it, a recording sink and a poller factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.container import Container
from bot.gmail_client import GmailClient, load_gmail_credentials
from bot.settings import Settings
from jobs.gmail import GmailPoller
from tests.gmail_double import GmailDouble
from tests.integration.gmail.helpers import MAILBOX, PollerFactory, RecordingSink


@pytest.fixture
async def gmail() -> AsyncIterator[GmailDouble]:
    """A started Gmail double for ``intake@brightloom.example``."""
    async with GmailDouble(mailbox=MAILBOX) as double:
        yield double


@pytest.fixture
def sa_settings(settings: Settings, gmail: GmailDouble, tmp_path: Path) -> Settings:
    """Settings for the service-account path (domain-wide delegation), pointing at the double."""
    return settings.model_copy(update={
        "gmail_api_url": gmail.api_url,
        "gmail_service_account_file": gmail.write_service_account_file(tmp_path / "service-account.json"),
        "gmail_delegated_user": MAILBOX,
    })


@pytest.fixture
def token_settings(settings: Settings, gmail: GmailDouble, tmp_path: Path) -> Settings:
    """Settings for the OAuth user token path, pointing at the double."""
    return settings.model_copy(update={
        "gmail_api_url": gmail.api_url,
        "gmail_token_file": gmail.write_token_file(tmp_path / "token.json"),
    })


@pytest.fixture
def sink() -> RecordingSink:
    return RecordingSink()


@pytest.fixture
async def make_poller(sa_settings: Settings, container: Container,
                      sink: RecordingSink) -> AsyncIterator[PollerFactory]:
    """Build pollers on the test database (service account unless `settings` is given); closes their clients."""
    clients: list[GmailClient] = []

    def build(*, settings: Settings = sa_settings, full_sync_max: int = 500, mailbox: str | None = MAILBOX,
              max_tries: int = 5, base_delay: float = 0.01) -> GmailPoller:
        client = GmailClient(load_gmail_credentials(settings), api_url=settings.gmail_api_url,
                             max_tries=max_tries, base_delay=base_delay)
        clients.append(client)
        return GmailPoller(client, sink, container.engine, mailbox, full_sync_max)

    yield build
    for client in clients:
        await client.close()
