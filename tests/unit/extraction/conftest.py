"""Shared helpers for the extraction tests: fictional records and one loaded extractor."""

from datetime import datetime

import pytest

from bot.extraction import ExtractionContext, OfflineExtractor
from bot.records import ExtractedItem, SourceRecord


@pytest.fixture(scope="session")
def extractor() -> OfflineExtractor:
    return OfflineExtractor()


def make_record(
    text: str,
    *,
    author: str = "Nadia Petrov",
    side: str = "vendor",
    kind: str = "slack",
    ts: str = "2026-06-10T10:00:00+00:00",
    tz: str = "Europe/Berlin",
    thread: str | None = None,
    record_id: str = "r-1",
    subject: str | None = None,
) -> SourceRecord:
    return SourceRecord(
        id=record_id, kind=kind, ts=datetime.fromisoformat(ts), author=author, text=text,
        account="zephyr", side=side, thread=thread, tz=tz, subject=subject,
    )


PEOPLE = {
    "Nadia Petrov": "vendor",
    "Omar Lindgren": "vendor",
    "Kelly Brandt": "customer",
    "Priya Anand": "customer",
    "Marta Silva": "third_party",
}


def context(**kwargs: object) -> ExtractionContext:
    return ExtractionContext(people=dict(PEOPLE), **kwargs)  # type: ignore[arg-type]


def kinds(items: list[ExtractedItem]) -> list[str]:
    return [i.kind for i in items]
