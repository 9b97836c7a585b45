"""Hybrid search: vector and keyword rankings fused, always scoped to given accounts and visibilities.

The caller says which accounts and visibilities the asker may see; nothing here derives them from
the question. Results are per source: the chunks of one source fold into one hit.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from retrieval.embeddings import query_vector
from retrieval.index import VectorIndex
from retrieval.keyword import KeywordHit, KeywordIndex
from retrieval.types import VISIBILITIES, Chunk, Hit


@dataclass(frozen=True)
class SearchConfig:
    """Fusion settings (weighted reciprocal rank fusion), tuned on the evaluation sets.

    A weight of 0 leaves that side out entirely (keyword-only or vector-only search).

    Second hop: the top `second_hop_seeds` hits' own text is searched again (by keywords, and by
    the stored vector), `second_hop_limit` chunks each; those rankings, `second_hop_weight` in all,
    re-rank what follows the first `kept_first` hits, which stay as they are. It finds sources that
    share words with the answer but not with the question. A weight or seed count of 0 turns it off.
    """

    candidates: int = 60
    rrf_k: float = 30.0
    vector_weight: float = 1.0
    keyword_weight: float = 1.0
    recency_weight: float = 0.3
    status_recency_weight: float = 2.5
    second_hop_weight: float = 0.5
    second_hop_seeds: int = 2
    second_hop_limit: int = 30
    kept_first: int = 5
    seed_chars: int = 1000


_STATUS = re.compile(
    r"\b(still|open|outstanding|pending|status|left|remaining|latest|current(ly)?|now|so far|yet)\b", re.I
)


def asks_for_status(question: str) -> bool:
    """True for questions about the current state ("what is still open?"), where newer sources count more."""
    return bool(_STATUS.search(question))


class HybridSearch:
    """Keeps the vector and keyword indexes in step and searches both."""

    def __init__(self, vectors: VectorIndex, keywords: KeywordIndex, config: SearchConfig | None = None) -> None:
        self.vectors = vectors
        self.keywords = keywords
        self.config = config or SearchConfig()

    def index(self, chunks: Sequence[Chunk], sources: Iterable[tuple[str, str]] = ()) -> None:
        """Replace the chunks of every source in `chunks` (and clear the extra `sources` pairs)."""
        extra = list(sources)
        self.vectors.replace_sources(chunks, extra)
        self.keywords.replace_sources(chunks)
        for account, source_id in extra:
            if not any(c.account == account and c.source_id == source_id for c in chunks):
                self.keywords.delete_source(account, source_id)

    def delete_source(self, account: str, source_id: str) -> None:
        """Remove a source from both indexes."""
        self.vectors.delete_source(account, source_id)
        self.keywords.delete_source(account, source_id)

    def drop_account(self, account: str) -> None:
        """Remove an account from both indexes."""
        self.vectors.drop_account(account)
        self.keywords.drop_account(account)

    def needs_rebuild(self, account: str) -> bool:
        """True when the account was indexed with another embedding model."""
        return self.vectors.needs_rebuild(account)

    def search(
        self, question: str, *, accounts: Sequence[str], visibilities: Sequence[str], limit: int = 10
    ) -> list[Hit]:
        """The best sources for `question` among `accounts`, visible under `visibilities`, best first."""
        accounts = list(dict.fromkeys(accounts))
        visibilities = [v for v in dict.fromkeys(visibilities) if v in VISIBILITIES]
        if not question.strip() or not accounts or not visibilities:
            return []
        cfg = self.config
        hits, vector, cosine = self._first_hop(question, accounts, visibilities)
        if cfg.second_hop_weight > 0 and cfg.second_hop_seeds > 0 and limit > cfg.kept_first and hits:
            hits = self._second_hop(hits, accounts, visibilities)
        hits = hits[:limit]
        if vector is not None:
            hits = self._with_similarities(hits, vector, cosine)
        return hits

    def _first_hop(
        self, question: str, accounts: list[str], visibilities: list[str]
    ) -> tuple[list[Hit], np.ndarray | None, dict[str, float]]:
        """Every candidate source for the question, fused and ranked; also the question's vector
        (None for keyword-only search) and the chunk cosines the vector search found."""
        cfg = self.config
        vector_ranked: list[tuple[Chunk, float]] = []
        vector: np.ndarray | None = None
        if cfg.vector_weight > 0:
            vector = query_vector(self.vectors.embedder, question)
            vector_ranked = self._nearest(vector, accounts, visibilities, cfg.candidates)
        keyword_ranked = (
            self.keywords.search(question, accounts=accounts, visibilities=visibilities, limit=cfg.candidates)
            if cfg.keyword_weight > 0
            else []
        )
        chunks: dict[str, Chunk] = {c.id: c for c, _ in vector_ranked}
        chunks.update(self._chunks_of([k for k in keyword_ranked if k.chunk_id not in chunks]))

        fused: dict[str, float] = defaultdict(float)
        cosine: dict[str, float] = {}
        bm25: dict[str, float] = {}
        for rank, (chunk, similarity) in enumerate(vector_ranked):
            fused[chunk.id] += cfg.vector_weight / (cfg.rrf_k + rank + 1)
            cosine[chunk.id] = similarity
        for rank, k in enumerate(keyword_ranked):
            fused[k.chunk_id] += cfg.keyword_weight / (cfg.rrf_k + rank + 1)
            bm25[k.chunk_id] = k.score
        hits = self._per_source(fused, chunks, cosine, bm25, set(accounts), set(visibilities))
        recency = cfg.status_recency_weight if asks_for_status(question) else cfg.recency_weight
        if recency > 0:
            hits = self._add_recency(hits, recency, cfg.rrf_k)
        return hits, vector, cosine

    def _nearest(
        self, vector: np.ndarray, accounts: list[str], visibilities: list[str], limit: int
    ) -> list[tuple[Chunk, float]]:
        """Each account's `limit` nearest chunks to `vector`, with their cosines, best first."""
        ranked: list[tuple[Chunk, float]] = []
        for account in accounts:
            ranked += self.vectors.query(account, vector, visibilities=visibilities, limit=limit)
        return sorted(ranked, key=lambda pair: -pair[1])

    def _chunks_of(self, keyword_hits: Sequence[KeywordHit]) -> dict[str, Chunk]:
        """The chunks of keyword hits by id, read from the vector index (each once, one read per account)."""
        wanted: dict[str, dict[str, None]] = defaultdict(dict)
        for k in keyword_hits:
            wanted[k.account][k.chunk_id] = None
        return {c.id: c for account, ids in wanted.items() for c in self.vectors.get(account, list(ids))}

    def _second_hop(self, hits: list[Hit], accounts: list[str], visibilities: list[str]) -> list[Hit]:
        """The first `kept_first` hits as they are, then the rest re-ranked with the seeds' rankings
        fused in (sources found only by those rankings join with that score alone)."""
        cfg = self.config
        head, rest = hits[: cfg.kept_first], hits[cfg.kept_first :]
        rankings = self._seed_rankings(hits, accounts, visibilities)
        weight = cfg.second_hop_weight / cfg.second_hop_seeds
        bonus: dict[tuple[str, str], float] = defaultdict(float)
        found: dict[tuple[str, str], dict[str, Chunk]] = defaultdict(dict)
        for ranking in rankings:
            for rank, source in enumerate(dict.fromkeys((c.account, c.source_id) for c in ranking)):
                bonus[source] += weight / (cfg.rrf_k + rank + 1)
            for chunk in ranking:
                found[(chunk.account, chunk.source_id)].setdefault(chunk.id, chunk)
        known = {(h.account, h.source_id) for h in hits}
        rescored = [replace(h, score=h.score + bonus.get((h.account, h.source_id), 0.0)) for h in rest]
        rescored += [
            Hit(chunk=next(iter(chunks.values())), score=bonus[source], chunks=tuple(chunks.values()))
            for source, chunks in found.items()
            if source not in known
        ]
        return head + sorted(rescored, key=lambda h: (-h.score, h.chunk.source_id))

    def _seed_rankings(self, hits: list[Hit], accounts: list[str], visibilities: list[str]) -> list[list[Chunk]]:
        """For each seed (top hit), the chunks nearest its stored vector and those best matching its
        text by keywords, `second_hop_limit` each, best first; all within the given scope."""
        cfg = self.config
        seeds = hits[: cfg.second_hop_seeds]
        stored = self._stored_vectors([s.chunk for s in seeds])
        rankings: list[list[Chunk]] = []
        keyword_rankings: list[list[KeywordHit]] = []
        for seed in seeds:
            if seed.chunk.id in stored:
                nearest = self._nearest(stored[seed.chunk.id], accounts, visibilities, cfg.second_hop_limit)
                rankings.append([c for c, _ in nearest[: cfg.second_hop_limit]])
            text = seed.chunk.text[: cfg.seed_chars]
            keyword_rankings.append(
                self.keywords.search(text, accounts=accounts, visibilities=visibilities, limit=cfg.second_hop_limit)
            )
        chunks = {c.id: c for hit in hits for c in hit.chunks} | {c.id: c for r in rankings for c in r}
        chunks.update(self._chunks_of([k for r in keyword_rankings for k in r if k.chunk_id not in chunks]))
        rankings += [[chunks[k.chunk_id] for k in r if k.chunk_id in chunks] for r in keyword_rankings]
        return [[c for c in r if c.account in accounts and c.visibility in visibilities] for r in rankings]

    def _stored_vectors(self, chunks: Sequence[Chunk]) -> dict[str, np.ndarray]:
        """The stored vectors of chunks by id (one read per account; nothing is embedded)."""
        wanted: dict[str, dict[str, None]] = defaultdict(dict)
        for chunk in chunks:
            wanted[chunk.account][chunk.id] = None
        return {
            cid: v for account, ids in wanted.items() for cid, v in self.vectors.vectors_of(account, list(ids)).items()
        }

    def _with_similarities(self, hits: list[Hit], vector: np.ndarray, cosine: dict[str, float]) -> list[Hit]:
        """Give every chunk of the hits its cosine to the question; chunks found by keywords alone
        get it from their stored vectors (no embedding), so answers can weigh meaning for free."""
        unknown: dict[str, list[str]] = defaultdict(list)
        for hit in hits:
            for chunk in hit.chunks:
                if chunk.id not in cosine:
                    unknown[chunk.account].append(chunk.id)
        known = dict(cosine)
        for account, ids in unknown.items():
            known.update({cid: float(v @ vector) for cid, v in self.vectors.vectors_of(account, ids).items()})
        out = []
        for hit in hits:
            sims = tuple(known.get(c.id, 0.0) for c in hit.chunks)
            out.append(replace(hit, similarities=sims, vector_score=max(sims, default=hit.vector_score)))
        return out

    @staticmethod
    def _add_recency(hits: list[Hit], weight: float, rrf_k: float) -> list[Hit]:
        """Fuse a third ranking, newest source first, over the candidate sources."""
        newest = sorted(range(len(hits)), key=lambda i: hits[i].chunk.epoch, reverse=True)
        bonus: dict[int, float] = {}
        for rank, i in enumerate(newest):
            # sources of the same moment share a rank: their order says nothing about recency
            tied = rank > 0 and hits[i].chunk.epoch == hits[newest[rank - 1]].chunk.epoch
            bonus[i] = bonus[newest[rank - 1]] if tied else weight / (rrf_k + rank + 1)
        boosted = [replace(h, score=h.score + bonus[i]) for i, h in enumerate(hits)]
        return sorted(boosted, key=lambda h: (-h.score, h.chunk.source_id))

    @staticmethod
    def _per_source(
        fused: dict[str, float],
        chunks: dict[str, Chunk],
        cosine: dict[str, float],
        bm25: dict[str, float],
        accounts: set[str],
        visibilities: set[str],
    ) -> list[Hit]:
        groups: dict[tuple[str, str], list[str]] = defaultdict(list)
        for chunk_id in sorted(fused, key=lambda c: -fused[c]):
            chunk = chunks.get(chunk_id)
            if chunk is None or chunk.account not in accounts or chunk.visibility not in visibilities:
                continue
            groups[(chunk.account, chunk.source_id)].append(chunk_id)
        hits = [
            Hit(
                chunk=chunks[ids[0]],
                score=fused[ids[0]],
                vector_score=max((cosine.get(i, 0.0) for i in ids), default=0.0),
                keyword_score=max((bm25.get(i, 0.0) for i in ids), default=0.0),
                chunks=tuple(chunks[i] for i in ids),
            )
            for ids in groups.values()
        ]
        return sorted(hits, key=lambda h: (-h.score, h.chunk.source_id))
