"""The small data shapes of the retrieval package: chunks in, hits and answers out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

Visibility = Literal["external", "internal"]
VISIBILITIES: tuple[str, ...] = ("external", "internal")


@dataclass(frozen=True)
class Chunk:
    """One indexed piece of a source.

    `text` is the part of the source the chunk covers (what answers quote); `context` is extra
    text indexed with it but never quoted (a thread's root message); `thread` names the
    conversation the source belongs to (a Slack thread's root id), so related sources rank together.
    """

    id: str
    account: str
    source_id: str
    text: str
    kind: str
    author: str
    side: str | None
    ts: datetime | str
    visibility: str
    permalink: str | None = None
    title: str | None = None
    context: str | None = None
    thread: str | None = None
    chunk_no: int = 0

    @property
    def ts_iso(self) -> str:
        """`ts` as an ISO 8601 string."""
        return self.ts.isoformat() if isinstance(self.ts, datetime) else self.ts

    @property
    def epoch(self) -> float:
        """`ts` as seconds since the epoch (0.0 when it cannot be read)."""
        ts = self.ts
        if isinstance(ts, str):
            try:
                ts = datetime.fromisoformat(ts.replace("Z", "+00:00"))
            except ValueError:
                return 0.0
        if ts.tzinfo is None:
            ts = ts.replace(tzinfo=UTC)
        return ts.timestamp()

    @property
    def indexed_text(self) -> str:
        """What the embedder and the keyword index see: title, context, then the text."""
        parts = [p for p in (self.title, self.context, self.text) if p]
        return "\n".join(parts)


@dataclass(frozen=True)
class Hit:
    """One source found for a question: its best chunks and the fused score.

    `similarities` are the chunks' cosines to the question, in the order of `chunks`.
    """

    chunk: Chunk
    score: float
    vector_score: float = 0.0
    keyword_score: float = 0.0
    chunks: tuple[Chunk, ...] = field(default_factory=tuple)
    similarities: tuple[float, ...] = field(default_factory=tuple)

    def similarity(self, chunk: Chunk) -> float:
        """Cosine between the question and one of this hit's chunks (`vector_score` when not known)."""
        for c, value in zip(self.chunks, self.similarities, strict=False):
            if c.id == chunk.id:
                return value
        return self.vector_score

    @property
    def source_id(self) -> str:
        """The source this hit is about."""
        return self.chunk.source_id

    @property
    def account(self) -> str:
        """The account the source belongs to."""
        return self.chunk.account


@dataclass(frozen=True)
class Citation:
    """A source an answer relies on, with the quoted span."""

    source_id: str
    permalink: str | None
    quote: str


@dataclass(frozen=True)
class Answer:
    """An answer with its citations; `found` is False (and no citations) when nothing fit."""

    text: str
    citations: list[Citation]
    found: bool

    def to_json(self) -> dict[str, object]:
        """The shape of `tandem ask --json` (DATA_FORMATS.md "Answers")."""
        return {
            "answer": self.text,
            "citations": [
                {"source_id": c.source_id, "permalink": c.permalink, "quote": c.quote} for c in self.citations
            ],
            "found": self.found,
        }
