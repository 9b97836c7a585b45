"""Several replicas start at once: their migrations of one fresh database must not collide."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from bot.store.db import make_engine
from bot.store.migrate import MIGRATIONS_DIR, migration_lock, upgrade


def _stored_revisions(database_url: str) -> list[str]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
    finally:
        engine.dispose()


def test_two_processes_upgrade_one_fresh_database_at_once(database_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, "TANDEM_DATA_DIR": str(tmp_path / "data")}
    processes = [subprocess.Popen([sys.executable, "-m", "bot", "db", "upgrade"], env=env, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    results = [process.communicate(timeout=120) for process in processes]
    for process, (out, err) in zip(processes, results, strict=True):
        assert process.returncode == 0, err[-2000:]
        assert "database is up to date" in out
    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    assert _stored_revisions(database_url) == [head]


def test_upgrade_waits_while_another_replica_holds_the_migration_lock(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the advisory lock is PostgreSQL's; SQLite serialises writers with BEGIN IMMEDIATE")
    engine = make_engine(database_url)
    finished = threading.Event()

    def migrate() -> None:
        upgrade(engine)
        finished.set()

    try:
        with migration_lock(engine):  # another replica is migrating
            thread = threading.Thread(target=migrate)
            thread.start()
            assert not finished.wait(1.0)
            assert not inspect(engine).has_table("alembic_version")
        thread.join(timeout=60)
        assert finished.is_set()
        assert inspect(engine).has_table("alembic_version")
    finally:
        engine.dispose()
