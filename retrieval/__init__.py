"""Tandem retrieval: per-account hybrid index (Chroma + SQL full text) and cited answers.

Imports nothing of Tandem's other packages; `Retriever` is the entry point.
"""

from retrieval.answer import AnswerConfig, OfflineAnswerer
from retrieval.chunking import SourceText, chunk_source
from retrieval.embeddings import HashingEmbedder, MiniLMEmbedder
from retrieval.search import HybridSearch, SearchConfig
from retrieval.service import Retriever
from retrieval.types import Answer, Chunk, Citation, Hit

__all__ = [
    "Answer",
    "AnswerConfig",
    "Chunk",
    "Citation",
    "HashingEmbedder",
    "Hit",
    "HybridSearch",
    "MiniLMEmbedder",
    "OfflineAnswerer",
    "Retriever",
    "SearchConfig",
    "SourceText",
    "chunk_source",
]
