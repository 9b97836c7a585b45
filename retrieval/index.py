"""The vector side of the index: one Chroma collection per account, embedded or on a Chroma server.

Every collection records the embedding model it was built with; `needs_rebuild` says when that
differs from the current model. Chroma's own default embedding function (which downloads a
model) is never used: collections always get ours, and vectors are computed here.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlparse

import chromadb
import httpx
import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.config import Settings
from chromadb.errors import NotFoundError

from retrieval.chroma_functions import embedding_function_for
from retrieval.embeddings import Embedder
from retrieval.types import VISIBILITIES, Chunk

MODEL_KEY = "embedding_model"
OVERFETCH = 3
_UNSAFE = re.compile(r"[^a-z0-9]+")


def unavailable(error: BaseException) -> bool:
    """Whether an error from Chroma means the index cannot be reached (a server down, refused, timed out)."""
    if isinstance(error, (httpx.TransportError, ConnectionError, TimeoutError)):
        return True
    return isinstance(error, ValueError) and "could not connect to a chroma server" in str(error).lower()


def collection_name(account: str) -> str:
    """A safe, unique Chroma collection name for an account key."""
    readable = _UNSAFE.sub("_", account.lower()).strip("_")[:40] or "x"
    return f"acct_{readable}_{hashlib.sha256(account.encode()).hexdigest()[:10]}"


def embedded_client(path: str) -> ClientAPI:
    """An embedded Chroma persisted at `path` (one process at a time), telemetry off."""
    return chromadb.PersistentClient(path=path, settings=Settings(anonymized_telemetry=False))


def server_client(url: str) -> ClientAPI:
    """A client of the Chroma server at `url` (e.g. http://chroma:8000), telemetry off."""
    parsed = urlparse(url)
    return chromadb.HttpClient(
        host=parsed.hostname or "localhost",
        port=parsed.port or (443 if parsed.scheme == "https" else 8000),
        ssl=parsed.scheme == "https",
        settings=Settings(anonymized_telemetry=False),
    )


def _metadata(chunk: Chunk) -> dict[str, Any]:
    values: dict[str, Any] = {
        "account": chunk.account,
        "source_id": chunk.source_id,
        "kind": chunk.kind,
        "author": chunk.author,
        "side": chunk.side,
        "ts": chunk.ts_iso,
        "ts_epoch": chunk.epoch,
        "visibility": chunk.visibility,
        "permalink": chunk.permalink,
        "title": chunk.title,
        "context": chunk.context,
        "thread": chunk.thread,
        "chunk_no": chunk.chunk_no,
    }
    return {k: v for k, v in values.items() if v is not None}


def _chunk(chunk_id: str, document: str | None, meta: dict[str, Any]) -> Chunk:
    return Chunk(
        id=chunk_id,
        account=str(meta["account"]),
        source_id=str(meta["source_id"]),
        text=document or "",
        kind=str(meta.get("kind", "")),
        author=str(meta.get("author", "")),
        side=meta.get("side"),
        ts=str(meta.get("ts", "")),
        visibility=str(meta["visibility"]),
        permalink=meta.get("permalink"),
        title=meta.get("title"),
        context=meta.get("context"),
        thread=meta.get("thread"),
        chunk_no=int(meta.get("chunk_no", 0)),
    )


class VectorIndex:
    """Per-account Chroma collections of chunks, with our embedder."""

    def __init__(self, client: ClientAPI, embedder: Embedder) -> None:
        self.client = client
        self.embedder = embedder
        self._function = embedding_function_for(embedder)
        self._collections: dict[str, Collection] = {}

    def close(self) -> None:
        """Release the Chroma client (an embedded one stops its threads and closes its files)."""
        self._collections.clear()
        self.client.close()

    def _collection(self, account: str, *, create: bool) -> Collection | None:
        if account in self._collections:
            return self._collections[account]
        name = collection_name(account)
        try:
            collection = self.client.get_collection(name, embedding_function=self._function)  # type: ignore[arg-type]
        except NotFoundError:
            if not create:
                return None
            collection = self.client.get_or_create_collection(
                name,
                embedding_function=self._function,  # type: ignore[arg-type]
                configuration={"hnsw": {"space": "cosine"}},
                metadata={MODEL_KEY: self.embedder.model_id, "account": account},
            )
        self._collections[account] = collection
        return collection

    def needs_rebuild(self, account: str) -> bool:
        """True when the account's collection was built with another embedding model."""
        name = collection_name(account)
        try:
            collection = self.client.get_collection(name)
        except NotFoundError:
            return False
        except ValueError:
            return True
        return (collection.metadata or {}).get(MODEL_KEY) != self.embedder.model_id

    def upsert(self, chunks: Sequence[Chunk], embeddings: np.ndarray | None = None) -> None:
        """Add or overwrite chunks (embedding them unless vectors are given), per account, in batches."""
        if not chunks:
            return
        vectors = embeddings if embeddings is not None else self.embedder.embed([c.indexed_text for c in chunks])
        by_account: dict[str, list[int]] = defaultdict(list)
        for i, chunk in enumerate(chunks):
            by_account[chunk.account].append(i)
        for account, rows in by_account.items():
            collection = self._collection(account, create=True)
            assert collection is not None
            step = max(1, min(self.client.get_max_batch_size(), 5000))
            for start in range(0, len(rows), step):
                part = rows[start : start + step]
                collection.upsert(
                    ids=[chunks[i].id for i in part],
                    embeddings=vectors[part],
                    documents=[chunks[i].text for i in part],
                    metadatas=[_metadata(chunks[i]) for i in part],  # type: ignore[misc]
                )

    def replace_sources(self, chunks: Sequence[Chunk], sources: Iterable[tuple[str, str]] = ()) -> None:
        """Make each source's chunks exactly the given ones: stale chunks go, unchanged ones are not re-embedded.

        `sources` lists extra (account, source id) pairs to clear even if no chunk names them.
        """
        wanted: dict[tuple[str, str], list[Chunk]] = defaultdict(list)
        for key in sources:
            wanted[key] = []
        for chunk in chunks:
            wanted[(chunk.account, chunk.source_id)].append(chunk)
        changed: list[Chunk] = []
        by_account: dict[str, list[str]] = defaultdict(list)
        for account, source_id in wanted:
            by_account[account].append(source_id)
        for account, source_ids in by_account.items():
            collection = self._collection(account, create=False)
            existing: dict[str, tuple[str | None, dict[str, Any]]] = {}
            if collection is not None:
                got = collection.get(where={"source_id": {"$in": source_ids}}, include=["documents", "metadatas"])
                for cid, doc, meta in zip(got["ids"], got["documents"] or [], got["metadatas"] or [], strict=True):
                    existing[cid] = (doc, dict(meta))
            new = [c for s in source_ids for c in wanted[(account, s)]]
            stale = set(existing) - {c.id for c in new}
            if stale and collection is not None:
                collection.delete(ids=sorted(stale))
            changed += [c for c in new if existing.get(c.id) != (c.text, _metadata(c))]
        self.upsert(changed)

    def delete_source(self, account: str, source_id: str) -> None:
        """Remove every chunk of one source."""
        collection = self._collection(account, create=False)
        if collection is not None:
            collection.delete(where={"source_id": source_id})

    def drop_account(self, account: str) -> None:
        """Delete the account's collection."""
        self._collections.pop(account, None)
        try:
            self.client.delete_collection(collection_name(account))
        except (NotFoundError, ValueError):
            return

    def count(self, account: str) -> int:
        """Number of chunks stored for an account."""
        collection = self._collection(account, create=False)
        return collection.count() if collection is not None else 0

    def source_ids(self, account: str) -> set[str]:
        """Ids of the sources indexed for an account."""
        collection = self._collection(account, create=False)
        if collection is None:
            return set()
        got = collection.get(include=["metadatas"])
        return {str(m["source_id"]) for m in got["metadatas"] or []}

    def accounts(self) -> list[str]:
        """Accounts that have a collection."""
        out = []
        for collection in self.client.list_collections():
            account = (collection.metadata or {}).get("account")
            if collection.name.startswith("acct_") and isinstance(account, str):
                out.append(account)
        return sorted(out)

    def query(
        self, account: str, vector: np.ndarray, *, visibilities: Sequence[str], limit: int
    ) -> list[tuple[Chunk, float]]:
        """The account's nearest chunks of the given visibilities, with cosine similarity, best first.

        Chroma's metadata filter costs far more than the vector search itself (~150 ms against
        ~10 ms for 2,000 chunks), so the nearest `OVERFETCH` × `limit` chunks are fetched unfiltered
        and filtered here; only when too few of them are visible is the filtered query run.
        """
        collection = self._collection(account, create=False)
        if collection is None or not visibilities:
            return []
        wanted = set(visibilities)
        include: Any = ["documents", "metadatas", "distances"]
        size = collection.count()
        fetched = min(size, limit if wanted >= set(VISIBILITIES) else OVERFETCH * limit)
        if not fetched:
            return []
        rows = self._rows(collection.query(query_embeddings=[vector], n_results=fetched, include=include))
        visible = [row for row in rows if row[0].visibility in wanted]
        if len(visible) >= limit or fetched >= size:
            return visible[:limit]
        where: Any = {"visibility": {"$in": sorted(wanted)}}
        rows = self._rows(collection.query(query_embeddings=[vector], n_results=limit, where=where, include=include))
        return [row for row in rows if row[0].visibility in wanted]

    @staticmethod
    def _rows(result: Any) -> list[tuple[Chunk, float]]:
        ids, docs = result["ids"][0], (result["documents"] or [[]])[0]
        metas, dists = (result["metadatas"] or [[]])[0], (result["distances"] or [[]])[0]
        return [
            (_chunk(cid, doc, dict(meta)), 1.0 - float(dist))
            for cid, doc, meta, dist in zip(ids, docs, metas, dists, strict=True)
        ]

    def vectors_of(self, account: str, chunk_ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored vectors of an account's chunks, by chunk id (unknown ids are skipped)."""
        collection = self._collection(account, create=False)
        if collection is None or not chunk_ids:
            return {}
        got = collection.get(ids=list(chunk_ids), include=["embeddings"])
        vectors = got["embeddings"] if got["embeddings"] is not None else []
        return {cid: np.asarray(v, dtype=np.float32) for cid, v in zip(got["ids"], vectors, strict=True)}

    def get(self, account: str, chunk_ids: Sequence[str]) -> list[Chunk]:
        """Chunks of an account by id (unknown ids are skipped)."""
        collection = self._collection(account, create=False)
        if collection is None or not chunk_ids:
            return []
        got = collection.get(ids=list(chunk_ids), include=["documents", "metadatas"])
        return [
            _chunk(cid, doc, dict(meta))
            for cid, doc, meta in zip(got["ids"], got["documents"] or [], got["metadatas"] or [], strict=True)
        ]
