"""`make bench`: run every benchmark in bench/ one after another and print their reports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCHES = ("bench_extract.py", "bench_ingest.py", "bench_answer.py")


def main() -> int:
    here = Path(__file__).resolve().parent
    failed = 0
    for name in BENCHES:
        print(f"== {name}", flush=True)
        failed += subprocess.run([sys.executable, str(here / name)], check=False).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
