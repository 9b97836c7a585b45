"""Our embedders as registered Chroma embedding functions, so Chroma can rebuild them from a config.

Importing this module registers them; `retrieval.index` imports it, so every process that opens
an index has them registered.
"""

from __future__ import annotations

from typing import Any

from chromadb.api.types import Documents, EmbeddingFunction, Embeddings, Space
from chromadb.utils.embedding_functions import register_embedding_function

from retrieval.embeddings import Embedder, HashingEmbedder, MiniLMEmbedder


class _EmbedderFunction(EmbeddingFunction[Documents]):
    """Shared behaviour: delegate to an `Embedder`, cosine space."""

    embedder: Embedder

    def __call__(self, input: Documents) -> Embeddings:
        return list(self.embedder.embed(list(input)))

    def default_space(self) -> Space:
        return "cosine"

    def supported_spaces(self) -> list[Space]:
        return ["cosine", "ip", "l2"]


@register_embedding_function
class MiniLMEmbeddingFunction(_EmbedderFunction):
    """all-MiniLM-L6-v2 int8 ONNX (see `retrieval.embeddings.MiniLMEmbedder`)."""

    def __init__(self, embedder: MiniLMEmbedder | None = None, batch_size: int = 32) -> None:
        self.embedder = embedder or MiniLMEmbedder(batch_size=batch_size)

    @staticmethod
    def name() -> str:
        return "tandem_minilm_int8"

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> MiniLMEmbeddingFunction:
        return MiniLMEmbeddingFunction(batch_size=int(config.get("batch_size", 32)))

    def get_config(self) -> dict[str, Any]:
        return {"batch_size": self.embedder.batch_size, "model_id": self.embedder.model_id}  # type: ignore[attr-defined]


@register_embedding_function
class HashingEmbeddingFunction(_EmbedderFunction):
    """The hashing test embedder (see `retrieval.embeddings.HashingEmbedder`)."""

    def __init__(self, embedder: HashingEmbedder | None = None, dimension: int = 256) -> None:
        self.embedder = embedder or HashingEmbedder(dimension)

    @staticmethod
    def name() -> str:
        return "tandem_hashing"

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> HashingEmbeddingFunction:
        return HashingEmbeddingFunction(dimension=int(config.get("dimension", 256)))

    def get_config(self) -> dict[str, Any]:
        return {"dimension": self.embedder.dimension, "model_id": self.embedder.model_id}


def embedding_function_for(embedder: Embedder) -> EmbeddingFunction[Documents]:
    """The registered Chroma embedding function wrapping `embedder`."""
    if isinstance(embedder, MiniLMEmbedder):
        return MiniLMEmbeddingFunction(embedder)
    if isinstance(embedder, HashingEmbedder):
        return HashingEmbeddingFunction(embedder)
    raise TypeError(f"no Chroma embedding function for {type(embedder).__name__}")
