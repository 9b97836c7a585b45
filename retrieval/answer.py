"""Offline answers: quote the best-supported sentences of the hits, with citations, or say nothing was found.

No guessing: an answer is given only when its relevance — how close the best sentence is to the
question, plus how much of the question's rare vocabulary the top sources cover — reaches a
threshold calibrated on the evaluation sets. Text after something that looks like instructions to
an AI (a prompt injection) is never quoted, nor anything from a chunk naming an account the caller
says to avoid (another account's name, to keep look-alike accounts apart).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from retrieval.embeddings import Embedder, query_vector
from retrieval.text import content_words, split_sentences
from retrieval.types import Answer, Citation, Hit

_TIMESTAMP = re.compile(r"^\s*\[[0-9:.,\s\->]+\]\s*")
_INJECTION = re.compile(
    r"(ignore (all |any )?(the )?(previous|prior|above|earlier) (instructions|prompts?)|system prompt"
    r"|(note|message|instructions?) (to|for) (any |the )?(ai|assistant|bot|llm)|you are now in|disregard (all|any|previous))",
    re.I,
)
_MIN_WORDS = 6


@dataclass(frozen=True)
class AnswerConfig:
    """How many hits and sentences to weigh, and the calibrated relevance threshold.

    A sentence that is itself a question is quoted only when no statement is at hand (someone asking
    is rarely the answer): when the best sentence is one, `statements_embedded` more of the best
    statements are embedded, so that a statement whose cosine to the question is at least
    `statement_similarity` (below it, a sentence is about something else) can take its place.
    """

    hits_considered: int = 4
    coverage_hits: int = 3
    max_sentences: int = 32
    embedded_sentences: int = 3
    max_quotes: int = 2
    quote_ratio: float = 0.9
    statements_embedded: int = 2
    statement_similarity: float = 0.3
    lexical_weight: float = 0.3
    rank_weight: float = 0.05
    coverage_weight: float = 0.6
    min_relevance: float = 0.76

    @property
    def hits_needed(self) -> int:
        """How many of a search's hits an answer reads."""
        return max(self.hits_considered, self.coverage_hits)


@dataclass(frozen=True)
class Candidate:
    """A sentence (or two short ones) of a hit; `similarity` is its cosine to the question (its
    chunk's cosine until the sentence itself is embedded).

    `chunk_text` is the indexed text of the chunk it comes from.
    """

    hit: Hit
    rank: int
    text: str
    similarity: float = 0.0
    score: float = 0.0
    chunk_text: str = ""


def not_found(account_label: str) -> Answer:
    """The plain "nothing found" answer."""
    return Answer(text=f"I found nothing about that in {account_label}'s history.", citations=[], found=False)


def _stem(word: str) -> str:
    return re.sub(r"[^a-z0-9]", "", word)[:5]


def weighted_overlap(term_weights: Mapping[str, float], sentence: str) -> float:
    """Share of the question's term weight (rarer terms weigh more) that the sentence contains."""
    total = sum(term_weights.values())
    if not total:
        return 0.0
    present = {_stem(w) for w in content_words(sentence)}
    return sum(w for t, w in term_weights.items() if _stem(t) in present) / total


def coverage(term_weights: Mapping[str, float], hits: Sequence[Hit]) -> float:
    """Weighted share of the question's terms found in the hits' indexed text."""
    total = sum(term_weights.values())
    if not total:
        return 0.0
    present = {_stem(w) for h in hits for c in (h.chunks or (h.chunk,)) for w in content_words(c.indexed_text)}
    return sum(w for t, w in term_weights.items() if _stem(t) in present) / total


def mentions_any(text: str, names: Sequence[str]) -> bool:
    """True when `text` names any of `names` as a whole word (case-insensitive)."""
    return any(re.search(rf"\b{re.escape(n)}\b", text, re.I) for n in names if n.strip())


def quotable(text: str) -> str:
    """The text up to anything addressed to an AI assistant (a prompt injection is never quoted)."""
    match = _INJECTION.search(text)
    if match is None:
        return text
    cut = text.rfind("\n", 0, match.start())
    cut = max(cut, text.rfind("[", 0, match.start()))
    return text[: max(cut, 0)].rstrip()


def _is_question(sentence: str) -> bool:
    """Whether the sentence asks something (ends with a question mark)."""
    return sentence.rstrip().endswith("?")


def _units(text: str) -> list[str]:
    """Sentences of a chunk, a short sentence joined with the next so a quote stands on its own."""
    units: list[str] = []
    pending = ""
    for sentence in split_sentences(quotable(text)):
        pending = f"{pending} {_TIMESTAMP.sub('', sentence)}".strip()
        if len(pending.split()) >= _MIN_WORDS:
            units.append(pending)
            pending = ""
    if pending:
        units.append(pending)
    return units


