"""Reading source records from JSON Lines, with line-numbered errors that never stop the file."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from bot.records import SIDES, SOURCE_KINDS, VISIBILITIES, SourceRecord


class RecordError(ValueError):
    """A source record that cannot be used; the message says why."""


@dataclass(frozen=True)
class LineProblem:
    """A line of a JSON Lines file that was skipped, and why."""

    line_number: int
    reason: str


def parse_timestamp(value: object) -> datetime:
    """An ISO 8601 time with an offset ("Z" allowed)."""
    if not isinstance(value, str) or not value:
        raise RecordError("`ts` must be an ISO 8601 string")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise RecordError(f"`ts` is not ISO 8601: {value!r}") from exc
    if parsed.tzinfo is None:
        raise RecordError(f"`ts` has no UTC offset: {value!r}")
    return parsed


def _optional_str(data: dict[str, object], key: str) -> str | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise RecordError(f"`{key}` must be a string")
    return value


def _required_str(data: dict[str, object], key: str) -> str:
    value = _optional_str(data, key)
    if value is None:
        raise RecordError(f"`{key}` is required")
    return value


def record_from_dict(data: object, *, require_account: bool = False) -> SourceRecord:
    """Validate one decoded JSON object and build a `SourceRecord`."""
    if not isinstance(data, dict):
        raise RecordError("a record must be a JSON object")
    kind = _required_str(data, "kind")
    if kind not in SOURCE_KINDS:
        raise RecordError(f"`kind` must be one of {', '.join(SOURCE_KINDS)}")
    side = _optional_str(data, "side")
    if side is not None and side not in SIDES:
        raise RecordError(f"`side` must be one of {', '.join(SIDES)}")
    visibility = _optional_str(data, "visibility")
    if visibility is None:
        visibility = "internal" if kind == "email" else "external"
    if visibility not in VISIBILITIES:
        raise RecordError(f"`visibility` must be one of {', '.join(VISIBILITIES)}")
    text = data.get("text")
    if not isinstance(text, str):
        raise RecordError("`text` is required and must be a string")
    account = _optional_str(data, "account")
    if require_account and account is None:
        raise RecordError("`account` is required")
    if account is not None:
        account = account.strip().lower()
    return SourceRecord(
        id=_required_str(data, "id"),
        account=account,
        kind=kind,
        ts=parse_timestamp(data.get("ts")),
        author=_required_str(data, "author"),
        author_email=_optional_str(data, "author_email"),
        side=side,
        channel=_optional_str(data, "channel"),
        thread=_optional_str(data, "thread"),
        subject=_optional_str(data, "subject"),
        visibility=visibility,
        tz=_optional_str(data, "tz"),
        text=text,
        permalink=_optional_str(data, "permalink"),
        forwarded_by=_optional_str(data, "forwarded_by"),
    )


def read_records(
    lines: Iterable[str], *, require_account: bool = False
) -> Iterator[SourceRecord | LineProblem]:
    """Yield a record per good line and a `LineProblem` per bad one; blank lines are skipped."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            decoded = json.loads(line)
            yield record_from_dict(decoded, require_account=require_account)
        except json.JSONDecodeError as exc:
            yield LineProblem(number, f"not valid JSON ({exc.msg})")
        except RecordError as exc:
            yield LineProblem(number, str(exc))
