"""End-to-end ingest throughput against the embed-and-insert floor.

`python bench/bench_ingest.py [--data ../shared/data] [--records 10000]`

The records are onboarding-dev's 426, replayed until there are `--records` of them: each replay gets fresh
ids (threads kept within the replay) and comes a year after the one before, so every account's records
stay in time order and its items keep growing, as a busy account's would.

- floor: index the very chunks production builds (a reply carries its thread's start as context),
  i.e. embedding with the shipped model + Chroma upsert + SQL keyword rows, nothing else — what any
  ingest must pay;
- end to end: `IngestService.ingest_many` (source rows, extraction, merge into items, queued indexing work)
  with the indexing lane of a serving process's worker running beside it, as `tandem serve` runs them,
  on a fresh SQLite data dir; also one after the other (the store part, then draining the indexing work).
Both in one process on this machine; the ratio is what to compare across machines.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import tempfile
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from sqlmodel import select

from bot.container import Container
from bot.indexing import source_text
from bot.record_io import read_records
from bot.records import SourceRecord
from bot.settings import load_settings
from bot.store.db import session_scope
from bot.store.models import Account, Source
from bot.worker import Worker
from retrieval.chunking import SourceText
from retrieval.embeddings import MiniLMEmbedder
from retrieval.service import Retriever

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def _records(data: Path, count: int) -> list[SourceRecord]:
    """`count` records: onboarding-dev's, replayed with fresh ids, each replay a year after the last."""
    with (data / "onboarding-dev" / "records.jsonl").open(encoding="utf-8") as handle:
        base = [r for r in read_records(handle) if isinstance(r, SourceRecord)]
    out: list[SourceRecord] = []
    for replay in range(-(-count // len(base))):
        suffix, later = (f"-r{replay}" if replay else ""), timedelta(days=365 * replay)
        out += [replace(r, id=r.id + suffix, thread=r.thread and r.thread + suffix, ts=r.ts + later) for r in base]
    return out[:count]


def floor(texts: list[SourceText], embedder: MiniLMEmbedder) -> float:
    """Seconds to chunk, embed and insert these sources, and nothing else."""
    with tempfile.TemporaryDirectory() as tmp:
        from bot.store.db import make_engine

        retriever = Retriever.embedded(f"{tmp}/chroma", make_engine(f"sqlite:///{tmp}/k.db"), embedder=embedder)
        start = time.perf_counter()
        retriever.index_sources(texts)
        return time.perf_counter() - start


def end_to_end(records: list[SourceRecord], embedder: MiniLMEmbedder) -> tuple[float, float, list[SourceText]]:
    """Seconds for the store part (ingest) and for draining the indexing work, and what was indexed."""
    with tempfile.TemporaryDirectory() as tmp:
        container = Container(load_settings(tandem_data_dir=Path(tmp), database_url=None, chroma_url=None,
                                            chroma_path=None))
        container.__dict__["embedder"] = embedder  # share the loaded model with the floor run
        container.migrate()
        assert container.hold_index()
        container.ingest  # noqa: B018 - load the extractor's weights before timing
        start = time.perf_counter()
        list(container.ingest.ingest_many(records))
        stored = time.perf_counter() - start
        asyncio.run(container.drain_index_work())
        total = time.perf_counter() - start
        with session_scope(container.engine) as session:
            keys = {a.id: a.key for a in session.exec(select(Account)).all()}
            texts = [source_text(session, s, keys[s.account_id]) for s in session.exec(select(Source)).all()]
        container.close()
        return stored, total, texts


def side_by_side(records: list[SourceRecord], embedder: MiniLMEmbedder) -> float:
    """Seconds to ingest while the worker's indexing lane indexes what is stored, as a serving process does."""
    with tempfile.TemporaryDirectory() as tmp:
        container = Container(load_settings(tandem_data_dir=Path(tmp), database_url=None, chroma_url=None,
                                            chroma_path=None))
        container.__dict__["embedder"] = embedder
        container.migrate()
        assert container.hold_index()
        container.ingest  # noqa: B018 - load the extractor's weights before timing
        single, batched = container.index_work()
        worker = Worker(container.queue, single, batch_handlers=batched, poll_seconds=0.02)

        async def run() -> float:
            start = time.perf_counter()
            lane = asyncio.create_task(worker.run_forever())
            await asyncio.to_thread(lambda: list(container.ingest.ingest_many(records, batch=50)))
            while set(await asyncio.to_thread(container.queue.counts, worker.kinds)) & {"queued", "running"}:
                worker.wake()
                await asyncio.sleep(0.02)
            elapsed = time.perf_counter() - start
            worker.stop()
            await lane
            return elapsed

        elapsed = asyncio.run(run())
        container.close()
        return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--records", type=int, default=10_000)
    args = parser.parse_args()
    records = _records(Path(args.data), args.records)
    embedder = MiniLMEmbedder()
    embedder.embed(["warm up"])
    stored_s, total_s, texts = end_to_end(records, embedder)
    overlapped_s = side_by_side(records, embedder)
    floor_s = floor(texts, embedder)
    n = len(records)
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"records: {n}")
    print(f"floor (chunk + embed + insert):        {n / floor_s:7.1f} records/s")
    print(f"store only (sources, extraction, merge): {n / stored_s:7.1f} records/s")
    print(f"store, then indexing (one after the other): {n / total_s:7.1f} records/s  "
          f"({floor_s / total_s:.2f} of the floor)")
    print(f"end to end (store and indexing side by side, as served): {n / overlapped_s:7.1f} records/s  "
          f"= {floor_s / overlapped_s:.2f} of the floor")


if __name__ == "__main__":
    main()