class OfflineAnswerer:
    """Composes a short quoted answer from hits, with no network and no model but the embedder."""

    def __init__(self, embedder: Embedder, config: AnswerConfig | None = None) -> None:
        self.embedder = embedder
        self.config = config or AnswerConfig()

    def candidates(
        self,
        question: str,
        hits: Sequence[Hit],
        term_weights: Mapping[str, float] | None = None,
        avoid: Sequence[str] = (),
    ) -> list[Candidate]:
        """Scored candidate sentences from the top hits, best first.

        A sentence first takes its chunk's cosine to the question (computed by the search, from
        stored vectors) plus how much of the question's rare vocabulary it holds; only the best
        `embedded_sentences` of those are then embedded and scored by their own meaning, so an
        answer embeds a couple of short texts, not every sentence of four sources. Chunks naming
        any of `avoid` are never quoted, so they are left out before that.
        """
        return self._ranked(question, self._prescored(question, hits, term_weights, avoid), term_weights)

    def _ranked(
        self, question: str, scored: list[Candidate], term_weights: Mapping[str, float] | None
    ) -> list[Candidate]:
        """The prescored candidates with the best `embedded_sentences` embedded and rescored."""
        count = self.config.embedded_sentences
        return scored if count <= 0 else self._embedded(question, scored[:count], term_weights)

    def _prescored(
        self, question: str, hits: Sequence[Hit], term_weights: Mapping[str, float] | None, avoid: Sequence[str]
    ) -> list[Candidate]:
        """Candidate sentences scored by their chunk's cosine, their share of the question's words and
        their hit's rank, best first (nothing embedded)."""
        cfg = self.config
        raw: list[Candidate] = []
        seen: set[str] = set()
        for rank, hit in enumerate(hits[: cfg.hits_considered]):
            for chunk in hit.chunks or (hit.chunk,):
                if mentions_any(chunk.indexed_text, avoid):
                    continue
                for unit in _units(chunk.text):
                    if unit not in seen and len(raw) < cfg.max_sentences:
                        seen.add(unit)
                        raw.append(Candidate(hit, rank, unit, hit.similarity(chunk), chunk_text=chunk.indexed_text))
        weights = term_weights or {w: 1.0 for w in content_words(question)}
        return sorted((replace(c, score=self._score(c, c.similarity, weights)) for c in raw), key=lambda c: -c.score)

    def _score(self, candidate: Candidate, similarity: float, weights: Mapping[str, float]) -> float:
        """A candidate's score: its cosine, plus its share of the question's words, plus a small rank prior."""
        cfg = self.config
        return (
            similarity
            + cfg.lexical_weight * weighted_overlap(weights, candidate.text)
            + cfg.rank_weight / (1 + candidate.rank)
        )

    def _embedded(
        self, question: str, candidates: Sequence[Candidate], term_weights: Mapping[str, float] | None
    ) -> list[Candidate]:
        """The candidates embedded and rescored with their own cosine to the question, best first."""
        if not candidates:
            return []
        weights = term_weights or {w: 1.0 for w in content_words(question)}
        similarity = self.embedder.embed([c.text for c in candidates]) @ query_vector(self.embedder, question)
        rescored = [
            replace(c, similarity=float(sim), score=self._score(c, float(sim), weights))
            for c, sim in zip(candidates, np.asarray(similarity), strict=True)
        ]
        return sorted(rescored, key=lambda c: -c.score)

    def _quotable_order(
        self,
        question: str,
        ranked: list[Candidate],
        prescored: list[Candidate],
        term_weights: Mapping[str, float] | None,
    ) -> list[Candidate]:
        """What may be quoted, best first. Beside a statement a question is never quoted. When the best
        candidate is a question, the best statements not yet embedded are embedded too, and the
        statements close enough to the question take its place; with none, the ranking stays."""
        cfg = self.config
        if not ranked or not _is_question(ranked[0].text):
            return [c for c in ranked if not _is_question(c.text)]
        known = {c.text for c in ranked}
        more = [c for c in prescored if c.text not in known and not _is_question(c.text)][: cfg.statements_embedded]
        widened = ranked + self._embedded(question, more, term_weights)
        statements = [c for c in widened if not _is_question(c.text) and c.similarity >= cfg.statement_similarity]
        return sorted(statements, key=lambda c: -c.score) or ranked

    def relevance(
        self, question: str, hits: Sequence[Hit], ranked: Sequence[Candidate], term_weights: Mapping[str, float]
    ) -> float:
        """Similarity of the best sentence plus weighted coverage of the question's terms by the top hits."""
        if not ranked:
            return 0.0
        weights = term_weights or {w: 1.0 for w in content_words(question)}
        return ranked[0].similarity + self.config.coverage_weight * coverage(weights, hits[: self.config.coverage_hits])

    def answer(
        self,
        question: str,
        hits: Sequence[Hit],
        *,
        account_label: str,
        term_weights: Mapping[str, float] | None = None,
        avoid: Sequence[str] = (),
    ) -> Answer:
        """Quote up to `max_quotes` well-supported sentences, or say nothing relevant was found.

        Quotes after the best one come only from sources no older than its own, so an older,
        superseded statement is not set beside the current one.

        `term_weights` are the question terms' rarity among what the asker may see
        (`KeywordIndex.term_weights`); `avoid` are names whose chunks are never quoted.
        """
        cfg = self.config
        prescored = self._prescored(question, hits, term_weights, avoid)
        ranked = self._ranked(question, prescored, term_weights)
        if self.relevance(question, hits, ranked, term_weights or {}) < cfg.min_relevance:
            return not_found(account_label)
        ranked = self._quotable_order(question, ranked, prescored, term_weights)
        best = ranked[0]
        chosen = [best] + [
            c
            for c in ranked[1:]
            if c.score >= cfg.quote_ratio * best.score and c.hit.chunk.epoch >= best.hit.chunk.epoch
        ][: cfg.max_quotes - 1]
        citations: list[Citation] = []
        lines = [f"From {account_label}'s history:"]
        for candidate in chosen:
            chunk = candidate.hit.chunk
            index = next((i for i, c in enumerate(citations) if c.source_id == chunk.source_id), None)
            if index is None:
                citations.append(Citation(chunk.source_id, chunk.permalink, candidate.text))
                index = len(citations) - 1
            lines.append(f"• “{candidate.text}” — {chunk.author}, {chunk.ts_iso[:10]} [{index + 1}]")
        return Answer(text="\n".join(lines), citations=citations, found=True)
