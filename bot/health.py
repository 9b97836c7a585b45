"""`/healthz`: whether the SQL store answers and the search index is reachable by this process."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Engine

from bot.store.db import read_only

log = logging.getLogger(__name__)

OK = "ok"


@dataclass(frozen=True)
class Health:
    """Each part's state ("ok" or why not); healthy when every part is ok."""

    parts: dict[str, str]

    @property
    def ok(self) -> bool:
        """Whether every part is ok."""
        return all(state == OK for state in self.parts.values())

    def to_json(self) -> dict[str, object]:
        """`{"ok": …, "store": …, "index": …}`."""
        return {"ok": self.ok, **self.parts}


class HealthCheck:
    """Checks the store (`SELECT 1`) and the index (Chroma's heartbeat, where this process holds it).

    `holds_index`: whether this process may open the index (embedded Chroma is one process's);
    `heartbeat`: Chroma's heartbeat call, opening the client when first needed.
    """

    def __init__(self, engine: Engine, *, holds_index: bool, heartbeat: Callable[[], object]) -> None:
        self.engine = engine
        self.holds_index = holds_index
        self.heartbeat = heartbeat

    def store(self) -> str:
        """"ok", or "unreachable" when a `SELECT 1` fails."""
        try:
            with read_only(self.engine).connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:  # noqa: BLE001 - any failure means unhealthy; the class name is logged
            log.warning("healthz: the store did not answer (%s)", type(exc).__name__)
            return "unreachable"
        return OK

    def index(self) -> str:
        """"ok", "held by another process", or "unreachable" when the heartbeat fails."""
        if not self.holds_index:
            return "held by another process"
        try:
            self.heartbeat()
        except Exception as exc:  # noqa: BLE001 - any failure means unhealthy; the class name is logged
            log.warning("healthz: the index did not answer (%s)", type(exc).__name__)
            return "unreachable"
        return OK

    def check(self) -> Health:
        """Both parts, now (blocking)."""
        return Health({"store": self.store(), "index": self.index()})
