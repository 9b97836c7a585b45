"""Latency of one offline answer (search + answer) with many chunks across many accounts.

The bulk of the index is synthetic: chunk texts are random onboarding-like sentences and their
vectors random unit vectors, inserted directly (embedding 100k real texts would take ~10 min);
each question is embedded with the real model, and answers embed their candidate sentences with
it, so the measured path is the production one.

Run: python bench/bench_answer.py [--chunks 100000] [--accounts 50] [--questions 200] [--index-dir DIR]

`--index-dir` keeps the built index in DIR and reuses it on the next run (same --chunks/--accounts).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sqlalchemy import create_engine

from retrieval import MiniLMEmbedder, Retriever
from retrieval.chunking import chunk_id
from retrieval.embeddings import clear_query_cache
from retrieval.types import Chunk

VOCAB = (
    "sso saml scim approval change board ticket migration extract export load contacts accounts policies "
    "currency exchange rates invoice netsuite salesforce hubspot sandbox uat sign-off go-live cutover "
    "hypercare training users seats region residency privacy assessment works council connector bug fix "
    "release schedule friday monday deadline blocked waiting vendor customer consultant review meeting "
    "price books discount tax quotes pipeline roles hierarchy dashboard report adoption freeze"
).split()
QUESTIONS = [
    "When is go-live?", "Why is SSO blocked?", "Who approved the price books?", "What is still open?",
    "How many contacts were migrated?", "Which exchange rates do we use?", "When does UAT sign-off happen?",
    "Is the connector bug fixed?", "What did the change board decide?", "Who owns the data export?",
]


def _sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(VOCAB) for _ in range(rng.randint(8, 18))).capitalize() + "."


def build(retriever: Retriever, n_chunks: int, n_accounts: int, seed: int = 7) -> None:
    """Insert synthetic chunks with random unit vectors into both indexes, in batches."""
    rng = random.Random(seed)
    nprng = np.random.default_rng(seed)
    per_account = n_chunks // n_accounts
    vectors, keywords = retriever.search_index.vectors, retriever.search_index.keywords
    for a in range(n_accounts):
        account = f"acct{a:03d}"
        chunks = [
            Chunk(
                id=chunk_id(account, f"{account}-{i}", 0), account=account, source_id=f"{account}-{i}",
                text=" ".join(_sentence(rng) for _ in range(rng.randint(2, 5))), kind="slack", author="Bench",
                side="customer", ts=f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}T10:00:00Z",
                visibility="internal" if i % 5 == 0 else "external",
            )
            for i in range(per_account)
        ]
        raw = nprng.standard_normal((len(chunks), vectors.embedder.dimension)).astype(np.float32)
        vectors.upsert(chunks, embeddings=raw / np.linalg.norm(raw, axis=1, keepdims=True))
        keywords.replace_sources(chunks)


def main() -> None:
    """Build the synthetic index, then time `Retriever.ask` per question."""
    parser = argparse.ArgumentParser(description="p95 latency of an offline answer")
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--index-dir", help="keep the built index here and reuse it when it is already there")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.index_dir or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        reuse = args.index_dir is not None and (folder / "built").exists()
        retriever = Retriever.embedded(
            str(folder / "chroma"), create_engine(f"sqlite:///{folder}/kw.db"), embedder=MiniLMEmbedder()
        )
        started = time.perf_counter()
        if not reuse:
            build(retriever, args.chunks, args.accounts)
            (folder / "built").write_text(f"{args.chunks} {args.accounts}\n")
        build_s = time.perf_counter() - started
        rng = random.Random(1)
        retriever.ask("warm up", accounts=["acct000"], visibilities=["external"], account_label="Warm")
        latencies, search_ms, weights_ms = [], [], []
        for _ in range(args.questions):
            account = f"acct{rng.randrange(args.accounts):03d}"
            visibilities = rng.choice([["external"], ["external", "internal"]])
            question = rng.choice(QUESTIONS)
            clear_query_cache()  # a new question each time: embedding it is part of the answer's cost
            t = time.perf_counter()
            retriever.ask(question, accounts=[account], visibilities=visibilities, account_label=account)
            latencies.append(1000 * (time.perf_counter() - t))
            # the parts, timed again (the question's vector is cached by now, so search excludes embedding it)
            t = time.perf_counter()
            retriever.search(question, accounts=[account], visibilities=visibilities)
            search_ms.append(1000 * (time.perf_counter() - t))
            t = time.perf_counter()
            retriever.search_index.keywords.term_weights(question, accounts=[account], visibilities=visibilities)
            weights_ms.append(1000 * (time.perf_counter() - t))
    lat = np.array(latencies)
    print(f"machine: {os.cpu_count()} CPUs, {platform.machine()}, Python {sys.version.split()[0]}, load {os.getloadavg()}")
    print(f"index: {args.chunks} synthetic chunks (random unit vectors, synthetic text) in {args.accounts} accounts, "
          f"{'reused' if reuse else 'built'} in {build_s:.0f} s; questions embedded with the real model")
    print(f"offline answer latency over {len(lat)} questions: p50 {np.percentile(lat, 50):.0f} ms, "
          f"p95 {np.percentile(lat, 95):.0f} ms, max {lat.max():.0f} ms")
    for name, values in (("search (question vector cached)", search_ms), ("term weights", weights_ms)):
        print(f"  {name}: p50 {np.percentile(values, 50):.0f} ms, p95 {np.percentile(values, 95):.0f} ms")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
