"""Alembic migrations run from code: `tandem db upgrade` and at start-up.

Several replicas start at once on one PostgreSQL, and two concurrent upgrades of a fresh schema collide
(both create `alembic_version`). So on PostgreSQL the upgrade runs under a session advisory lock: the
first replica migrates, the others wait, then find the schema at head. On SQLite the migration's
transaction begins IMMEDIATE, which already lets one writer in at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Engine

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
MIGRATION_LOCK_KEY = 7_461_706_101  # any fixed bigint, the same in every replica


def alembic_config(engine: Engine) -> Config:
    """An Alembic config pointing at the packaged migrations and at this engine."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


@contextmanager
def migration_lock(engine: Engine) -> Iterator[None]:
    """Hold PostgreSQL's advisory lock for migrations (on its own autocommit connection); a no-op elsewhere."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema up to `revision`, one process at a time."""
    with migration_lock(engine):
        command.upgrade(alembic_config(engine), revision)
