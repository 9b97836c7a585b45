"""Index and search with the hashing embedder: idempotence, deletion, scoping, visibility, rebuilds."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine

from retrieval import HashingEmbedder, Retriever
from retrieval.index import collection_name
from tests.unit.retrieval.conftest import source

EVERYONE = ["external", "internal"]


def test_reindexing_the_same_source_changes_nothing(retriever: Retriever) -> None:
    src = source("acme", "s1", "The SSO app was approved by the change board on Thursday.")
    retriever.index_sources([src])
    vectors, keywords = retriever.search_index.vectors, retriever.search_index.keywords
    before = (vectors.count("acme"), keywords.count("acme"))
    retriever.index_sources([src])
    assert (vectors.count("acme"), keywords.count("acme")) == before == (1, 1)


def test_edit_replaces_chunks_and_delete_removes_them(retriever: Retriever) -> None:
    long_text = " ".join(f"Line {i} about the data migration plan." for i in range(60))
    retriever.index_sources([source("acme", "s1", long_text)])
    assert retriever.search_index.vectors.count("acme") > 1
    retriever.index_sources([source("acme", "s1", "Short edit about invoices.")])
    assert retriever.search_index.vectors.count("acme") == 1
    assert retriever.search_index.keywords.count("acme") == 1
    retriever.delete_source("acme", "s1")
    assert retriever.search("invoices", accounts=["acme"], visibilities=EVERYONE) == []


def test_search_is_scoped_to_the_account(retriever: Retriever) -> None:
    retriever.index_sources([
        source("acme", "a1", "Go-live moves to 26 May after the extract slipped."),
        source("globex", "g1", "Go-live moves to 12 May, extract delivered."),
    ])
    hits = retriever.search("When is go-live?", accounts=["acme"], visibilities=EVERYONE)
    assert [h.source_id for h in hits] == ["a1"]
    both = retriever.search("When is go-live?", accounts=["acme", "globex"], visibilities=EVERYONE)
    assert {h.source_id for h in both} == {"a1", "g1"}


def test_customers_never_see_internal_sources(retriever: Retriever) -> None:
    retriever.index_sources([
        source("acme", "pub", "The subscription renewal date is in June."),
        source("acme", "priv", "Internal: the discount floor on the subscription is 20%.", visibility="internal"),
    ])
    external = retriever.search("subscription discount", accounts=["acme"], visibilities=["external"])
    assert {h.source_id for h in external} == {"pub"}
    internal = retriever.search("subscription discount", accounts=["acme"], visibilities=EVERYONE)
    assert "priv" in {h.source_id for h in internal}


def test_chunks_of_one_source_fold_into_one_hit(retriever: Retriever) -> None:
    text = " ".join(f"Step {i}: configure the currency tables." for i in range(60))
    retriever.index_sources([source("acme", "s1", text)])
    hits = retriever.search("currency tables", accounts=["acme"], visibilities=EVERYONE)
    assert len(hits) == 1 and len(hits[0].chunks) > 1


def test_model_change_asks_for_a_rebuild(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'kw.db'}")
    old = Retriever.embedded(str(tmp_path / "c"), engine, embedder=HashingEmbedder(256))
    old.index_sources([source("acme", "s1", "hello world")])
    assert not old.needs_rebuild("acme")
    new = Retriever.embedded(str(tmp_path / "c"), engine, embedder=HashingEmbedder(128))
    assert new.needs_rebuild("acme")
    new.drop_account("acme")
    new.index_sources([source("acme", "s1", "hello world")])
    assert not new.needs_rebuild("acme")


def test_collection_names_are_safe_and_distinct() -> None:
    names = {collection_name(k) for k in ("acme", "Acme", "a/b c", "x" * 300, "ünï")}
    assert len(names) == 5
    assert all(n[0].isalnum() and n[-1].isalnum() and len(n) < 64 for n in names)


def test_vector_query_filters_visibility_past_an_internal_majority(retriever: Retriever) -> None:
    """The unfiltered over-fetch falls back to Chroma's filter when too few nearest chunks are visible."""
    sources = [source("acme", f"i{n}", f"Internal note {n} about the renewal price.", visibility="internal")
               for n in range(30)]
    sources.append(source("acme", "pub", "The renewal is due in June."))
    retriever.index_sources(sources)
    vectors = retriever.search_index.vectors
    query = vectors.embedder.embed(["renewal price"])[0]
    found = vectors.query("acme", query, visibilities=["external"], limit=5)
    assert [c.source_id for c, _ in found] == ["pub"]
    assert len(vectors.query("acme", query, visibilities=EVERYONE, limit=5)) == 5
    assert vectors.query("acme", query, visibilities=[], limit=5) == []


def test_every_hit_chunk_gets_its_similarity_to_the_question(retriever: Retriever) -> None:
    retriever.index_sources([
        source("acme", "s1", "The change board approved the SSO app on Thursday."),
        source("acme", "s2", "CHG-4411 is the ticket number."),
    ])
    hits = retriever.search("CHG-4411 change board", accounts=["acme"], visibilities=EVERYONE)
    assert {h.source_id for h in hits} == {"s1", "s2"}
    for hit in hits:
        assert len(hit.similarities) == len(hit.chunks)
        assert hit.similarity(hit.chunk) == hit.similarities[0]
        assert -1.0 <= hit.vector_score <= 1.0


def test_sources_of_the_same_moment_get_the_same_recency_bonus(retriever: Retriever) -> None:
    from retrieval.search import HybridSearch
    from retrieval.types import Chunk, Hit

    def hit(source_id: str, score: float, ts: str) -> Hit:
        chunk = Chunk(id=source_id, account="acme", source_id=source_id, text="x", kind="slack", author="A",
                      side=None, ts=ts, visibility="external")
        return Hit(chunk=chunk, score=score, chunks=(chunk,))

    same = [hit("a", 0.03, "2026-01-01T00:00:00Z"), hit("b", 0.02, "2026-01-01T00:00:00Z")]
    boosted = HybridSearch._add_recency(same, 2.5, 30.0)
    assert [h.source_id for h in boosted] == ["a", "b"]
    assert boosted[0].score - 0.03 == boosted[1].score - 0.02
    newer = HybridSearch._add_recency([same[0], hit("c", 0.029, "2026-02-01T00:00:00Z")], 2.5, 30.0)
    assert newer[0].source_id == "c"
