"""Engine creation: SQLite in WAL mode with a busy timeout, or PostgreSQL, from one URL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlmodel import Session, create_engine

SQLITE_BUSY_TIMEOUT_MS = 15000
SQLITE_AUTOCHECKPOINT_PAGES = 1000  # SQLite's default: a commit that leaves the WAL longer copies it back
READ_ONLY = "tandem_read_only"  # execution option of the sessions `session_scope(..., write=False)` opens


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    dbapi_connection.isolation_level = None  # type: ignore[attr-defined]  # we issue BEGIN ourselves
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class _WriterTurns:
    """Hands SQLite's write lock from thread to thread in this process in turn.

    SQLite's busy handler polls with growing sleeps, so a thread that commits and begins again at once (a bulk
    ingest) keeps the lock from a thread that waits (the indexing lane, an intake). Taking a process lock
    before BEGIN IMMEDIATE makes waiters queue and wake as soon as the writer is done; other processes still
    meet the busy timeout."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holder: int | None = None

    def begin(self, connection: Connection) -> None:
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        if not read_only:
            self._lock.acquire()
            self._holder = id(connection.connection.dbapi_connection)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    def end(self, connection: Connection) -> None:
        if self._holder is not None and self._holder == id(connection.connection.dbapi_connection):
            self._holder = None
            self._lock.release()


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite files get their folder created and WAL turned on."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})
        event.listen(engine, "connect", _sqlite_pragmas)
        turns = _WriterTurns()
        event.listen(engine, "begin", turns.begin)
        event.listen(engine, "commit", turns.end)
        event.listen(engine, "rollback", turns.end)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


@contextmanager
def checkpoints_left_to_others(connection: Connection) -> Iterator[None]:
    """On SQLite, commits on `connection` inside the block never copy the WAL back into the database (the
    other connections' commits do): a latency-bound writer (the event intake, before every ack) should not
    pay for a checkpoint of what the worker wrote. Elsewhere nothing changes."""
    if connection.dialect.name != "sqlite":
        yield
        return
    raw = connection.connection.dbapi_connection  # the pragma outside any transaction SQLAlchemy would begin
    raw.execute("PRAGMA wal_autocheckpoint=0")  # type: ignore[union-attr]
    try:
        yield
    finally:
        raw.execute(f"PRAGMA wal_autocheckpoint={SQLITE_AUTOCHECKPOINT_PAGES}")  # type: ignore[union-attr]


def read_only(engine: Engine) -> Engine:
    """The same engine for work that only reads: on SQLite its transactions do not take the write lock."""
    return engine.execution_options(**{READ_ONLY: True})


@contextmanager
def session_scope(engine: Engine, *, write: bool = True) -> Iterator[Session]:
    """A session that commits once at the end, or rolls back on error.

    `write=False` is for work that only reads (lists, ranking, lookups): on SQLite it does not take the
    write lock, so it never queues behind the intake nor holds it up; writing in it may fail as busy.
    """
    bind = engine if write else read_only(engine)
    with Session(bind, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
