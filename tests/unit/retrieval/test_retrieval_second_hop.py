"""Second hop: the top hits' own text, searched again, fills ranks 6 and below; the top 5 never move and
the scope is always the caller's."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from retrieval import Retriever
from retrieval.search import HybridSearch, SearchConfig
from retrieval.types import Hit
from tests.unit.retrieval.conftest import source

EVERYONE = ["external", "internal"]
QUESTION = "When is the go-live date?"
# Shares words with the go-live slip (a top hit), none with the question but "date", like ten others.
LINKED = ("Northwind currency extract failed validation again; vendor reruns it after their fix date, "
          "pending sign-off from finance and integration.")
TOPICS = ["training", "invoice", "workshop", "audit", "renewal", "payroll", "budget", "offsite", "survey", "webinar"]
THINGS = ["printer", "coffee", "parking", "badge", "laptop", "monitor", "chair", "desk", "plant", "fridge",
          "kettle", "window", "door", "lamp", "carpet", "phone", "headset", "cable", "mouse", "keyboard",
          "locker", "shelf", "mug", "blinds", "heater", "fan", "sofa", "rug", "clock", "radio"]


def _index(retriever: Retriever) -> None:
    """Five go-live sources (the top 5), ten other dates, thirty office chores, the linked source;
    copies of it in another account and in an internal source."""
    texts = {
        "top": "Go-live: the go-live slips to 26 May, the Northwind currency extract failed validation.",
        "s2": "Go-live rehearsal went well.",
        "s3": "Go-live readiness review on Friday.",
        "s4": "Go-live comms drafted.",
        "s5": "Go-live support rota shared.",
        "linked": LINKED,
        **{f"w{i}": f"{topic.title()} date set for Monday." for i, topic in enumerate(TOPICS)},
        **{f"n{i}": f"The office {thing} needs replacing soon." for i, thing in enumerate(THINGS)},
    }
    retriever.index_sources([source("acme", key, text) for key, text in texts.items()])
    retriever.index_sources([
        source("acme", "linked-internal", LINKED.replace("again", "once more"), visibility="internal"),
        source("globex", "linked-globex", LINKED),
    ])


def _search(search: HybridSearch, hop: bool, *, accounts: list[str], visibilities: list[str],
            limit: int = 10) -> list[Hit]:
    """The question's hits with the second hop on (the default weight) or off."""
    search.config = replace(search.config, second_hop_weight=SearchConfig().second_hop_weight if hop else 0.0)
    return search.search(QUESTION, accounts=accounts, visibilities=visibilities, limit=limit)


def test_the_top_five_are_the_same_with_and_without_the_second_hop(retriever: Retriever) -> None:
    _index(retriever)
    search = retriever.search_index
    for visibilities in (["external"], EVERYONE):
        on = _search(search, True, accounts=["acme"], visibilities=visibilities)
        off = _search(search, False, accounts=["acme"], visibilities=visibilities)
        assert on[:5] == off[:5]
        assert [h.source_id for h in on] != [h.source_id for h in off]


def test_a_source_sharing_words_only_with_a_top_hit_fills_ranks_6_to_10(retriever: Retriever) -> None:
    _index(retriever)
    search = retriever.search_index
    on = [h.source_id for h in _search(search, True, accounts=["acme"], visibilities=["external"])]
    off = [h.source_id for h in _search(search, False, accounts=["acme"], visibilities=["external"])]
    assert "top" in on[:2]
    assert "linked" in on[5:10]
    assert "linked" not in off
    assert "linked" in [h.source_id for h in _search(search, False, accounts=["acme"], visibilities=["external"],
                                                     limit=30)]


def test_the_second_hop_stays_in_the_callers_scope(retriever: Retriever) -> None:
    _index(retriever)
    search = retriever.search_index
    customer = _search(search, True, accounts=["acme"], visibilities=["external"], limit=60)
    assert {h.source_id for h in customer} >= {"linked", "top"}
    assert all(c.account == "acme" and c.visibility == "external" for h in customer for c in h.chunks)
    # with a wider scope the second hop does score the copies: the narrow scope is what kept them out
    for copy, scope in (("linked-internal", {"accounts": ["acme"], "visibilities": EVERYONE}),
                        ("linked-globex", {"accounts": ["acme", "globex"], "visibilities": ["external"]})):
        on = {h.source_id: h.score for h in _search(search, True, limit=60, **scope)}
        off = {h.source_id: h.score for h in _search(search, False, limit=60, **scope)}
        assert on[copy] > off[copy]


def test_the_second_hop_reuses_stored_vectors_and_is_skipped_for_five_hits(retriever: Retriever) -> None:
    _index(retriever)
    search = retriever.search_index
    embedded: list[str] = []
    embedder = search.vectors.embedder
    original = embedder.embed

    def counting(texts: list[str]) -> np.ndarray:
        embedded.extend(texts)
        return original(texts)

    searched: list[str] = []
    keyword_search = search.keywords.search

    def counting_search(query: str, **kwargs: object) -> object:
        searched.append(query)
        return keyword_search(query, **kwargs)  # type: ignore[arg-type]

    embedder.embed = counting  # type: ignore[method-assign]
    search.keywords.search = counting_search  # type: ignore[method-assign]
    _search(search, True, accounts=["acme"], visibilities=["external"])
    assert set(embedded) <= {QUESTION}  # the question at most (it may be cached); no seed text
    assert len(searched) == 3  # the question, then each seed's text
    searched.clear()
    search.search("When is go-live?", accounts=["acme"], visibilities=["external"], limit=5)
    assert searched == ["When is go-live?"]



def test_a_chunk_both_seeds_find_beyond_the_candidates_is_read_once(retriever: Retriever) -> None:
    _index(retriever)
    retriever.index_sources([source("acme", "both", "Comms drafted about the Northwind currency extract validation.")])
    search = retriever.search_index
    search.config = replace(SearchConfig(), candidates=2, second_hop_limit=2)
    hits = [h.source_id for h in search.search(QUESTION, accounts=["acme"], visibilities=["external"], limit=10)]
    assert "both" in hits
    assert len(set(hits)) == len(hits)
