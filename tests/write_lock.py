"""A store's write lock held by another thread, as a long writer (a filing, a CLI import) holds it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Engine

from bot.store.db import session_scope


@contextmanager
def write_lock_held(engine: Engine) -> Iterator[threading.Event]:
    """Another thread holds `engine`'s write lock (SQLite's BEGIN IMMEDIATE) until the yielded event is set, or
    the block ends."""
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with session_scope(engine) as session:
            session.connection()
            held.set()
            release.wait(30)

    writer = threading.Thread(target=hold)
    writer.start()
    try:
        assert held.wait(10)
        yield release
    finally:
        release.set()
        writer.join(30)
