"""Plain data shapes shared by ingest, extraction and the CLI (DATA_FORMATS.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

SOURCE_KINDS: tuple[str, ...] = ("slack", "email", "transcript")
SIDES: tuple[str, ...] = ("vendor", "customer", "third_party")
VISIBILITIES: tuple[str, ...] = ("external", "internal")
ITEM_KINDS: tuple[str, ...] = ("blocker", "next_step", "decision")
CATEGORIES: tuple[str, ...] = (
    "it_approval",
    "third_party",
    "stakeholder_signoff",
    "scope_change",
    "technical",
    "other",
)


@dataclass(frozen=True)
class SourceRecord:
    """One piece of account content, as in DATA_FORMATS.md "Source records"."""

    id: str
    kind: str
    ts: datetime
    author: str
    text: str
    account: str | None = None
    author_email: str | None = None
    side: str | None = None
    channel: str | None = None
    thread: str | None = None
    subject: str | None = None
    visibility: str = "external"
    tz: str | None = None
    permalink: str | None = None
    forwarded_by: str | None = None


@dataclass
class ExtractedItem:
    """One extracted line, as in DATA_FORMATS.md "Extracted items".

    `kind` is an item kind, or "resolution" for a line that only clears an earlier item.
    """

    source_id: str
    kind: str
    summary: str | None
    owner: str | None = None
    waiting_on: str | None = None
    due: date | None = None
    category: str | None = None
    resolves: str | None = None
    confidence: float = 0.5
    span: str = ""
    extra: dict[str, object] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        """The JSON Lines shape of `tandem extract`."""
        return {
            "source_id": self.source_id,
            "kind": self.kind,
            "summary": self.summary,
            "owner": self.owner,
            "waiting_on": self.waiting_on,
            "due": self.due.isoformat() if self.due else None,
            "category": self.category,
            "resolves": self.resolves,
            "confidence": round(self.confidence, 3),
            "span": self.span,
        }
