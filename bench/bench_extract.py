"""Throughput of the offline extractor: `python bench/bench_extract.py [--data ../shared/data] [--repeat 5]`.

Runs onboarding-dev records (each with the earlier records of its account as context)
through one extractor in a single process, several times, and reports records per second
with the machine it ran on. Compare runs by ratio against the keyword baseline on the same
machine: absolute numbers move with the host.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

from bot.extraction import ExtractionContext, OfflineExtractor
from bot.extraction.baseline import keyword_items
from bot.extraction.corpus import by_account, load_onboarding
from bot.records import SourceRecord

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def _workload(data_dir: Path) -> list[tuple[SourceRecord, ExtractionContext]]:
    work = []
    for _, group in by_account(load_onboarding(data_dir)):
        earlier: list[SourceRecord] = []
        for item in group:
            work.append((item.record, ExtractionContext(earlier=list(earlier))))
            earlier.append(item.record)
    return work


def _rate(run, work, repeat: int) -> list[float]:
    rates = []
    for _ in range(repeat):
        start = time.perf_counter()
        for record, context in work:
            run(record, context)
        rates.append(len(work) / (time.perf_counter() - start))
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    work = _workload(args.data)
    load_start = time.perf_counter()
    extractor = OfflineExtractor()
    load_seconds = time.perf_counter() - load_start
    offline = _rate(extractor.extract, work, args.repeat)
    baseline = _rate(lambda record, _context: keyword_items(record), work, args.repeat)
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, {platform.system()}")
    print(f"records per run: {len(work)} (onboarding-dev), runs: {args.repeat}, single process")
    print(f"model load: {load_seconds:.2f} s")
    print(f"offline extractor: median {statistics.median(offline):,.0f} records/s (min {min(offline):,.0f}, max {max(offline):,.0f})")
    print(f"keyword baseline:  median {statistics.median(baseline):,.0f} records/s")
    print(f"ratio baseline/offline: {statistics.median(baseline) / statistics.median(offline):.1f}x")


if __name__ == "__main__":
    main()
