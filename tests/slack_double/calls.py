"""The record of Web API calls the app made to the double, with waiting helpers for async assertions."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .params import as_bool


@dataclass(frozen=True)
class Call:
    """One Web API request the double received.

    ``params`` are the arguments (query and body merged, token removed) with the JSON-string arguments
    ``blocks``/``attachments``/``metadata``/``view`` decoded; ``raw`` is what was sent; ``response`` the
    JSON reply and ``status`` its HTTP status.
    """

    method: str
    params: dict[str, Any]
    token: str | None
    http_method: str = "POST"
    content_type: str = ""
    raw: dict[str, Any] = field(default_factory=dict)
    response: dict[str, Any] = field(default_factory=dict)
    status: int = 200

    @property
    def ok(self) -> bool:
        """True when the double answered ``ok: true``."""
        return bool(self.response.get("ok"))

    def flag(self, name: str, default: bool = False) -> bool:
        """A boolean argument however it was sent ("true", "1", true)."""
        return as_bool(self.params.get(name), default)


class CallLog:
    """Append-only list of ``Call`` with ``wait_for``."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._changed: asyncio.Condition | None = None

    def _condition(self) -> asyncio.Condition:
        if self._changed is None:
            self._changed = asyncio.Condition()
        return self._changed

    async def record(self, call: Call) -> None:
        """Add ``call`` and wake the waiters."""
        self.calls.append(call)
        cond = self._condition()
        async with cond:
            cond.notify_all()

    def to(self, method: str, where: Callable[[Call], bool] | None = None) -> list[Call]:
        """Calls to ``method`` (optionally filtered), in order."""
        return [c for c in self.calls if c.method == method and (where is None or where(c))]

    async def wait_for(
        self, method: str, count: int = 1, timeout: float = 5.0, where: Callable[[Call], bool] | None = None
    ) -> list[Call]:
        """Wait until ``count`` calls to ``method`` (matching ``where``) were made; returns them all.

        Raises AssertionError, listing the calls seen, on timeout.
        """
        cond = self._condition()
        async with cond:
            try:
                await asyncio.wait_for(cond.wait_for(lambda: len(self.to(method, where)) >= count), timeout)
            except TimeoutError:
                seen = [f"{c.method}({_short(c.params)})" for c in self.calls]
                raise AssertionError(
                    f"expected {count} call(s) to {method} within {timeout}s, got {len(self.to(method, where))}; calls: {seen}"
                ) from None
        return self.to(method, where)


def _short(params: dict[str, Any]) -> str:
    text = ", ".join(f"{k}={v!r}" for k, v in params.items() if k not in ("blocks", "view", "attachments"))
    return text if len(text) < 120 else text[:117] + "..."
