"""Shared fixtures: a fresh database per test, on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot.container import Container
from bot.settings import Settings, load_settings
from tests.chroma_server import ChromaServer, running_chroma_server

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
POSTGRES_URL = os.environ.get("TANDEM_TEST_DATABASE_URL")

DATABASES = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a new schema on the test PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'tandem.db'}"
        return
    assert POSTGRES_URL is not None
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Settings on the fresh database and a temp data dir, with test Slack secrets."""
    return load_settings(
        tandem_data_dir=tmp_path / "data",
        database_url=database_url,
        slack_bot_token="xoxb-test-token",
        slack_signing_secret="test-signing-secret",
        slack_app_token=None,
        chroma_url=None,
        chroma_path=None,
        tandem_admins="ULEAD",
    )


@pytest.fixture
def container(settings: Settings) -> Iterator[Container]:
    """A migrated container on the fresh database."""
    built = Container(settings)
    built.migrate()
    yield built
    built.close()


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    """One real Chroma server (`chroma run` on a free loopback port) for the whole session."""
    with running_chroma_server(tmp_path_factory.mktemp("chroma-server")) as server:
        yield server


@pytest.fixture
def chroma_url(chroma_server: ChromaServer) -> Iterator[str]:
    """The session's Chroma server for one test; emptied after it, so tests never see each other's chunks."""
    yield chroma_server.url
    chroma_server.clear()


@pytest.fixture(params=["embedded", "chroma-server"])
def index_settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """`settings` with embedded Chroma, and again with CHROMA_URL at the test Chroma server."""
    if request.param == "embedded":
        return settings
    return settings.model_copy(update={"chroma_url": request.getfixturevalue("chroma_url")})


@pytest.fixture
def index_container(index_settings: Settings) -> Iterator[Container]:
    """A migrated container on the fresh database, on each kind of index."""
    built = Container(index_settings)
    built.migrate()
    yield built
    built.close()
