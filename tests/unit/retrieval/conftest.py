"""Fixtures for retrieval unit tests: a hashing-embedder retriever on a temp Chroma (embedded, and the
test Chroma server) and SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine

from retrieval import HashingEmbedder, Retriever, SourceText


def source(account: str, source_id: str, text: str, *, visibility: str = "external", kind: str = "slack",
           ts: str = "2026-03-02T10:00:00Z", subject: str | None = None) -> SourceText:
    """A source with test defaults."""
    return SourceText(account=account, source_id=source_id, kind=kind, text=text, author="Test Author",
                      ts=ts, visibility=visibility, side="customer", subject=subject,
                      permalink=f"https://example.slack.com/archives/C1/p{abs(hash(source_id)) % 10**9}")


@pytest.fixture(params=["embedded", "chroma-server"])
def retriever(tmp_path: Path, request: pytest.FixtureRequest) -> Retriever:
    """A fresh retriever with the hashing embedder, on embedded Chroma and on the test Chroma server."""
    engine = create_engine(f"sqlite:///{tmp_path / 'kw.db'}")
    if request.param == "chroma-server":
        return Retriever.server(request.getfixturevalue("chroma_url"), engine, embedder=HashingEmbedder())
    return Retriever.embedded(str(tmp_path / "chroma"), engine, embedder=HashingEmbedder())
