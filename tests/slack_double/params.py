"""Argument decoding shared by the Web API methods of the double.

Slack accepts the same arguments form-encoded (every value a string; structured values such as
``blocks`` or ``metadata`` JSON-encoded) or as a JSON body (typed values). These helpers accept both.
"""

from __future__ import annotations

import base64
import json
from typing import Any

#: arguments that carry JSON when form-encoded; decoded in ``Call.params``
JSON_ARGS = ("blocks", "attachments", "metadata", "view")


class SlackApiFailure(Exception):
    """Raised by a method to answer ``{"ok": false, "error": error, **extra}`` with HTTP ``status``."""

    def __init__(self, error: str, *, status: int = 200, extra: dict[str, Any] | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.extra = extra or {}


def as_bool(value: Any, default: bool = False) -> bool:
    """Slack's truthiness for flags: true/1 (any case) or a JSON true."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    return str(value).strip().lower() in ("1", "true", "yes")


def as_int(value: Any, *, default: int, name: str) -> int:
    """An integer argument; a malformed one fails with ``invalid_arguments``."""
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise SlackApiFailure(
            "invalid_arguments", extra={"response_metadata": {"messages": [f"[ERROR] invalid `{name}`"]}}
        ) from None


def as_json(value: Any, *, error: str) -> Any:
    """A structured argument given either as an object/list or as a JSON string."""
    if value is None or isinstance(value, dict | list):
        return value
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        raise SlackApiFailure(error) from None


def decode_json_args(params: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``params`` with JSON-string values of ``JSON_ARGS`` decoded (left as is when malformed)."""
    out = dict(params)
    for key in JSON_ARGS:
        value = out.get(key)
        if isinstance(value, str):
            try:
                out[key] = json.loads(value)
            except ValueError:
                pass
    return out


def required(params: dict[str, Any], name: str, *, error: str = "invalid_arguments") -> Any:
    """A mandatory argument; missing or empty fails with ``error`` (``invalid_arguments`` explains which)."""
    value = params.get(name)
    if value is None or value == "":
        extra = {"response_metadata": {"messages": [f"[ERROR] missing required field: {name}"]}}
        raise SlackApiFailure(error, extra=extra if error == "invalid_arguments" else None)
    return value


def encode_cursor(offset: int) -> str:
    """An opaque pagination cursor, base64 like Slack's (``bmV4dF9vZmZzZXQ6...``)."""
    return base64.b64encode(f"next_offset:{offset}".encode()).decode()


def decode_cursor(cursor: Any) -> int:
    """The offset inside a cursor made by ``encode_cursor``; anything else is ``invalid_cursor``."""
    if cursor in (None, ""):
        return 0
    try:
        text = base64.b64decode(str(cursor), validate=True).decode()
        prefix, _, number = text.partition(":")
        if prefix != "next_offset":
            raise ValueError(text)
        return int(number)
    except ValueError:
        raise SlackApiFailure("invalid_cursor") from None


def paginate(
    items: list[Any], params: dict[str, Any], *, default_limit: int, max_limit: int = 1000
) -> tuple[list[Any], str]:
    """One page of ``items`` per ``cursor``/``limit``; returns (page, next_cursor or "")."""
    limit = as_int(params.get("limit"), default=default_limit, name="limit")
    if limit <= 0:
        limit = default_limit
    limit = min(limit, max_limit)
    start = decode_cursor(params.get("cursor"))
    page = items[start : start + limit]
    end = start + len(page)
    return page, (encode_cursor(end) if end < len(items) else "")
