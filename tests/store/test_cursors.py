"""Sync cursors survive a new session and can be cleared; the schema matches the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from bot.container import Container
from bot.store.cursors import clear_cursor, get_cursor, set_cursor
from bot.store.db import session_scope


def test_a_cursor_is_kept_between_sessions_and_cleared(container: Container) -> None:
    with session_scope(container.engine) as session:
        assert get_cursor(session, name="gmail:ops@example.com") is None
        set_cursor(session, name="gmail:ops@example.com", value="1234")
    with session_scope(container.engine) as session:
        assert get_cursor(session, name="gmail:ops@example.com") == "1234"
        set_cursor(session, name="gmail:ops@example.com", value="1300")
    with session_scope(container.engine) as session:
        assert get_cursor(session, name="gmail:ops@example.com") == "1300"
        clear_cursor(session, name="gmail:ops@example.com")
    with session_scope(container.engine) as session:
        assert get_cursor(session, name="gmail:ops@example.com") is None


def test_migrations_create_every_table_the_models_declare(container: Container) -> None:
    with container.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        differences = compare_metadata(context, SQLModel.metadata)
    added_or_removed_tables = [d for d in differences if d[0] in ("add_table", "remove_table")]
    assert added_or_removed_tables == []
