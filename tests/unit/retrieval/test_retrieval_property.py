"""Property: a question asked in one account never yields a hit or citation from another."""

from __future__ import annotations

import tempfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine

from retrieval import HashingEmbedder, Retriever
from tests.unit.retrieval.conftest import source

WORDS = ["sso", "go-live", "migration", "extract", "invoice", "discount", "approved", "blocked", "CAB", "Friday",
         "currency", "GBP", "contacts", "ticket", "CHG-20931", "works", "council", "the", "is", "what", "why"]
ACCOUNTS = ["acme", "globex", "initech"]

_tmp = tempfile.TemporaryDirectory()
_retriever = Retriever.embedded(_tmp.name, create_engine(f"sqlite:///{_tmp.name}/kw.db"), embedder=HashingEmbedder())
_retriever.index_sources([
    source(account, f"{account}-{i}", " ".join(WORDS[(i * 7 + j + k) % len(WORDS)] for j in range(12)),
           visibility="internal" if i % 3 == 0 else "external")
    for k, account in enumerate(ACCOUNTS)
    for i in range(12)
])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    words=st.lists(st.sampled_from(WORDS) | st.text(min_size=1, max_size=8), min_size=1, max_size=8),
    account=st.sampled_from(ACCOUNTS),
    customer=st.booleans(),
)
def test_no_hit_or_citation_from_another_account(words: list[str], account: str, customer: bool) -> None:
    question = " ".join(words)
    visibilities = ["external"] if customer else ["external", "internal"]
    hits = _retriever.search(question, accounts=[account], visibilities=visibilities)
    assert all(h.account == account and h.source_id.startswith(account) for h in hits)
    assert all(h.chunk.visibility in visibilities for h in hits)
    answer = _retriever.ask(question, accounts=[account], visibilities=visibilities, account_label=account)
    assert all(c.source_id.startswith(f"{account}-") for c in answer.citations)
