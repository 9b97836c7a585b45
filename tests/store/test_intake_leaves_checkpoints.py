"""The event intake's commits never copy the WAL back into the database on SQLite; other commits still do."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import text

from bot.store.db import checkpoints_left_to_others, make_engine

ROW = "x" * 3000  # about a page a row


def _wal_pages(path: Path) -> int:
    wal = Path(f"{path}-wal")
    return wal.stat().st_size // 4096 if wal.exists() else 0


def test_commits_inside_leave_the_wal_to_grow_and_the_next_ordinary_commit_checkpoints(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE rows (body TEXT)")
    with engine.connect() as connection, checkpoints_left_to_others(connection):
        for _ in range(30):  # many small commits, as the intake makes, 1,500 pages in all
            with connection.begin():
                connection.exec_driver_sql("INSERT INTO rows (body) VALUES " + ", ".join([f"('{ROW}')"] * 50))
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
    assert _wal_pages(path) > 1200  # nothing was copied back: every frame is still in the log
    with engine.connect() as connection:  # the same pooled connection, its setting restored
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1000
        connection.rollback()
    for _ in range(2):  # the first ordinary commit checkpoints, so the second starts the log over
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO rows (body) VALUES ('one more')"))
    inspector = sqlite3.connect(path)
    busy, log_frames, copied = inspector.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    inspector.close()
    assert busy == 0 and copied == log_frames and log_frames < 50
    engine.dispose()
