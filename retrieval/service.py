"""`Retriever`: the one object the app wires in — index sources, forget them, search and answer.

Build it with `Retriever.embedded(path, engine)` (one process owns the Chroma folder) or
`Retriever.server(url, engine)` (any process, a Chroma server). The `engine` is the app's
SQLAlchemy engine; the keyword index keeps its own table in it. Every call blocks (embedding, Chroma,
SQL): the app runs them in worker threads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from sqlalchemy import Engine

from retrieval.answer import OfflineAnswerer
from retrieval.chunking import SourceText, chunk_source
from retrieval.embeddings import Embedder, MiniLMEmbedder
from retrieval.index import VectorIndex, embedded_client, server_client
from retrieval.keyword import KeywordIndex
from retrieval.llm_answer import LLMAnswerer
from retrieval.search import HybridSearch, SearchConfig
from retrieval.types import Answer, Hit


class Answerer(Protocol):
    """The offline answerer or the LLM one."""

    def answer(self, question: str, hits: Sequence[Hit], *, account_label: str,
               term_weights: Mapping[str, float] | None = None, avoid: Sequence[str] = ()) -> Answer:
        """A cited answer or a plain "nothing found"."""
        ...


class Retriever:
    """Per-account hybrid index with cited offline answers (and an optional LLM answerer)."""

    def __init__(self, search: HybridSearch, answerer: OfflineAnswerer | LLMAnswerer | None = None) -> None:
        self.search_index = search
        self.answerer = answerer or OfflineAnswerer(search.vectors.embedder)

    @classmethod
    def embedded(
        cls, path: str, engine: Engine, *, embedder: Embedder | None = None, config: SearchConfig | None = None,
        reader: Engine | None = None,
    ) -> Retriever:
        """A retriever over an embedded Chroma in `path` and the keyword table in `engine` (searched through
        `reader` when given)."""
        embedder = embedder or MiniLMEmbedder()
        keywords = KeywordIndex(engine, reader=reader)
        return cls(HybridSearch(VectorIndex(embedded_client(path), embedder), keywords, config))

    @classmethod
    def server(
        cls, url: str, engine: Engine, *, embedder: Embedder | None = None, config: SearchConfig | None = None,
        reader: Engine | None = None,
    ) -> Retriever:
        """A retriever over the Chroma server at `url` and the keyword table in `engine` (searched through
        `reader` when given)."""
        embedder = embedder or MiniLMEmbedder()
        keywords = KeywordIndex(engine, reader=reader)
        return cls(HybridSearch(VectorIndex(server_client(url), embedder), keywords, config))

    def close(self) -> None:
        """Release the vector index's client."""
        self.search_index.vectors.close()

    def index_sources(self, sources: Sequence[SourceText]) -> int:
        """Chunk and (re-)index sources; unchanged chunks are not re-embedded. Returns the chunk count."""
        chunks = [c for s in sources for c in chunk_source(s)]
        self.search_index.index(chunks, [(s.account, s.source_id) for s in sources])
        return len(chunks)

    def delete_source(self, account: str, source_id: str) -> None:
        """Forget a deleted source."""
        self.search_index.delete_source(account, source_id)

    def drop_account(self, account: str) -> None:
        """Forget an account (before a rebuild, or when it is deleted)."""
        self.search_index.drop_account(account)

    def needs_rebuild(self, account: str) -> bool:
        """True when the account was indexed with another embedding model: drop it and index again."""
        return self.search_index.needs_rebuild(account)

    @property
    def answer_hits(self) -> int:
        """How many hits an answer reads: searching for answers asks for no more (a longer list costs more)."""
        offline = self.answerer.offline if isinstance(self.answerer, LLMAnswerer) else self.answerer
        return offline.config.hits_needed

    def search(
        self, question: str, *, accounts: Sequence[str], visibilities: Sequence[str], limit: int = 10
    ) -> list[Hit]:
        """Sources of `accounts` visible under `visibilities` that best match the question."""
        return self.search_index.search(question, accounts=accounts, visibilities=visibilities, limit=limit)

    def ask(
        self,
        question: str,
        *,
        accounts: Sequence[str],
        visibilities: Sequence[str],
        account_label: str,
        avoid: Sequence[str] = (),
        answerer: Answerer | None = None,
    ) -> Answer:
        """A cited answer from the given accounts' sources the asker may see, or a plain "nothing found".

        `avoid`: names never to quote a sentence about (e.g. the workspace's other account names);
        `answerer`: another answerer than this retriever's own (an account's LLM one).
        """
        hits = self.search(question, accounts=accounts, visibilities=visibilities, limit=self.answer_hits)
        weights = self.search_index.keywords.term_weights(question, accounts=accounts, visibilities=visibilities)
        return (answerer or self.answerer).answer(question, hits, account_label=account_label, term_weights=weights,
                                                  avoid=avoid)
