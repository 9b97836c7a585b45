"""The SQL keyword index on SQLite, and on PostgreSQL when TANDEM_TEST_DATABASE_URL is set."""

from __future__ import annotations

from sqlalchemy import create_engine

from retrieval.chunking import chunk_source
from retrieval.keyword import KeywordIndex
from tests.unit.retrieval.conftest import source


def _index(database_url: str) -> KeywordIndex:
    return KeywordIndex(create_engine(database_url), table="retrieval_kw_test")


def test_bm25_ranks_scopes_and_filters(database_url: str) -> None:
    index = _index(database_url)
    chunks = [
        c
        for s in (
            source("acme", "a1", "The exchange rates come from NetSuite, synced daily."),
            source("acme", "a2", "Exchange of business cards at the kick-off."),
            source("acme", "a3", "Internal: exchange rates margin notes.", visibility="internal"),
            source("globex", "g1", "Exchange rates come from the ECB feed."),
        )
        for c in chunk_source(s)
    ]
    index.replace_sources(chunks)
    hits = index.search("Where do exchange rates come from?", accounts=["acme"], visibilities=["external"])
    assert [h.source_id for h in hits][:2] == ["a1", "a2"]
    assert all(h.account == "acme" for h in hits)
    everything = index.search("exchange rates", accounts=["acme"], visibilities=["external", "internal"])
    assert "a3" in {h.source_id for h in everything}
    assert index.search("", accounts=["acme"], visibilities=["external"]) == []
    index.delete_source("acme", "a1")
    assert "a1" not in {h.source_id for h in index.search("exchange rates", accounts=["acme"], visibilities=["external"])}
    weights = index.term_weights("exchange rates pineapple", accounts=["acme"], visibilities=["external"])
    assert weights["pineapple"] > weights["exchange"]
    index.drop_account("acme")
    assert index.count("acme") == 0 and index.count("globex") == 1
    index.drop()


def test_irregular_verbs_find_their_other_forms(database_url: str) -> None:
    from retrieval.text import word_forms

    assert set(word_forms("gave")) == {"gave", "give", "given"} and word_forms("approved") == ("approved",)
    index = _index(database_url)
    index.replace_sources(chunk_source(source("acme", "a1", "Harriet will send the residency statement.")))
    hits = index.search("Who sent the residency statement?", accounts=["acme"], visibilities=["external"])
    assert [h.source_id for h in hits] == ["a1"]
    index.drop()
