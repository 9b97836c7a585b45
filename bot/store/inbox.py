"""The event inbox: on SQLite, a database file of its own where Slack deliveries are kept before the ack.

SQLite has one write lock per file. In the main file, every writer holds it in turn: filing a message, indexing,
a CLI import of a mailbox, each for milliseconds to seconds. An ack that had to commit there waited for all of
them. The inbox is written by the event intake alone (and emptied by the intake's mover), so an ack waits for
its own commit only. PostgreSQL locks rows, not the database: there, deliveries go straight to the store.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from bot.store.db import checkpoints_left_to_others, make_engine

_SCHEMA = """CREATE TABLE IF NOT EXISTS inbox_event (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL
)"""


def inbox_url(database_url: str) -> str | None:
    """The inbox beside a SQLite database file (`tandem.db` -> `tandem-inbox.db`); None for PostgreSQL or an
    in-memory database, where deliveries go straight to the store."""
    parsed = make_url(database_url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    path = Path(parsed.database)
    return parsed.set(database=str(path.with_name(f"{path.stem}-inbox{path.suffix}"))).render_as_string(
        hide_password=False)


class EventInbox:
    """Deliveries kept once per `event_id` until they are moved into the store, oldest first."""

    def __init__(self, url: str) -> None:
        self.engine: Engine = make_engine(url)
        with self.engine.begin() as connection:
            connection.execute(text(_SCHEMA))

    def put(self, bodies: Sequence[dict[str, Any]]) -> list[bool]:
        """Keep deliveries (each with an `event_id`) in one transaction; False for one already kept."""
        if not bodies:
            return []
        rows = [(str(body["event_id"]), json.dumps(body, separators=(",", ":"))) for body in bodies]
        values = ", ".join(["(?, ?)"] * len(rows))
        sql = f"INSERT INTO inbox_event (event_id, body) VALUES {values} ON CONFLICT (event_id) DO NOTHING RETURNING event_id"
        with self.engine.connect() as connection, checkpoints_left_to_others(connection), connection.begin():
            kept = {row[0] for row in connection.exec_driver_sql(sql, tuple(v for row in rows for v in row))}
        firsts: list[bool] = []
        for event_id, _ in rows:
            firsts.append(event_id in kept)
            kept.discard(event_id)  # the same delivery twice in one batch is kept once
        return firsts

    def oldest(self, limit: int) -> list[tuple[int, dict[str, Any]]]:
        """Up to `limit` kept deliveries with their sequence numbers, oldest first."""
        with self.engine.connect() as connection:
            found = connection.exec_driver_sql("SELECT seq, body FROM inbox_event ORDER BY seq LIMIT ?", (limit,))
            return [(seq, json.loads(body)) for seq, body in found]

    def remove(self, seqs: Sequence[int]) -> None:
        """Forget deliveries that are in the store now."""
        if not seqs:
            return
        with self.engine.begin() as connection:
            connection.exec_driver_sql(f"DELETE FROM inbox_event WHERE seq IN ({', '.join('?' * len(seqs))})",
                                       tuple(seqs))

    def count(self) -> int:
        """How many deliveries wait to be moved."""
        with self.engine.connect() as connection:
            return int(connection.exec_driver_sql("SELECT count(*) FROM inbox_event").scalar_one())

    def close(self) -> None:
        """Release the inbox's connections."""
        self.engine.dispose()
